import type { Platform } from '../../platform/context';
import type { QueuesByName } from '../../platform/outbox';
import { closeQueues, createQueues } from '../../platform/queue-factory';

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
    const queues = (this.queues ??= createQueues(this.platform.queueBackend, this.platform.config));
    const entries = await Promise.all(
      Object.entries(queues).map(async ([name, queue]) => {
        try {
          const counts = await withTimeout(queue.getJobCounts(...QUEUE_STATES), 1_500);
          return [name, Object.fromEntries(QUEUE_STATES.map((s) => [s, counts[s] ?? 0])) as QueueCounts] as const;
        } catch {
          return [name, null] as const;
        }
      }),
    );
    // BullMQ's PostgreSQL backend keeps a failed first connection for good (its readiness is memoized,
    // BullMQ 6.7.0): Queue objects built while PostgreSQL was down never answer again. Build new ones
    // next time; Redis-backed ones reconnect by themselves.
    if (this.platform.queueBackend.kind === 'postgres' && entries.some(([, counts]) => counts === null)) {
      this.queues = undefined;
      void closeQueues(queues);
    }
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
