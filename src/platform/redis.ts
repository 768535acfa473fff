import { Redis, type RedisOptions } from 'ioredis';

/**
 * BullMQ workers need `maxRetriesPerRequest: null` (blocking commands must wait out reconnects).
 * Request-path clients fail fast instead: while Redis is unreachable a command is refused at once
 * rather than queued (a queued command waited out reconnects, 10 s and more, for each of the four
 * signing limiters), and a connected Redis that stops answering times out after a second.
 */
export function createRedis(url: string, purpose: 'queue' | 'request', options: RedisOptions = {}): Redis {
  const failFast: RedisOptions = purpose === 'request' ? { maxRetriesPerRequest: 1, enableOfflineQueue: false, commandTimeout: 1000 } : {};
  return new Redis(url, {
    maxRetriesPerRequest: null,
    connectionName: `clarion-${purpose}`,
    ...failFast,
    ...options,
  });
}

export type { Redis };
