import { Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Logger } from './logger';
import type { QueueName } from './queues';

/** The token lets a handler move its own job back to delayed (pacing). */
export type JobHandler = (job: Job, token?: string) => Promise<unknown>;

/**
 * Runs one queue's jobs, dispatching on the job name. Logs carry job ids and names only:
 * payloads are ids, and anything a handler decrypts stays inside the handler.
 */
export function startQueueWorker(options: {
  queue: QueueName;
  handlers: Record<string, JobHandler>;
  connection: ConnectionOptions;
  prefix: string;
  concurrency: number;
  logger: Logger;
}): Worker {
  const { logger } = options;
  const worker = new Worker(options.queue, async (job, token) => {
    const handler = options.handlers[job.name];
    if (!handler) throw new Error(`no handler for job "${job.name}"`);
    return handler(job, token);
  }, { connection: options.connection, prefix: options.prefix, concurrency: options.concurrency });
  worker.on('completed', (job, result) => logger.debug({ jobId: job.id, job: job.name, result }, 'job done'));
  worker.on('failed', (job, error) => logger.warn({ jobId: job?.id, job: job?.name, attempt: job?.attemptsMade, reason: error.message }, 'job failed'));
  worker.on('error', (error) => logger.error({ err: error }, 'worker error'));
  return worker;
}

/**
 * Lets jobs in flight finish. A worker cut off from Redis cannot finish any (their completion is a
 * Redis write) and BullMQ would wait for it forever, so it is closed at once: its jobs are retried
 * as stalled by the next worker.
 */
export async function closeWorker(worker: Worker, connection: { status: string }): Promise<void> {
  await worker.close(connection.status !== 'ready');
}
