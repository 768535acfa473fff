import { Queue, type ConnectionOptions, type DefaultJobOptions } from 'bullmq';
import type { QueuesByName } from './outbox';
import { QUEUES } from './queues';

/** Completed jobs are kept a day so a relay that re-adds a job id inside that window is a no-op. */
export const defaultJobOptions: DefaultJobOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 5_000 },
  removeOnComplete: { age: 24 * 3600, count: 50_000 },
  removeOnFail: { age: 14 * 24 * 3600 },
};

export function createQueues(connection: ConnectionOptions, prefix: string): QueuesByName {
  return {
    [QUEUES.email]: new Queue(QUEUES.email, { connection, prefix, defaultJobOptions }),
  };
}

export async function closeQueues(queues: QueuesByName): Promise<void> {
  await Promise.allSettled(Object.values(queues).map((q) => q.close()));
}
