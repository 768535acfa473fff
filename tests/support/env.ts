import { workerDatabaseUrl } from './test-database';

/**
 * Test configuration, set before any module reads the environment. Tests use their own database
 * (a clone per jest run and worker, see test-database.ts) and their own Redis key prefix
 * per test file, never the development ones.
 */
const defaults: Record<string, string> = {
  NODE_ENV: 'test',
  DATABASE_URL: workerDatabaseUrl(process.env.CLARION_TEST_RUN_ID ?? 'missing-global-setup', process.env.JEST_WORKER_ID ?? '1'),
  REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
  PUBLIC_BASE_URL: 'http://clarion.test',
  SECRET_KEY: 'test-secret-key-that-is-long-enough-0123456789',
  ENCRYPTION_KEYS: `t1:${Buffer.alloc(32, 7).toString('base64')}`,
  LOG_LEVEL: 'silent',
  OUTBOX_POLL_MS: '50',
};
for (const [name, value] of Object.entries(defaults)) {
  if (name === 'DATABASE_URL' || name === 'REDIS_URL' || process.env[name] === undefined) process.env[name] = value;
}
