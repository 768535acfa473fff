import { Queue, type ConnectionOptions, type DefaultJobOptions } from 'bullmq';
import type { Config } from './config';
import type { QueuesByName } from './outbox';
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

export function createQueues(connection: ConnectionOptions, config: QueueConfig): QueuesByName {
  const prefix = config.QUEUE_PREFIX;
  const queues: QueuesByName = {
    [QUEUES.email]: new Queue(QUEUES.email, {
      connection,
      prefix,
      defaultJobOptions: { ...defaultJobOptions, backoff: { type: 'exponential', delay: config.EMAIL_RETRY_BASE_MS } },
    }),
    [QUEUES.letters]: new Queue(QUEUES.letters, {
      connection,
      prefix,
      defaultJobOptions: {
        ...defaultJobOptions,
        attempts: config.LETTERS_MAX_ATTEMPTS,
        backoff: { type: 'exponential', delay: config.LETTERS_RETRY_BASE_MS },
      },
    }),
    // One long job per mailing run; a failed run is retried, and the sweeper re-drives one that gave up.
    [QUEUES.mailings]: new Queue(QUEUES.mailings, {
      connection,
      prefix,
      defaultJobOptions: { ...defaultJobOptions, backoff: { type: 'exponential', delay: config.EMAIL_RETRY_BASE_MS } },
    }),
    // Webhook deliveries: retried with exponential backoff for about three days (13 attempts from 60 s).
    [QUEUES.webhooks]: new Queue(QUEUES.webhooks, {
      connection,
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

export async function closeQueues(queues: QueuesByName): Promise<void> {
  await Promise.allSettled(Object.values(queues).map((q) => q.close()));
}
