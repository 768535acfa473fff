import { spawnSync } from 'node:child_process';
import path from 'node:path';

/** Once per `jest` run: a fresh schema in the test database, migrated like production. */
export default function globalSetup(): void {
  const databaseUrl = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/clarion_test';
  const root = path.resolve(__dirname, '..', '..');
  const result = spawnSync(process.execPath, [path.join(root, 'scripts', 'db-setup.mjs'), '--reset'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: databaseUrl },
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(`Test database set-up failed:\n${result.stdout}\n${result.stderr}`);
  }
}
