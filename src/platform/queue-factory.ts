import { Queue, type DefaultJobOptions, type IQueueBackend, type QueueOptions } from 'bullmq';
import type { Config } from './config';
import type { QueuesByName } from './outbox';
import type { QueueBackend } from './queue-backend';
import { QUEUES } from './queues';

/** Completed jobs are kept a day so a relay that re-adds a job id inside that window is a no-op. */
export const defaultJobOptions: DefaultJobOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 5_000 },
  removeOnComplete: { age: 24 * 3600, count: 50_000 },
  removeOnFail: { age: 14 * 24 * 3600 },
};

type QueueConfig = Pick<
  Config,
  'QUEUE_PREFIX' | 'EMAIL_RETRY_BASE_MS' | 'LETTERS_MAX_ATTEMPTS' | 'LETTERS_RETRY_BASE_MS' | 'WEBHOOKS_MAX_ATTEMPTS' | 'WEBHOOKS_RETRY_BASE_MS'
>;

/**
 * The process's queues on its backend (queue-backend.ts). On PostgreSQL the namespace is the
 * database's `bullmq` schema and QUEUE_PREFIX does not apply to queues (BullMQ ignores `prefix` there).
 */
export function createQueues(backend: QueueBackend, config: QueueConfig): QueuesByName {
  const prefix = config.QUEUE_PREFIX;
  const queues: QueuesByName = {
    [QUEUES.email]: newQueue(QUEUES.email, backend, {
      prefix,
      defaultJobOptions: { ...defaultJobOptions, backoff: { type: 'exponential', delay: config.EMAIL_RETRY_BASE_MS } },
    }),
    [QUEUES.letters]: newQueue(QUEUES.letters, backend, {
      prefix,
      defaultJobOptions: {
        ...defaultJobOptions,
        attempts: config.LETTERS_MAX_ATTEMPTS,
        backoff: { type: 'exponential', delay: config.LETTERS_RETRY_BASE_MS },
      },
    }),
    // One long job per mailing run; a failed run is retried, and the sweeper re-drives one that gave up.
    [QUEUES.mailings]: newQueue(QUEUES.mailings, backend, {
      prefix,
      defaultJobOptions: { ...defaultJobOptions, backoff: { type: 'exponential', delay: config.EMAIL_RETRY_BASE_MS } },
    }),
    // Webhook deliveries: retried with exponential backoff for about three days (13 attempts from 60 s).
    [QUEUES.webhooks]: newQueue(QUEUES.webhooks, backend, {
      prefix,
      defaultJobOptions: {
        ...defaultJobOptions,
        attempts: config.WEBHOOKS_MAX_ATTEMPTS,
        backoff: { type: 'exponential', delay: config.WEBHOOKS_RETRY_BASE_MS },
      },
    }),
  };
  // A queue re-emits its connection's errors; the connection's watcher logs the outage once
  // (connection-watch.ts), and an 'error' event without a listener would end the process.
  for (const queue of Object.values(queues)) queue.on('error', () => undefined);
  return queues;
}

/**
 * The rest of the code types queues as BullMQ's default `Queue` (Redis-backed): what it calls
 * (add, addBulk, getJob, getJobCounts, close) is the backend-neutral Queue API, the same on both.
 */
function newQueue(name: string, backend: QueueBackend, opts: Omit<QueueOptions, 'connection'>): Queue {
  const queue = new Queue<unknown, unknown, string, unknown, unknown, string, IQueueBackend, unknown>(
    name,
    { ...opts, connection: backend.connection },
    backend.factory,
  );
  return queue as unknown as Queue;
}

export async function closeQueues(queues: QueuesByName): Promise<void> {
  await Promise.allSettled(Object.values(queues).map((q) => q.close()));
}
