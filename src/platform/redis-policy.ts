import type { Redis } from 'ioredis';
import type { Config } from './config';
import type { Logger } from './logger';

/**
 * Redis holds jobs, so it must never evict keys (`maxmemory-policy noeviction`) and should keep
 * them across restarts (AOF). Nothing is lost for good either way (PostgreSQL says what is owed
 * and the reconciliation pass re-drives it), but evictions and empty restarts turn into delays and
 * re-driven work. In production another eviction policy stops the process unless
 * REDIS_ALLOW_EVICTION is true. Managed Redis services often disable CONFIG: then nothing can be
 * checked, and that is said once.
 */
export async function checkRedisPolicy(redis: Redis, config: Pick<Config, 'NODE_ENV' | 'REDIS_ALLOW_EVICTION'>, logger: Logger): Promise<void> {
  let policy: string | undefined;
  let appendOnly: string | undefined;
  try {
    policy = ((await redis.call('CONFIG', 'GET', 'maxmemory-policy')) as string[])[1];
    appendOnly = ((await redis.call('CONFIG', 'GET', 'appendonly')) as string[])[1];
  } catch (error) {
    logger.info(
      { reason: error instanceof Error ? error.message.slice(0, 120) : String(error) },
      'could not read the Redis configuration (CONFIG refused); make sure maxmemory-policy is noeviction',
    );
    return;
  }
  if (appendOnly === 'no') logger.warn('Redis runs without AOF: a restart empties the queues, and owed jobs are re-driven from PostgreSQL after a delay');
  if (policy === undefined || policy === 'noeviction') return;
  const message = `Redis maxmemory-policy is "${policy}": Redis may evict queued jobs; set it to noeviction`;
  if (config.NODE_ENV === 'production' && !config.REDIS_ALLOW_EVICTION) throw new Error(`${message} (or set REDIS_ALLOW_EVICTION=true to start anyway)`);
  logger.warn(message);
}

/** Waits for the first connection, at most `timeoutMs`; a Redis that is down is checked by nobody. */
export async function checkRedisPolicyWhenConnected(
  redis: Redis,
  config: Pick<Config, 'NODE_ENV' | 'REDIS_ALLOW_EVICTION'>,
  logger: Logger,
  timeoutMs = 5_000,
): Promise<void> {
  if (redis.status !== 'ready') {
    const ready = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      redis.once('ready', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    if (!ready) {
      logger.warn('Redis did not answer at start; its eviction policy was not checked');
      return;
    }
  }
  await checkRedisPolicy(redis, config, logger);
}
