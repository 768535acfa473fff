#!/usr/bin/env node
// `npm start`: everything from a fresh clone to a running service, and a no-op for what is already
// done. Installs dependencies, writes a development .env with fresh secrets if there is none,
// chooses the servers (run-mode.mjs: configured ones, else those at the default addresses, else an
// embedded PostgreSQL from npm packages with its data in .data/postgres) and checks them (bringing
// configured ones up with Docker Compose only when they do not answer and Docker is there),
// migrates, builds, seeds the Kazakhstan campaign, then runs the mail catcher (when no SMTP_URL is
// set), the API and the worker until Ctrl-C, and stops the embedded PostgreSQL last.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EmbeddedPostgres } from './embedded-postgres.mjs';
import { answers as reachable, chooseStartMode, describeMode, EMBEDDED_DATABASE, isEmbeddedUrl, PASSWORD_VARIABLE, readEnvFile, writeEmbeddedSettings } from './run-mode.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const envFile = path.join(root, '.env');
const EMBEDDED_DIR = path.join(root, '.data', 'postgres');

function step(label) {
  console.log(`\n▸ ${label}`);
}

function runOrExit(label, command, args, env = process.env) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env });
  if (result.status !== 0) {
    console.error(`\n✗ ${label} failed. See the output above.`);
    exit(result.status ?? 1);
  }
}

function ensureDependencies() {
  const installed = path.join(root, 'node_modules', '.package-lock.json');
  const lock = path.join(root, 'package-lock.json');
  if (fs.existsSync(installed) && fs.statSync(installed).mtimeMs >= fs.statSync(lock).mtimeMs) return;
  step('Installing dependencies (npm ci)');
  runOrExit('npm ci', npm, ['ci', '--no-audit', '--no-fund']);
}

