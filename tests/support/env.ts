/**
 * Test configuration, set before any module reads the environment. Tests use their own database
 * (a clone per test file, see file-database.ts) and their own Redis key prefix
 * per test file, never the development ones.
 */
const defaults: Record<string, string> = {
  NODE_ENV: 'test',
  // Replaced by this file's own database before any test hook runs (file-database.ts).
  DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/clarion_test_unset',
  REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
  PUBLIC_BASE_URL: 'http://clarion.test',
  SECRET_KEY: 'test-secret-key-that-is-long-enough-0123456789',
  ENCRYPTION_KEYS: `t1:${Buffer.alloc(32, 7).toString('base64')}`,
  LOG_LEVEL: 'silent',
  OUTBOX_POLL_MS: '50',
  // Every test logs in from 127.0.0.1; login-lockout.test.ts sets its own per-network limit.
  ADMIN_LOGIN_NETWORK_PER_MINUTE: '10000',
};
for (const [name, value] of Object.entries(defaults)) {
  if (name === 'DATABASE_URL' || name === 'REDIS_URL' || process.env[name] === undefined) process.env[name] = value;
}
