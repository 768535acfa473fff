#!/usr/bin/env node
// `npm test`: everything the suite needs, then the suite. Installs dependencies when missing,
// generates the Prisma client, type-checks, and runs jest (whose global set-up creates and migrates
// the test database). Extra arguments go to jest, e.g. `npm test -- tests/integration/supporters`.
// Where no PostgreSQL answers (or with CLARION_EMBEDDED=true) the tests run on an embedded
// PostgreSQL in a temporary folder, started here and stopped after jest (run-mode.mjs).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EmbeddedPostgres } from './embedded-postgres.mjs';
import { answers, chooseTestMode, DEFAULT_REDIS_URL, describeMode } from './run-mode.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

// Prisma's query compiler is loaded with a dynamic import(), which jest runs only with VM modules on.
const NODE_OPTIONS = [process.env.NODE_OPTIONS, '--experimental-vm-modules', '--disable-warning=ExperimentalWarning'].filter(Boolean).join(' ');

function run(label, command, args) {
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test', NODE_OPTIONS } });
  if (result.status !== 0) {
    console.error(`\n${label} failed.`);
    process.exit(result.status ?? 1);
  }
  console.log(`${label}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

if (!fs.existsSync(path.join(root, 'node_modules', '.package-lock.json'))) run('npm ci', npm, ['ci', '--no-audit', '--no-fund']);
const mode = await chooseTestMode({ env: process.env });
console.log(describeMode(mode, 'a throw-away cluster in a temporary folder'));
if (mode.queues === 'postgres') process.env.QUEUE_BACKEND = 'postgres';
// Tests that check a Redis implementation beside the PostgreSQL one (shared-state) run its half
// only where a Redis answers: a machine with only Node has none (issue 19).
const testRedisUrl = process.env.TEST_REDIS_URL ?? DEFAULT_REDIS_URL;
const redisAnswers = await answers(testRedisUrl, 6379);
process.env.CLARION_TEST_REDIS = redisAnswers ? 'answers' : 'none';
if (!fs.existsSync(path.join(root, 'src', 'generated', 'prisma', 'client.ts'))) run('prisma generate', process.execPath, ['scripts/prisma.mjs', 'generate']);
run('Type-check', process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', 'tsconfig.json']);
// Lint (typescript-eslint and the module graph: eslint.config.mjs, README "How it is built") and
// the build (some tests run the compiled worker as a child process, to kill it mid-send) at once.
await runTogether([
  ['Lint', process.execPath, [path.join(root, 'node_modules', 'eslint', 'bin', 'eslint.js'), '.']],
  ['Build', process.execPath, ['scripts/build.mjs']],
  // Formatting is Prettier's (.prettierrc.json); `npm run format` applies it.
  ['Format', process.execPath, [path.join(root, 'node_modules', 'prettier', 'bin', 'prettier.cjs'), '--check', '--log-level', 'warn', 'src/**/*.ts', 'workers/**/*.ts', 'tests/**/*.ts', 'prisma/**/*.ts']],
]);
const jestArgs = process.argv.slice(2);
const wholeSuite = jestArgs.length === 0;
const passes = [{ label: 'Tests', mode, env: {}, args: jestArgs }];
if (wholeSuite && process.env.CLARION_TEST_BOTH_MODES === 'true') {
  // CI: the whole suite once more in embedded mode (embedded PostgreSQL, PostgreSQL queues). With
  // the first pass on Redis, that covers both queue backends in full.
  if (mode.database !== 'embedded') passes.push({ label: 'Tests, embedded mode', mode: { database: 'embedded', queues: 'postgres', forced: true, databaseWhy: 'CLARION_TEST_BOTH_MODES: the second pass' }, env: { QUEUE_BACKEND: 'postgres' }, args: [] });
} else if (wholeSuite) {
  const other = await otherQueueBackend(mode);
  if (other) passes.push({ label: `Queue, limit and pacing tests on ${other.name}`, mode, env: other.env, args: filesForBothBackends() });
  else console.log('Queue, limit and pacing tests on Redis: skipped (no Redis answers; TEST_REDIS_URL names another).');
}

let embedded;
for (const pass of passes) {
  if (pass.mode.database === 'embedded' && !embedded) embedded = await startEmbeddedPostgres();
  if (passes.length > 1) console.log(`\n${pass.label}: ${describeMode(pass.mode, 'a throw-away cluster in a temporary folder')}`);
  const status = await runQuietly(pass.label, process.execPath, [path.join(root, 'node_modules', 'jest', 'bin', 'jest.js'), ...pass.args], pass.env);
  if (status !== 0) await finish(status);
}
await finish(0);

/**
 * The test files that carry `@queue-backends both` run again on the queue backend the first pass
 * did not use (issue 19): on Redis after an embedded or PostgreSQL-queues run when Redis answers,
 * on PostgreSQL queues after a Redis run. The rest of the suite does not depend on the backend.
 */
async function otherQueueBackend(chosen) {
  if (chosen.queues === 'redis') return { name: 'PostgreSQL queues', env: { QUEUE_BACKEND: 'postgres' } };
  if (!redisAnswers) return undefined;
  return { name: 'Redis', env: { QUEUE_BACKEND: 'redis', REDIS_URL: testRedisUrl } };
}

function filesForBothBackends() {
  const found = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.name.endsWith('.test.ts') && fs.readFileSync(file, 'utf8').includes('@queue-backends both')) found.push(path.relative(root, file));
    }
  };
  walk(path.join(root, 'tests'));
  return found.sort();
}

/**
 * A new cluster for this run only (about two seconds to initialise), without fsync: nothing in it
 * needs to survive a crash. TEST_DATABASE_URL points the suite at it (tests/support/test-database.ts).
 */
async function startEmbeddedPostgres() {
  const started = Date.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clarion-test-pg-'));
  fs.chmodSync(dir, 0o755); // as root the server runs as another user, who must reach the cluster inside
  const server = new EmbeddedPostgres({ dataDir: path.join(dir, 'data'), password: randomBytes(18).toString('base64url'), durable: false });
  process.on('exit', () => server.stopNow());
  try {
    await server.start();
  } catch (error) {
    console.error(`\nEmbedded PostgreSQL failed to start: ${error.message}`);
    fs.rmSync(dir, { recursive: true, force: true });
    process.exit(1);
  }
  process.env.TEST_DATABASE_URL = server.url('clarion_test');
  console.log(`Embedded PostgreSQL on 127.0.0.1:${server.port}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return {
    async stop() {
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Stops the embedded PostgreSQL (when this run has one) before leaving. */
async function finish(status) {
  if (embedded) await embedded.stop();
  process.exit(status);
}

/** Runs independent steps side by side (each is CPU-bound and single-threaded); any failure stops the run. */
async function runTogether(steps) {
  const results = await Promise.all(steps.map(([label, command, args]) => new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test', NODE_OPTIONS } });
    child.on('close', (status) => {
      if (status === 0) console.log(`${label}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      resolve({ label, status });
    });
  })));
  const failed = results.find((result) => result.status !== 0);
  if (failed) {
    console.error(`\n${failed.label} failed.`);
    process.exit(failed.status ?? 1);
  }
}

/**
 * Runs must be quiet (issue 14): a process warning printed by any test process (jest's workers,
 * the workers tests start as children) fails the run, after it finished, naming the warning. A
 * deprecation is often a real bug: pg's "client is already executing a query" was Prisma loading
 * a query's relations concurrently inside a transaction.
 */
function runQuietly(label, command, args, env) {
  const started = Date.now();
  const warnings = [];
  const child = spawn(command, args, { cwd: root, stdio: ['inherit', 'pipe', 'pipe'], env: { ...process.env, ...env, NODE_ENV: 'test', NODE_OPTIONS } });
  // With an embedded PostgreSQL a signal must not end this process first: jest gets it and ends,
  // then finish() stops the database (in its own process group, a terminal's Ctrl-C misses it).
  const forward = (signal) => child.kill(signal);
  if (embedded) for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, forward);
  const watch = (stream, out) => {
    let rest = '';
    stream.on('data', (chunk) => {
      out.write(chunk);
      const lines = (rest + chunk.toString('utf8')).split('\n');
      rest = lines.pop();
      for (const line of lines) if (/^\(node:\d+\) (\[\w+\] )?\w*Warning: /.test(line)) warnings.push(line);
    });
  };
  watch(child.stdout, process.stdout);
  watch(child.stderr, process.stderr);
  return new Promise((resolve) => {
    child.on('close', (status) => {
      for (const signal of ['SIGINT', 'SIGTERM']) process.off(signal, forward);
      if (status !== 0) {
        console.error(`\n${label} failed.`);
        return resolve(status ?? 1);
      }
      if (warnings.length > 0) {
        console.error(`\n${label} passed but printed process warnings; runs must be quiet (fix the cause):\n${[...new Set(warnings)].join('\n')}`);
        return resolve(1);
      }
      console.log(`${label}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return resolve(0);
    });
  });
}
