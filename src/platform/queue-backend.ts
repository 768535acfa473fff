import { createPostgresBackend, createRedisBackend, runMigrations, type BackendFactory, type IQueueBackend } from 'bullmq';
import { Client, Pool } from 'pg';
import type { Config } from './config';
import { watchRedisConnection } from './connection-watch';
import type { Logger } from './logger';
import { createRedis, type Redis } from './redis';

/** The PostgreSQL schema BullMQ's tables and functions live in; Prisma's schema is `public` only, so it never sees them. */
export const QUEUE_SCHEMA = 'bullmq';

/**
 * What every Queue, Worker and QueueEvents of a process is built with, chosen once from
 * QUEUE_BACKEND: the connection it is given and the BullMQ backend factory that reads it.
 *
 * - redis: one ioredis client, shared by the process's queues and workers (BullMQ duplicates it
 *   for each worker's blocking connection).
 * - postgres: one `pg` pool whose connections search the `bullmq` schema. BullMQ's PostgreSQL
 *   backend runs every queue operation as a SQL function on it, and each worker (and QueueEvents)
 *   checks one connection out for good, for LISTEN. No Redis connection is opened.
 */
export interface QueueBackend {
  readonly kind: Config['QUEUE_BACKEND'];
  readonly connection: Redis | Pool;
  readonly factory: BackendFactory<IQueueBackend, unknown>;
  /** Whether the connection is up now: a worker cut off from it is closed at once (worker-host.ts). */
  connected(): boolean;
  /** Whether the queue store answers now (readiness): Redis PING, or a read of BullMQ's job table. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

type BackendConfig = Pick<Config, 'QUEUE_BACKEND' | 'REDIS_URL' | 'DATABASE_URL'>;

/**
 * `purpose` as for Redis (redis.ts): `queue` waits out outages (workers, relay), `request` fails fast
 * (the API's queue board and metrics). With postgres, the pool is small: its queries are short, and
 * the LISTEN connections a worker holds come on top (`listeners`).
 */
export function createQueueBackend(config: BackendConfig, logger: Logger, purpose: 'queue' | 'request', listeners = 0): QueueBackend {
  if (config.QUEUE_BACKEND === 'postgres') return postgresBackend(config.DATABASE_URL, purpose, listeners);
  if (!config.REDIS_URL) throw new Error('REDIS_URL is required with QUEUE_BACKEND=redis');
  const redis = createRedis(config.REDIS_URL, purpose);
  watchRedisConnection(redis, logger, purpose);
  return redisQueueBackend(redis, true);
}

/** Queues on a Redis client; one the backend does not own (the platform's request client) is left open by close(). */
export function redisQueueBackend(redis: Redis, ownsClient: boolean): QueueBackend {
  return {
    kind: 'redis',
    connection: redis,
    factory: createRedisBackend as BackendFactory<IQueueBackend, unknown>,
    connected: () => redis.status === 'ready',
    ping: async () => (await redis.ping()) === 'PONG',
    close: async () => {
      if (!ownsClient) return;
      // QUIT needs a connection; without one only disconnect() stops the reconnecting.
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

function postgresBackend(databaseUrl: string, purpose: 'queue' | 'request', listeners: number): QueueBackend {
  const pool = new Pool({
    connectionString: databaseUrl,
    // Unqualified names in BullMQ's SQL resolve in its schema (what its own pools do, postgres-connection.js).
    // Queue writes do not wait for their WAL flush: every job operation is a commit, and the fsyncs
    // cost the queues 15-35 % of their jobs/s here (`npm run bench -- queues`). A crash may forget the last
    // few hundred ms of queue changes, as a Redis restart can; the outbox (committed synchronously)
    // still owes those jobs and the reconciliation pass re-drives them, and handlers are idempotent.
    options: `-c search_path=${QUEUE_SCHEMA} -c synchronous_commit=off`,
    // A LISTEN connection that silently dropped is noticed; BullMQ then rebuilds it and lets workers block long.
    keepAlive: true,
    max: listeners + (purpose === 'queue' ? 6 : 2),
    connectionTimeoutMillis: purpose === 'request' ? 1_500 : 10_000,
  });
  // Every BullMQ Queue, Worker and QueueEvents on this pool adds its own 'error' listener: five
  // queues with their workers pass Node's default warning limit of 10 without any leak.
  pool.setMaxListeners(64);
  let lastError: number | undefined;
  // An idle connection the server dropped is replaced on the next query; without a listener the
  // 'error' event would end the process. Recent errors count as "not connected" for closing workers.
  pool.on('error', () => {
    lastError = Date.now();
  });
  return {
    kind: 'postgres',
    connection: pool,
    factory: createPostgresBackend as BackendFactory<IQueueBackend, unknown>,
    connected: () => lastError === undefined || Date.now() - lastError > 5_000,
    // Also fails while the schema is missing (never migrated), which no queue would survive either.
    ping: async () => (await pool.query('SELECT 1 FROM job LIMIT 1')) !== undefined,
    close: () => pool.end().catch(() => undefined),
  };
}

/**
 * Creates or upgrades BullMQ's schema (idempotent: a transaction under an advisory lock, a no-op
 * when current). Run by `npm run db:migrate` (scripts/db-setup.mjs) and by every process at start
 * with QUEUE_BACKEND=postgres, before any queue is used: a queue that finds no schema fails for good.
 */
export async function migrateQueueSchema(databaseUrl: string): Promise<number> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return await runMigrations(client, QUEUE_SCHEMA);
  } finally {
    await client.end();
  }
}
