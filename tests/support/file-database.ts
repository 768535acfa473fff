import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { adminDatabaseUrl, databaseName, runDatabaseUrl } from './test-database';

/**
 * Every test file gets a database of its own, cloned from the run's migrated template before the
 * file's own hooks run. Test files can then assume nothing about rows they did not make (targets
 * are global, and an outbox relay takes every unrelayed row it sees). The run's global teardown
 * drops the clones.
 */
beforeAll(async () => {
  const runId = process.env.CLARION_TEST_RUN_ID;
  if (!runId) throw new Error('CLARION_TEST_RUN_ID is not set: run the tests through jest (global-setup.ts)');
  const template = runDatabaseUrl(runId);
  const url = new URL(template);
  url.pathname = `${url.pathname}_f${process.env.JEST_WORKER_ID ?? '1'}_${randomBytes(4).toString('hex')}`;
  const client = new Client({ connectionString: adminDatabaseUrl() });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${databaseName(url.toString())}" TEMPLATE "${databaseName(template)}"`);
  } finally {
    await client.end();
  }
  process.env.DATABASE_URL = url.toString();
});
