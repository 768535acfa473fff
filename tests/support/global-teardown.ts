import { Client } from 'pg';
import { adminDatabaseUrl, RUN_PREFIX } from './test-database';

/** Drops this run's databases; a run that was killed is cleaned up by the next one's set-up. */
export default async function globalTeardown(): Promise<void> {
  const runId = process.env.CLARION_TEST_RUN_ID;
  if (!runId) return;
  const client = new Client({ connectionString: adminDatabaseUrl() });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE starts_with(datname, $1)', [`${RUN_PREFIX}${runId}`]);
    for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
