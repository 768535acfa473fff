#!/usr/bin/env node
// Creates the database named in DATABASE_URL when it does not exist, then applies every migration
// (`prisma migrate deploy`) and BullMQ's own migrations for its PostgreSQL queue backend (schema
// `bullmq`, used with QUEUE_BACKEND=postgres; harmless otherwise), then the data steps migrations imply (runDataSteps: today, re-sealing
// envelopes into the row-bound format). Safe to run any number of times. With --reset (tests
// only) the schema is dropped first and the data steps are skipped (there is no data).
// Usage: node scripts/db-setup.mjs [--reset]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import bullmq from 'bullmq';
import pg from 'pg';
import { runPrisma } from './prisma.mjs';

export async function ensureDatabase(databaseUrl) {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`unexpected database name "${name}"`);
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount === 0) {
      await client.query(`CREATE DATABASE "${name}"`).catch((error) => {
        if (error.code !== '42P04') throw error; // created meanwhile by a parallel run
      });
      console.log(`Created database ${name}.`);
    }
  } finally {
    await client.end();
  }
}

export async function resetSchema(databaseUrl) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public; DROP SCHEMA IF EXISTS ${QUEUE_SCHEMA} CASCADE;`);
  } finally {
    await client.end();
  }
}

export async function setupDatabase(databaseUrl, { reset = false, quiet = false } = {}) {
  await ensureDatabase(databaseUrl);
  if (reset) await resetSchema(databaseUrl);
  const status = runPrisma(['migrate', 'deploy'], { ...process.env, DATABASE_URL: databaseUrl }, quiet);
  if (status !== 0) throw new Error('prisma migrate deploy failed');
  await migrateQueueSchema(databaseUrl);
}

/** As src/platform/queue-backend.ts: BullMQ's tables in a schema of their own, which Prisma (public only) never sees. */
const QUEUE_SCHEMA = 'bullmq';

/** Idempotent: BullMQ applies its pending migrations in one transaction under an advisory lock. */
export async function migrateQueueSchema(databaseUrl) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await bullmq.runMigrations(client, QUEUE_SCHEMA);
  } finally {
    await client.end();
  }
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RESEAL = path.join(ROOT, 'dist', 'src', 'cli', 'reseal-envelopes.js');

/**
 * Data steps run by the compiled code after the schema is migrated: they need the app's keys
 * (ENCRYPTION_KEYS from the environment or .env). Without a build there is nothing to run them
 * with; `npm start` runs them itself after building (start.mjs).
 */
export function runDataSteps({ quiet = false } = {}) {
  if (!fs.existsSync(RESEAL)) {
    if (!quiet) console.log('Data steps skipped: the project is not built (npm run build, then npm run db:migrate again).');
    return;
  }
  const result = spawnSync(process.execPath, [RESEAL], { cwd: ROOT, stdio: quiet ? ['ignore', 'ignore', 'inherit'] : 'inherit' });
  if (result.status !== 0) throw new Error('re-sealing envelopes failed');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    console.error('DATABASE_URL is not set.');
    process.exit(2);
  }
  const reset = process.argv.includes('--reset');
  setupDatabase(databaseUrl, { reset })
    .then(() => {
      if (!reset) runDataSteps();
    })
    .catch((error) => {
      console.error(`Database set-up failed: ${error.message}`);
      process.exit(1);
    });
}
