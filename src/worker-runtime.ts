import type { Worker } from 'bullmq';
import type { Platform } from './platform/context';
import { closePlatform } from './platform/context';
import { createMailer } from './platform/mailer';
import { OutboxRelay } from './platform/outbox';
import { closeQueues, createQueues } from './platform/queue-factory';
import { QUEUES, JOBS } from './platform/queues';
import { createRedis } from './platform/redis';
import { startQueueWorker } from './platform/worker-host';
import { confirmationEmailHandler } from './modules/supporters';

export interface RunningWorkers {
  stop(): Promise<void>;
}

/**
 * Starts the outbox relay and/or the queue workers in this process. Production can run each in
 * its own process (workers/*.ts); `npm start` and tests run them together.
 */
export function startWorkers(platform: Platform, parts: { relay: boolean; email: boolean }): RunningWorkers {
  const { config, logger } = platform;
  const connection = createRedis(config.REDIS_URL, 'queue');
  const stops: Array<() => Promise<unknown>> = [];

  if (parts.relay) {
    const queues = createQueues(connection, config);
    const relay = new OutboxRelay(platform.db, queues, logger.child({ component: 'outbox-relay' }), config.OUTBOX_POLL_MS);
    relay.start();
    stops.push(() => relay.stop(), () => closeQueues(queues));
  }

  if (parts.email) {
    const mailer = createMailer(config.SMTP_URL, config.SMTP_POOL_SIZE);
    const worker: Worker = startQueueWorker({
      queue: QUEUES.email,
      handlers: { [JOBS.sendConfirmation]: confirmationEmailHandler(platform, mailer) },
      connection,
      prefix: config.QUEUE_PREFIX,
      concurrency: 8,
      logger: logger.child({ component: 'email-worker' }),
    });
    // Let jobs in flight finish (bounded by the process's shutdown grace) before the pool closes.
    stops.push(() => worker.close(), async () => mailer.close());
  }

  return {
    async stop() {
      for (const stop of stops) await stop();
      await connection.quit().catch(() => undefined);
    },
  };
}

export async function stopAll(platform: Platform, workers: RunningWorkers): Promise<void> {
  await workers.stop();
  await closePlatform(platform);
}
