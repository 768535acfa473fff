import type { Redis } from 'ioredis';
import type { Platform } from '../../src/platform/context';

/**
 * What a Redis restart without persistence does to one deployment: every key under its prefix
 * is gone. Only this test file's prefix is touched; other files share the server.
 */
export async function flushPrefix(redis: Redis, prefix: string): Promise<number> {
  let removed = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) removed += await redis.del(...keys);
  } while (cursor !== '0');
  return removed;
}

/**
 * The queue store loses every job: Redis as above; with QUEUE_BACKEND=postgres, BullMQ's job rows
 * (and their events and dependencies) in this file's database are deleted, as a restore of the
 * `bullmq` schema from an old backup would leave them.
 */
export async function forgetQueuedJobs(platform: Platform): Promise<number> {
  if (platform.config.QUEUE_BACKEND === 'redis') return flushPrefix(platform.redis, platform.config.QUEUE_PREFIX);
  const removed = await platform.db.$executeRawUnsafe('DELETE FROM bullmq.job');
  await platform.db.$executeRawUnsafe('DELETE FROM bullmq.event');
  await platform.db.$executeRawUnsafe('DELETE FROM bullmq.job_dependency');
  return removed;
}
