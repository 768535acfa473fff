// The bench database and Redis prefix: made fresh for each run, emptied after each part, dropped
// (and the Redis keys deleted) at the end, so a run leaves nothing behind.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import { setupDatabase } from '../../scripts/db-setup.mjs';
import { root } from './settings.mjs';

export async function prepareDatabase(databaseUrl) {
  // A reset, so the schema is exactly what the migrations in this tree make.
  await setupDatabase(databaseUrl, { reset: true, quiet: true });
}

/** The Kazakhstan campaign, its default letter and the Council's delegations, as `npm run db:seed` makes them. */
export function seed(env) {
  const result = spawnSync(process.execPath, [path.join(root, 'dist', 'prisma', 'seed.js')], { cwd: root, env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`seeding failed: ${result.stderr || result.stdout}`);
}

export function connect(databaseUrl, max = 4) {
  return new pg.Pool({ connectionString: databaseUrl, max });
}

/** Everything a part wrote; the campaigns, delegations and templates of the seed stay. */
export async function emptyPartData(pool) {
  await pool.query(`TRUNCATE signatures, supporters, signing_attempts, letters, letter_approvals, address_requests, supporter_mail_quota, mail_suppressions, outbox_events, campaign_counters,
    signature_rollups_hourly, signature_rollups_country, signature_rollups_source, audit_events, mailings, mailing_versions, mailing_recipients, consent_withdrawals RESTART IDENTITY CASCADE`);
  await pool.query("DELETE FROM campaigns WHERE slug LIKE 'bench-%'");
}

export async function dropDatabase(databaseUrl) {
  const url = new URL(databaseUrl);
  const name = url.pathname.slice(1);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/** Deletes every Redis key of this run's prefix (queues, pacing, rate-limit counters). */
export async function deleteRedisKeys(redisUrl, prefix) {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    let deleted = 0;
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) deleted += await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
    return deleted;
  } finally {
    redis.disconnect();
  }
}

export async function serverVersions(pool, redisUrl) {
  const { rows } = await pool.query("SELECT current_setting('server_version') AS v, current_setting('max_connections') AS max, current_setting('shared_buffers') AS sb, current_setting('synchronous_commit') AS sc");
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    const info = await redis.info('server');
    return {
      postgres: rows[0].v,
      postgresSettings: { max_connections: rows[0].max, shared_buffers: rows[0].sb, synchronous_commit: rows[0].sc },
      redis: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown',
    };
  } finally {
    redis.disconnect();
  }
}