function ensureEnvFile() {
  const envFile = path.join(root, '.env');
  if (fs.existsSync(envFile) || process.env.NODE_ENV === 'production') return;
  const example = fs.readFileSync(path.join(root, '.env.example'), 'utf8');
  const filled = example
    .replace(/^SECRET_KEY=.*$/m, `SECRET_KEY=${randomBytes(32).toString('base64url')}`)
    .replace(/^ENCRYPTION_KEYS=.*$/m, `ENCRYPTION_KEYS=k1:${randomBytes(32).toString('base64')}`)
    .replace(/^# ADMIN_API_TOKEN=.*$/m, `ADMIN_API_TOKEN=${randomBytes(32).toString('base64url')}`);
  fs.writeFileSync(envFile, filled, { mode: 0o600 });
  step('Wrote .env with fresh development secrets (keep it: it holds the key to the personal data in your database)');
}

function loadEnv() {
  // Variables set in the environment win over .env, so the same command runs against other servers.
  const envFile = path.join(root, '.env');
  if (fs.existsSync(envFile)) process.loadEnvFile(envFile);
  process.env.DATABASE_URL ??= 'postgresql://postgres@127.0.0.1:5432/clarion';
  process.env.REDIS_URL ??= 'redis://127.0.0.1:6379';
  process.env.PORT ??= '3000';
  process.env.PUBLIC_BASE_URL ??= `http://localhost:${process.env.PORT}`;
}

/** The servers this mode needs from outside: PostgreSQL unless embedded, Redis when the queues are on it. */
async function ensureServices(mode) {
  if (mode.database === 'embedded' && mode.queues !== 'redis') return;
  step(mode.database === 'embedded' ? 'Checking Redis' : mode.queues === 'redis' ? 'Checking PostgreSQL and Redis' : 'Checking PostgreSQL');
  const check = async () => ({
    ...(mode.database === 'embedded' ? {} : { postgres: await reachable(process.env.DATABASE_URL, 5432) }),
    ...(mode.queues === 'redis' ? { redis: await reachable(process.env.REDIS_URL, 6379) } : {}),
  });
  const allUp = (state) => Object.values(state).every(Boolean);
  let state = await check();
  if (allUp(state)) return;
  const missing = Object.entries(state).filter(([, up]) => !up).map(([name]) => name);
  const docker = spawnSync('docker', ['info'], { stdio: 'ignore' }).status === 0;
  if (docker) {
    console.log(`  ${missing.join(' and ')} did not answer; starting ${missing.join(' and ')} with Docker Compose.`);
    runOrExit('docker compose up', 'docker', ['compose', 'up', '-d', '--wait', ...missing]);
    for (let i = 0; i < 30 && !allUp(state); i += 1) {
      await new Promise((r) => setTimeout(r, 1000));
      state = await check();
    }
    if (allUp(state)) return;
  }
  console.error(`
✗ ${missing.map((m) => (m === 'postgres' ? `PostgreSQL (${process.env.DATABASE_URL.replace(/\/\/[^@]*@/, '//')})` : `Redis (${process.env.REDIS_URL})`)).join(' and ')} did not answer.
  Start them, or point DATABASE_URL / REDIS_URL at running servers, then run npm start again:
    PostgreSQL: pg_ctlcluster <version> main start   (or: docker compose up -d postgres)
    Redis:      redis-server --daemonize yes          (or: docker compose up -d redis)
  Or unset DATABASE_URL and REDIS_URL (shell and .env) to run with the embedded PostgreSQL instead.`);
  exit(1);
}

let embedded;

/**
 * Starts the embedded PostgreSQL (initialising .data/postgres on the first start only) on the port
 * .env remembers when it is free, else on another free one, and points DATABASE_URL at it.
 */
async function startEmbeddedPostgres(fileEnv) {
  let password = fileEnv[PASSWORD_VARIABLE];
  const firstTime = !fs.existsSync(path.join(EMBEDDED_DIR, 'PG_VERSION'));
  if (!password) {
    if (!firstTime) throw new Error(`${EMBEDDED_DIR} holds a database but .env has no ${PASSWORD_VARIABLE} to open it: put the old .env back, or move the folder away to start empty`);
    password = randomBytes(24).toString('base64url');
  }
  const remembered = isEmbeddedUrl(fileEnv.DATABASE_URL, password) ? Number(new URL(fileEnv.DATABASE_URL).port) : undefined;
  step(firstTime ? 'Creating the embedded PostgreSQL in .data/postgres (once)' : 'Starting the embedded PostgreSQL (.data/postgres)');
  embedded = new EmbeddedPostgres({ dataDir: EMBEDDED_DIR, password, port: remembered });
  // Registered before it starts: however npm start ends from here on, the server is stopped.
  process.on('exit', () => embedded.stopNow());
  process.on('SIGINT', () => stopAll(0));
  process.on('SIGTERM', () => stopAll(0));
  await embedded.start();
  const databaseUrl = embedded.url(EMBEDDED_DATABASE);
  writeEmbeddedSettings(envFile, { password, databaseUrl });
  process.env.DATABASE_URL = databaseUrl;
  console.log(`  Listening on 127.0.0.1:${embedded.port} only; log in .data/postgres.log.`);
}

/** Leaves through stopAll once the embedded server runs (it must be stopped), else at once as before. */
function exit(code) {
  if (embedded) {
    stopAll(code);
    // stopAll exits when everything has stopped; until then nothing else of ours may run.
    throw new StoppingError();
  }
  process.exit(code);
}

class StoppingError extends Error {}

function waitForPort(port, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = async () => {
      if (await reachable(`tcp://127.0.0.1:${port}`, port)) return resolve();
      if (Date.now() > deadline) return reject(new Error(`nothing listens on port ${port}`));
      setTimeout(attempt, 200);
    };
    attempt();
  });
}

const children = [];
let stopping = false;

function startChild(name, script, extraEnv = {}) {
  if (stopping) return undefined; // a Ctrl-C came while starting: start nothing more
  const child = spawn(process.execPath, ['--enable-source-maps', path.join(root, script)], {
    cwd: root, env: { ...process.env, ...extraEnv }, stdio: ['ignore', 'inherit', 'inherit'],
  });
  children.push(child);
  child.on('exit', (code, signal) => {
    if (stopping) return;
    console.error(`\n✗ The ${name} stopped (${signal ?? `exit code ${code}`}); stopping the rest.`);
    stopAll(1);
  });
  return child;
}

/**
 * `kill <pid of npm>` (a service manager stopping `npm start`) ends npm and its `sh -c`, but not
 * this process, which neither forwards the signal: left alone, the API, the worker and the embedded
 * PostgreSQL would run on with no parent. When the parent goes, everything stops as on Ctrl-C.
 */
