import type { Platform } from '../../platform/context';
import type { QueuesByName } from '../../platform/outbox';
import { createQueues } from '../../platform/queue-factory';

export const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed', 'completed'] as const;
export type QueueCounts = Record<(typeof QUEUE_STATES)[number], number>;

/**
 * Reads job counts per queue. The Queue objects share the platform's request-path Redis client
 * (BullMQ does not close a connection it was given), so they open no connection of their own and
 * there is nothing to leak or close; that client fails fast, so a down Redis answers null quickly.
 */
export class QueueHealth {
  private queues: QueuesByName | undefined;

  constructor(private readonly platform: Pick<Platform, 'queueBackend' | 'config'>) {}

  async counts(): Promise<Record<string, QueueCounts | null>> {
    this.queues ??= createQueues(this.platform.queueBackend, this.platform.config);
    const entries = await Promise.all(
      Object.entries(this.queues).map(async ([name, queue]) => {
        try {
          const counts = await withTimeout(queue.getJobCounts(...QUEUE_STATES), 1_500);
          return [name, Object.fromEntries(QUEUE_STATES.map((s) => [s, counts[s] ?? 0])) as QueueCounts] as const;
        } catch {
          return [name, null] as const;
        }
      }),
    );
    return Object.fromEntries(entries);
  }
}

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
