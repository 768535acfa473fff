import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Client } from 'pg';
import { adminDatabaseUrl, RUN_PREFIX, runDatabaseUrl } from './test-database';

/**
 * Once per `jest` run: a template database migrated like production, which every test file clones
 * (file-database.ts; cloning takes a fraction of a second, migrating would take seconds). Databases
 * of earlier runs whose process is gone are dropped first. See test-database.ts for why.
 */
export default async function globalSetup(): Promise<void> {
  const runId = String(process.pid);
  process.env.CLARION_TEST_RUN_ID = runId; // inherited by the jest workers, read in env.ts

  const client = new Client({ connectionString: adminDatabaseUrl() });
  await client.connect();
  try {
    await dropDatabasesOfDeadRuns(client);
    const root = path.resolve(__dirname, '..', '..');
    const template = runDatabaseUrl(runId);
    const result = spawnSync(process.execPath, [path.join(root, 'scripts', 'db-setup.mjs'), '--reset'], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: template },
      encoding: 'utf8',
    });
    if (result.status !== 0) throw new Error(`Test database set-up failed:\n${result.stdout}\n${result.stderr}`);
  } finally {
    await client.end();
  }
}

async function dropDatabasesOfDeadRuns(client: Client): Promise<void> {
  const { rows } = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE starts_with(datname, $1)', [RUN_PREFIX]);
  for (const { datname } of rows) {
    const pid = Number(/^\D*(\d+)/.exec(datname.slice(RUN_PREFIX.length))?.[1]);
    if (Number.isInteger(pid) && pid !== process.pid && !isAlive(pid)) {
      await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
