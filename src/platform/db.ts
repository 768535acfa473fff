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
export function createPool(databaseUrl: string, poolSize = 10): Pool {
  const pool = new Pool({ connectionString: databaseUrl, max: poolSize });
  // An idle connection the server dropped: the pool discards it and opens another when asked.
  // Without a listener the 'error' event would end the process.
  pool.on('error', () => {});
  return pool;
}

export function createDb(connection: string | Pool, poolSize = 10): Db {
  const adapter = typeof connection === 'string' ? new PrismaPg({ connectionString: connection, max: poolSize }) : new PrismaPg(connection);
  return new PrismaClient({ adapter });
}

export { Prisma } from '../generated/prisma/client';
