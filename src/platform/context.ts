import type { Config } from './config';
import { DataCipher, deriveKey, TokenSigner } from './crypto';
import { createDb, createPool, type Db, type PgPool } from './db';
import { createLogger, type Logger } from './logger';
import { createRedis, type Redis } from './redis';
import { watchRedisConnection } from './connection-watch';
import { createQueueBackend, redisQueueBackend, type QueueBackend } from './queue-backend';
import { PostgresSharedState, RedisSharedState, type SharedState } from './shared-state';
import type { ReturnPathSettings } from './return-path';

/**
 * What every feature shares in one process, built once at start and passed down explicitly
 * (no module-level singletons, so tests can build as many as they need).
 */
export interface Platform {
  config: Config;
  logger: Logger;
  db: Db;
  /** The pool under `db`, for the reads the ORM makes slow (streaming exports): raw SQL only. */
  pool: PgPool;
  /**
   * For request-path work (rate limits, readiness): fails fast when Redis is down. Only with
   * QUEUE_BACKEND=redis: with postgres no Redis client exists, and reading this throws.
   */
  redis: Redis;
  /** Counters, replays and pacing slots shared by every process, in Redis or PostgreSQL (shared-state.ts). */
  state: SharedState;
  /** What the API's own Queue objects (queue board, metrics) are built on; fails fast like `redis`. */
  queueBackend: QueueBackend;
  cipher: DataCipher;
  tokens: TokenSigner;
  keys: { emailLookup: Buffer; ipHash: Buffer };
  /** The envelope sender every outgoing message carries (VERP), and how to read one back. */
  returnPaths: ReturnPathSettings;
}

export function createPlatform(config: Config, role: string, logDestination?: NodeJS.WritableStream): Platform {
  const logger = createLogger(config.LOG_LEVEL, { role }, logDestination);
  const pool = createPool(config.DATABASE_URL, { size: config.DATABASE_POOL_SIZE, acquireTimeoutMs: config.DATABASE_POOL_TIMEOUT_MS });
  const db = createDb(pool, config.DATABASE_POOL_SIZE, { maxWaitMs: config.DATABASE_TRANSACTION_WAIT_MS, timeoutMs: config.DATABASE_TRANSACTION_TIMEOUT_MS });
  const { redis, ...shared } = sharedParts(config, logger, db);
  const platform: Omit<Platform, 'redis'> = {
    config,
    logger,
    db,
    pool,
    ...shared,
    cipher: new DataCipher(config.ENCRYPTION_KEYS),
    tokens: new TokenSigner(deriveKey(config.SECRET_KEY, 'tokens')),
    keys: { emailLookup: deriveKey(config.SECRET_KEY, 'email-lookup'), ipHash: deriveKey(config.SECRET_KEY, 'ip-hash') },
    returnPaths: { key: deriveKey(config.SECRET_KEY, 'return-path'), localPart: config.BOUNCE_LOCAL_PART, domain: config.BOUNCE_DOMAIN },
  };
  return Object.defineProperty(platform, 'redis', {
    enumerable: true,
    get: () => {
      if (!redis) throw new Error('QUEUE_BACKEND=postgres: this process has no Redis client');
      return redis;
    },
  }) as Platform;
}

/** Chosen once from QUEUE_BACKEND: with postgres, no Redis client is created at all. */
function sharedParts(config: Config, logger: Logger, db: Db): { redis?: Redis; state: SharedState; queueBackend: QueueBackend } {
  if (config.QUEUE_BACKEND === 'postgres') {
    return { state: new PostgresSharedState(db), queueBackend: createQueueBackend(config, logger, 'request') };
  }
  const redis = createRedis(config.REDIS_URL!, 'request');
  watchRedisConnection(redis, logger, 'request');
  return { redis, state: new RedisSharedState(redis), queueBackend: redisQueueBackend(redis, false) };
}

/** The platform's Redis client, or undefined with QUEUE_BACKEND=postgres (where `platform.redis` throws). */
export function redisOf(platform: Platform): Redis | undefined {
  return platform.config.QUEUE_BACKEND === 'redis' ? platform.redis : undefined;
}

export async function closePlatform(platform: Platform): Promise<void> {
  // QUIT needs a connection; without one (Redis down) only disconnect() stops the reconnecting.
  const redis = redisOf(platform);
  await Promise.allSettled([
    platform.db.$disconnect().finally(() => platform.pool.end()),
    redis?.quit().catch(() => redis.disconnect()),
    platform.queueBackend.close(),
  ]);
}
