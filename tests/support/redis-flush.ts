import type { Redis } from 'ioredis';

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
