/**
 * Each jest run migrates a template database of its own, and each test file gets a clone of it
 * (file-database.ts). Several test files run at once, and each starts an outbox relay, which moves
 * *every* unrelayed row it finds: with a shared database, one file's relay would take another
 * file's rows and send its emails to the wrong SMTP recorder; and delegations are global rows one
 * file's import may change. Two jest runs on one machine never share a database either.
 *
 * The run id is chosen in global-setup.ts and reaches the workers through the environment.
 */
const BASE_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/clarion_test';
export const RUN_PREFIX = `${databaseName(BASE_URL)}_r`;

export function runDatabaseUrl(runId: string): string {
  const url = new URL(BASE_URL);
  url.pathname = `/${RUN_PREFIX}${runId}`;
  return url.toString();
}

export function adminDatabaseUrl(): string {
  const url = new URL(BASE_URL);
  url.pathname = '/postgres';
  return url.toString();
}

export function databaseName(databaseUrl: string): string {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`unexpected database name "${name}"`);
  return name;
}
