import type { Config } from './config';
import { DataCipher, deriveKey, TokenSigner } from './crypto';
import { createDb, createPool, type Db, type PgPool } from './db';
import { createLogger, type Logger } from './logger';
import { createRedis, type Redis } from './redis';
import { watchRedisConnection } from './connection-watch';
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
  /** For request-path work (rate limits, readiness): fails fast when Redis is down. */
  redis: Redis;
  cipher: DataCipher;
  tokens: TokenSigner;
  keys: { emailLookup: Buffer; ipHash: Buffer };
  /** The envelope sender every outgoing message carries (VERP), and how to read one back. */
  returnPaths: ReturnPathSettings;
}

export function createPlatform(config: Config, role: string, logDestination?: NodeJS.WritableStream): Platform {
  const logger = createLogger(config.LOG_LEVEL, { role }, logDestination);
  const pool = createPool(config.DATABASE_URL, { size: config.DATABASE_POOL_SIZE, acquireTimeoutMs: config.DATABASE_POOL_TIMEOUT_MS });
  const redis = createRedis(config.REDIS_URL, 'request');
  watchRedisConnection(redis, logger, 'request');
  return {
    config,
    logger,
    db: createDb(pool, config.DATABASE_POOL_SIZE, { maxWaitMs: config.DATABASE_TRANSACTION_WAIT_MS, timeoutMs: config.DATABASE_TRANSACTION_TIMEOUT_MS }),
    pool,
    redis,
    cipher: new DataCipher(config.ENCRYPTION_KEYS),
    tokens: new TokenSigner(deriveKey(config.SECRET_KEY, 'tokens')),
    keys: { emailLookup: deriveKey(config.SECRET_KEY, 'email-lookup'), ipHash: deriveKey(config.SECRET_KEY, 'ip-hash') },
    returnPaths: { key: deriveKey(config.SECRET_KEY, 'return-path'), localPart: config.BOUNCE_LOCAL_PART, domain: config.BOUNCE_DOMAIN },
  };
}

export async function closePlatform(platform: Platform): Promise<void> {
  // QUIT needs a connection; without one (Redis down) only disconnect() stops the reconnecting.
  await Promise.allSettled([platform.db.$disconnect().finally(() => platform.pool.end()), platform.redis.quit().catch(() => platform.redis.disconnect())]);
}
