import { Redis, type RedisOptions } from 'ioredis';

/**
 * BullMQ workers need `maxRetriesPerRequest: null` (blocking commands must wait out reconnects);
 * request-path clients keep a bound so an API call fails fast instead of hanging when Redis is down.
 */
export function createRedis(url: string, purpose: 'queue' | 'request', options: RedisOptions = {}): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: purpose === 'queue' ? null : 2,
    connectionName: `clarion-${purpose}`,
    ...options,
  });
}

export type { Redis };
