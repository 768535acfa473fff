import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import { PrismaClient } from '../generated/prisma/client';

export type Db = InstanceType<typeof PrismaClient>;
/** What repositories accept: the client itself or a transaction client, so services can compose writes. */
export type DbClient = Omit<Db, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends' | '$use'>;
export type { Pool as PgPool } from 'pg';

/**
 * The process's one pool of connections. Prisma queries through it, and the few reads the ORM
 * would make slow (streaming exports) use it directly. Whoever creates it ends it.
 */
export interface PoolSettings {
  size: number;
  /** How long a query waits for a free connection (or to open one): past it, pg rejects, and the API answers 503. */
  acquireTimeoutMs: number;
}

export function createPool(databaseUrl: string, settings: PoolSettings = { size: 10, acquireTimeoutMs: 5_000 }): Pool {
  const pool = new Pool({ connectionString: databaseUrl, max: settings.size, connectionTimeoutMillis: settings.acquireTimeoutMs });
  // An idle connection the server dropped: the pool discards it and opens another when asked.
  // Without a listener the 'error' event would end the process.
  pool.on('error', () => {});
  return pool;
}

/** Interactive transactions' defaults: how long one waits to start (`maxWait`) and may run. */
export interface TransactionSettings {
  maxWaitMs: number;
  timeoutMs: number;
}

export function createDb(connection: string | Pool, poolSize = 10, transactions?: TransactionSettings): Db {
  const adapter = typeof connection === 'string' ? new PrismaPg({ connectionString: connection, max: poolSize }) : new PrismaPg(connection);
  return new PrismaClient({ adapter, ...(transactions ? { transactionOptions: { maxWait: transactions.maxWaitMs, timeout: transactions.timeoutMs } } : {}) });
}

export { Prisma } from '../generated/prisma/client';