function stopWhenOrphaned() {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) stopAll(0);
  }, 1000).unref();
}

function stopAll(exitCode = 0) {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  const done = () => children.every((c) => c.exitCode !== null || c.signalCode !== null);
  const timer = setInterval(() => {
    if (done()) {
      clearInterval(timer);
      // The database goes last: the API and the worker finish their work against it first.
      if (!embedded) process.exit(exitCode);
      embedded.stop().then(
        () => process.exit(exitCode),
        () => process.exit(exitCode || 1),
      );
    }
  }, 100);
}

async function main() {
  ensureDependencies();
  ensureEnvFile();
  // Decided before .env is loaded: what the shell says and what .env says count differently.
  const fileEnv = readEnvFile(envFile);
  const mode = await chooseStartMode({ env: process.env, fileEnv });
  console.log(`\n${describeMode(mode, '.data/postgres')}`);
  loadEnv();
  if (mode.queues === 'postgres') process.env.QUEUE_BACKEND = 'postgres';
  await ensureServices(mode);
  if (mode.database === 'embedded') await startEmbeddedPostgres(fileEnv);

  step('Migrating the database');
  const { runDataSteps, setupDatabase } = await import('./db-setup.mjs');
  await setupDatabase(process.env.DATABASE_URL, { quiet: true });

  step('Building');
  if (!fs.existsSync(path.join(root, 'src', 'generated', 'prisma', 'client.ts'))) runOrExit('prisma generate', process.execPath, ['scripts/prisma.mjs', 'generate']);
  runOrExit('Build', process.execPath, ['scripts/build.mjs']);
  // The migrations' data steps need the built code (re-sealing envelopes bound to their rows).
  runDataSteps({ quiet: true });

  step('Seeding the Kazakhstan campaign');
  runOrExit('Seed', process.execPath, ['dist/prisma/seed.js']);

  step('Starting');
  if (!embedded) {
    process.on('SIGINT', () => stopAll(0));
    process.on('SIGTERM', () => stopAll(0));
  }
  stopWhenOrphaned();
  const catcherHttp = Number(process.env.MAIL_CATCHER_HTTP_PORT ?? 8025);
  const catcherSmtp = Number(process.env.MAIL_CATCHER_SMTP_PORT ?? 2525);
  const useCatcher = !process.env.SMTP_URL;
  if (useCatcher) {
    startChild('mail catcher', 'dist/src/dev/mail-catcher.js', { MAIL_CATCHER_SMTP_PORT: String(catcherSmtp), MAIL_CATCHER_HTTP_PORT: String(catcherHttp) });
    await waitForPort(catcherSmtp, 15_000);
  }
  const smtpEnv = useCatcher ? { SMTP_URL: `smtp://127.0.0.1:${catcherSmtp}` } : {};
  startChild('API', 'dist/src/server.js', smtpEnv);
  startChild('worker', 'dist/workers/index.js', smtpEnv);
  startChild('bounces', 'dist/workers/bounces.js');
  await waitForPort(Number(process.env.PORT), 20_000);

  const base = process.env.PUBLIC_BASE_URL;
  console.log(`
  Clarion is running. Ctrl-C stops everything.

    Campaign page       ${base}/c/kazakhstan   (also ?lang=ru, ?lang=kk)
    Embeddable form     ${base}/c/kazakhstan/embed   (snippets on the admin campaign page)
    Delete my data      ${base}/erase
    Admin dashboard     ${base}/admin   (create the first account below)
    First admin account npm run admin:create -- --email you@example.org --role owner
    Queue board         ${base}/admin/queues   (owners)
    API reference       ${base}/api/docs
    Readiness           ${base}/readyz
    Delivery reports    smtp://${process.env.BOUNCE_SMTP_HOST ?? '127.0.0.1'}:${process.env.BOUNCE_SMTP_PORT ?? 2526}   (bounces listener; README "Bounces")
${useCatcher ? `    Mail catcher        http://127.0.0.1:${catcherHttp}   (confirmation emails and letters land here)\n` : ''}`);
}

main().catch((error) => {
  if (error instanceof StoppingError) return;
  console.error(`\n✗ ${error.message}`);
  stopAll(1);
  setTimeout(() => process.exit(1), 5000).unref();
});
