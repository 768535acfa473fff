import type { Platform } from './platform/context';
import { closePlatform } from './platform/context';
import { createMailer, dkimFromConfig, mailerOptions } from './platform/mailer';
import { MailSenderThread } from './platform/mail-sender-thread';
import { OutboxRelay } from './platform/outbox';
import { OutboxReconciler } from './platform/reconcile';
import { createQueueBackend } from './platform/queue-backend';
import { closeQueues, createQueues } from './platform/queue-factory';
import { JOBS, jobPayloads, QUEUES } from './platform/queues';
import type { Redis } from './platform/redis';
import { RedisSharedState } from './platform/shared-state';
import { SharedValuesSweeper } from './platform/shared-values-sweeper';
import { closeWorker, startQueueWorker } from './platform/worker-host';
import { confirmationEmailHandler, IpHashRetention, resolveAddressRequest } from './modules/supporters';
import { erasureLinkEmailHandler } from './modules/erasure';
import { MailingSweeper, sendMailingHandler, sendMailingTestHandler } from './modules/mailings';
import { RetentionSchedule } from './modules/retention';
import { fanOutHandler, sendDeliveryHandler, WebhookHistoryRetention } from './modules/webhooks';
import { DelegationPacer, letterApprovalEmailHandler, LetterSweeper, sendDigestHandler, sendLetterHandler } from './modules/letters';

export interface RunningWorkers {
  stop(): Promise<void>;
}

export interface WorkerParts {
  /** Outbox relay and the letter sweeper. */
  relay: boolean;
  /** Supporters' emails (confirmations). */
  email: boolean;
  /** Letters to delegations. */
  letters?: boolean;
  /** Campaign updates to supporters (defaults to `email`). */
  mailings?: boolean;
  /** Webhook deliveries to registered endpoints (defaults to `email`). */
  webhooks?: boolean;
}

/**
 * Starts the outbox relay and/or the queue workers in this process. Production can run each in
 * its own process (workers/*.ts); `npm start` and tests run them together.
 */
