import { Worker, type IQueueBackend, type Job, type JobProgress } from 'bullmq';
import { isConnectionError } from './connection-watch';
import type { Db } from './db';
import { isFinalFailure, recordJobCompletion } from './job-completion';
import type { Logger } from './logger';
import type { QueueBackend } from './queue-backend';
import type { QueueName } from './queues';

/** The token lets a handler move its own job back to delayed (pacing). */
export type JobHandler = (job: Job, token?: string) => Promise<unknown>;

/**
 * How soon a dead worker's jobs run again. BullMQ's defaults (30 s lock, 30 s stalled check) let a
 * killed worker's jobs wait about a minute. A lock of `lockMs` is renewed every `lockMs / 2` while
 * the handler runs, however long its SMTP send takes, so only a dead (or frozen) worker loses it;
 * the stalled check every `stalledCheckMs` then moves its jobs back to waiting. A job may stall
 * a few times (three kills in a row) before BullMQ fails it; the reconciliation pass retries a job
 * failed that way, since its handler never said it was done.
 */
export interface LockSettings {
  lockMs: number;
  stalledCheckMs: number;
}

/**
 * Runs one queue's jobs, dispatching on the job name. Logs carry job ids and names only:
 * payloads are ids, and anything a handler decrypts stays inside the handler. When a handler
 * finishes (or fails for good), the job's outbox row is marked completed (job-completion.ts).
 */
export function startQueueWorker(options: {
  queue: QueueName;
  handlers: Record<string, JobHandler>;
  backend: QueueBackend;
  prefix: string;
  concurrency: number;
  logger: Logger;
  db: Db;
  locks: LockSettings;
}): Worker {
  const { logger, db } = options;
  const worker = new Worker<unknown, unknown, string, IQueueBackend, JobProgress, unknown>(
    options.queue,
    async (job, token) => {
      const handler = options.handlers[job.name];
      if (!handler) throw new Error(`no handler for job "${job.name}"`);
      try {
        const result = await handler(job, token);
        await recordJobCompletion(db, job.id, logger);
        return result;
      } catch (error) {
        if (isFinalFailure(job, error)) await recordJobCompletion(db, job.id, logger);
        throw error;
      }
    },
    {
      connection: options.backend.connection,
      prefix: options.prefix,
      concurrency: options.concurrency,
      lockDuration: options.locks.lockMs,
      stalledInterval: options.locks.stalledCheckMs,
      maxStalledCount: 3,
    },
    options.backend.factory,
  ) as unknown as Worker;
  worker.on('completed', (job, result) => logger.debug({ jobId: job.id, job: job.name, result }, 'job done'));
  worker.on('failed', (job, error) => logger.warn({ jobId: job?.id, job: job?.name, attempt: job?.attemptsMade, error: failureSummary(error) }, 'job failed'));
  worker.on('stalled', (jobId) => logger.info({ jobId }, 'stalled job taken back (its worker died)'));
  // A Redis outage is logged once by the connection's watcher (connection-watch.ts); each
  // reconnect attempt would otherwise add an error line here.
  worker.on('error', (error) => {
    if (isConnectionError(error)) logger.debug({ err: error }, 'worker connection error');
    else logger.error({ err: error }, 'worker error');
  });
  return worker;
}

/**
 * What a failed job's log line says about its error: its class (as `type`, pino's name for it;
 * `name` is redacted) and code, never the message. A
 * handler's error can quote what it was working on (a database error renders the query's values, a
 * mail provider's answer can echo the recipient's name), and the job's id and name say which job.
 */
export function failureSummary(error: unknown): { type: string; code?: string | number } {
  if (!error || typeof error !== 'object') return { type: typeof error };
  const { name, code, responseCode } = error as { name?: unknown; code?: unknown; responseCode?: unknown };
  const summary: { type: string; code?: string | number } = { type: typeof name === 'string' ? name.slice(0, 100) : 'Error' };
  const numeric = typeof code === 'number' ? code : typeof responseCode === 'number' ? responseCode : undefined;
  if (typeof code === 'string' && /^[A-Za-z0-9_.-]{1,40}$/.test(code)) summary.code = code;
  else if (numeric !== undefined) summary.code = numeric;
  return summary;
}

/**
 * Lets jobs in flight finish. A worker cut off from its queue store cannot finish any (their
 * completion is a write there) and BullMQ would wait for it forever, so it is closed at once: its
 * jobs are retried as stalled by the next worker.
 */
export async function closeWorker(worker: Worker, backend: Pick<QueueBackend, 'connected'>): Promise<void> {
  await worker.close(!backend.connected());
}