export function startWorkers(platform: Platform, parts: WorkerParts): RunningWorkers {
  const { config, logger } = platform;
  const workerCount = [parts.email, parts.letters ?? parts.email, parts.mailings ?? parts.email].filter(Boolean).length;
  // One connection (Redis client or pg pool) for all of this process's queues and workers.
  const backend = createQueueBackend(config, logger, 'queue', workerCount);
  const locks = { lockMs: config.QUEUE_LOCK_MS, stalledCheckMs: config.QUEUE_STALLED_CHECK_MS };
  const stops: Array<() => Promise<unknown>> = [];
  const dkim = dkimFromConfig(config);

  if (parts.relay) {
    const queues = createQueues(backend, config);
    const relay = new OutboxRelay(
      platform.db,
      queues,
      logger.child({ component: 'outbox-relay' }),
      config.OUTBOX_POLL_MS,
      config.OUTBOX_RECONCILE_AFTER_SECONDS,
    );
    const reconciler = new OutboxReconciler(platform.db, queues, logger.child({ component: 'outbox-reconciler' }), config.OUTBOX_RECONCILE_INTERVAL_MS, {
      afterSeconds: config.OUTBOX_RECONCILE_AFTER_SECONDS,
    });
    const sweeper = new LetterSweeper(
      platform,
      queues[QUEUES.letters],
      logger.child({ component: 'letter-sweeper' }),
      Math.max(config.LETTERS_SEND_LEASE_SECONDS * 500, 5_000),
    );
    const retention = new IpHashRetention(platform.db, config.IP_HASH_RETENTION_DAYS, logger.child({ component: 'ip-hash-retention' }));
    const mailingSweeper = new MailingSweeper(
      platform,
      queues[QUEUES.mailings],
      logger.child({ component: 'mailing-sweeper' }),
      Math.max(config.MAILINGS_SEND_LEASE_SECONDS * 250, 2_000),
    );
    const personalDataRetention = new RetentionSchedule(platform, logger.child({ component: 'retention' }));
    // Redis expires its keys itself; the table needs its expired rows deleted.
    if (config.QUEUE_BACKEND === 'postgres') {
      const sweeper = new SharedValuesSweeper(platform.db, logger.child({ component: 'shared-values-sweeper' }));
      sweeper.start();
      stops.push(() => sweeper.stop());
    }
    const webhookHistory = new WebhookHistoryRetention(platform.db, config.WEBHOOKS_HISTORY_DAYS, logger.child({ component: 'webhook-history' }));
    relay.start();
    sweeper.start();
    mailingSweeper.start();
    reconciler.start();
    retention.start();
    personalDataRetention.start();
    webhookHistory.start();
    stops.push(
      () => reconciler.stop(),
      () => retention.stop(),
      () => personalDataRetention.stop(),
      () => webhookHistory.stop(),
      () => sweeper.stop(),
      () => mailingSweeper.stop(),
      () => relay.stop(),
      () => closeQueues(queues),
    );
  }

  if (parts.email) {
    const mailer = createMailer(config.SMTP_URL, config.SMTP_POOL_SIZE, dkim);
    const worker = startQueueWorker({
      queue: QUEUES.email,
      handlers: {
        [JOBS.sendConfirmation]: confirmationEmailHandler(platform, mailer),
        [JOBS.sendErasureLink]: erasureLinkEmailHandler(platform, mailer),
        [JOBS.sendLetterApproval]: letterApprovalEmailHandler(platform, mailer),
        [JOBS.sendMailingTest]: sendMailingTestHandler(platform, mailer),
        [JOBS.resolveAddressRequest]: async (job) => resolveAddressRequest(platform, jobPayloads[JOBS.resolveAddressRequest].parse(job.data).requestId),
      },
      backend,
      prefix: config.QUEUE_PREFIX,
      db: platform.db,
      locks,
      concurrency: 8,
      logger: logger.child({ component: 'email-worker' }),
    });
    // Let jobs in flight finish (bounded by the process's shutdown grace) before the pool closes.
    stops.push(
      () => closeWorker(worker, backend),
      async () => mailer.close(),
    );
  }

  if (parts.letters ?? parts.email) {
    const mailer = createMailer(config.SMTP_URL, config.SMTP_POOL_SIZE, dkim);
    // Pacing in Redis uses the queue client, which waits out a reconnect rather than failing the send.
    const slots = backend.kind === 'redis' ? new RedisSharedState(backend.connection as Redis) : platform.state;
    const deps = { platform, mailer, pacer: new DelegationPacer(slots, `${config.QUEUE_PREFIX}:letters`) };
    const worker = startQueueWorker({
      queue: QUEUES.letters,
      handlers: {
        // Retired: a confirmation no longer releases letters (their approval does); old jobs are dropped.
        [JOBS.releaseHeldLetters]: async () => 'skipped: letters are released by their approval',
        [JOBS.sendLetter]: sendLetterHandler(deps),
        [JOBS.sendDigest]: sendDigestHandler(deps),
      },
      backend,
      prefix: config.QUEUE_PREFIX,
      db: platform.db,
      locks,
      concurrency: Math.max(config.SMTP_POOL_SIZE * 4, 8),
      logger: logger.child({ component: 'letters-worker' }),
    });
    stops.push(
      () => closeWorker(worker, backend),
      async () => mailer.close(),
    );
  }

  if (parts.mailings ?? parts.email) {
    const sender = new MailSenderThread(mailerOptions(config.SMTP_URL, config.SMTP_POOL_SIZE, dkim));
    const worker = startQueueWorker({
      queue: QUEUES.mailings,
      handlers: { [JOBS.sendMailing]: sendMailingHandler({ platform, sender, batchSize: Math.max(config.SMTP_POOL_SIZE * 2, 4) }) },
      backend,
      prefix: config.QUEUE_PREFIX,
      db: platform.db,
      locks,
      // One job per mailing run: a few mailings at once, each paced by its own rate.
      concurrency: 4,
      logger: logger.child({ component: 'mailings-worker' }),
    });
    stops.push(
      () => closeWorker(worker, backend),
      () => sender.close(),
    );
  }

  if (parts.webhooks ?? parts.email) {
    const worker = startQueueWorker({
      queue: QUEUES.webhooks,
      handlers: { [JOBS.fanOutEvent]: fanOutHandler(platform), [JOBS.sendWebhook]: sendDeliveryHandler(platform) },
      backend,
      prefix: config.QUEUE_PREFIX,
      db: platform.db,
      locks,
      // Many requests at once, each bounded by WEBHOOKS_TIMEOUT_MS and capped per endpoint.
      concurrency: config.WEBHOOKS_CONCURRENCY,
      logger: logger.child({ component: 'webhooks-worker' }),
    });
    stops.push(() => closeWorker(worker, backend));
  }

  return {
    async stop() {
      for (const stop of stops) await stop();
      await backend.close();
    },
  };
}

export async function stopAll(platform: Platform, workers: RunningWorkers): Promise<void> {
  await workers.stop();
  await closePlatform(platform);
}
