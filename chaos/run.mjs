#!/usr/bin/env node
// `npm run chaos`: the compiled API and worker against private PostgreSQL, Redis and SMTP on
// loopback, a steady bounded load of signers (sign, write to two delegations, confirm and approve
// from the emails), and one fault per scenario. Prints a table; exits 1 when anything owed is missing after
// the drain or a 5xx other than an honest 503 (or a refused connection to a killed API) appears.
// CHAOS_SCENARIOS=name,name runs a subset; CHAOS_SIGNERS sets signers per scenario (default 30).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { setupDatabase } from '../scripts/db-setup.mjs';
import { freePort, PrivatePostgres, PrivateRedis } from './infra.mjs';
import { actionLinks, pressLink } from './follow-links.mjs';
import { ChaosSink } from './smtp-sink.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SIGNERS = Number(process.env.CHAOS_SIGNERS ?? 30);
const DRAIN_LIMIT_MS = Number(process.env.CHAOS_DRAIN_LIMIT_MS ?? 240_000);
const DELEGATIONS = ['KZ', 'BR'];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const [pgPort, redisPort, smtpPort, apiPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
const postgres = new PrivatePostgres(pgPort);
const redis = new PrivateRedis(redisPort);
const sink = new ChaosSink(smtpPort);
const apiUrl = `http://127.0.0.1:${apiPort}`;
const env = {
  PATH: process.env.PATH, NODE_ENV: 'production', HOST: '127.0.0.1', PORT: String(apiPort), PUBLIC_BASE_URL: apiUrl,
  DATABASE_URL: postgres.url, REDIS_URL: redis.url, QUEUE_PREFIX: 'chaos', SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
  // Fresh secrets per run: production refuses placeholders and low-entropy keys.
  SECRET_KEY: randomBytes(32).toString('hex'), ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
  METRICS_TOKEN: randomBytes(24).toString('hex'), LOG_LEVEL: 'warn', RATE_LIMIT_ENABLED: 'false', LETTERS_CAP_DISABLED: 'true', DATABASE_POOL_SIZE: '8',
};

const processes = { api: undefined, worker: undefined };
const killedWindows = []; // [from, to] when the API was dead on purpose
const logLines = { warn: 0, error: 0, plain: 0 };
const lastPlainLines = []; // what a process printed outside the JSON log, to say why it did not start

function startProcess(name) {
  const script = name === 'api' ? 'dist/src/server.js' : 'dist/workers/index.js';
  const child = spawn(process.execPath, [path.join(root, script)], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const count = (chunk) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) {
      if (!line.startsWith('{')) { logLines.plain += 1; lastPlainLines.push(line); lastPlainLines.splice(0, lastPlainLines.length - 10); continue; }
      const level = JSON.parse(line).level;
      if (level === 40) logLines.warn += 1;
      else if (level >= 50) logLines.error += 1;
    }
  };
  child.stdout.on('data', count);
  child.stderr.on('data', count);
  processes[name] = child;
  return child;
}

async function killProcess(name) {
  const child = processes[name];
  if (!child || child.exitCode !== null) return;
  await new Promise((resolve) => { child.once('exit', resolve); child.kill('SIGKILL'); });
}

async function waitForApi(timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try { if ((await fetch(`${apiUrl}/healthz`)).ok) return; } catch { /* not yet */ }
    await sleep(100);
  }
  throw new Error(`API did not start:\n${lastPlainLines.join('\n')}`);
}

/** One request, retried while the API is down or answers 503 (as a browser's user would). */
async function request(stats, url, init, deadline) {
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    try {
      const response = await fetch(url, init);
      if (response.status >= 500) {
        if (response.status === 503) stats.unavailable += 1; else stats.errors5xx += 1;
        await response.arrayBuffer();
        await sleep(Math.min(500 * 2 ** attempt, 5000));
        continue;
      }
      return response;
    } catch {
      stats.refused += 1; // API killed or restarting: the connection itself failed
      await sleep(Math.min(300 * 2 ** attempt, 3000));
    }
  }
  return undefined;
}

async function runSigner(stats, scenario, index, deadline) {
  const email = `chaos-${scenario}-${index}-${Date.now().toString(36)}@example.net`;
  const json = { 'content-type': 'application/json' };
  const signed = await request(stats, `${apiUrl}/api/campaigns/kazakhstan/signatures`, {
    method: 'POST', headers: json, body: JSON.stringify({ email, name: `Chaos Signer ${index}`, country: 'KZ', consent: { updates: false, wording: 'kazakhstan-consent-v1' } }),
  }, deadline);
  if (!signed || signed.status !== 202) return;
  stats.acknowledged += 1;
  stats.emails.add(email);
  const { actionToken } = await signed.json();
  const letters = await request(stats, `${apiUrl}/api/campaigns/kazakhstan/letters`, {
    method: 'POST', headers: json, body: JSON.stringify({ actionToken, targets: { countries: DELEGATIONS } }),
  }, deadline);
  if (letters?.ok) { stats.letterWriters.add(email); await letters.arrayBuffer(); }
  // Press what the emails ask for, whenever they come: the confirmation link, and for a letter
  // writer the letters approval link (its own email: confirming a signature releases no letter).
  const pressed = new Set();
  const done = () => stats.confirmed.has(email) && (!stats.letterWriters.has(email) || stats.approved.has(email));
  while (Date.now() < deadline && !done()) {
    for (const mail of sink.messages.filter((m) => m.to.includes(email))) {
      for (const link of actionLinks(mail.text).filter((l) => !pressed.has(l))) {
        pressed.add(link);
        for (let attempt = 0; Date.now() < deadline; attempt++) {
          let status = 0;
          try { status = await pressLink(link, apiUrl); } catch { stats.refused += 1; }
          if (status && status < 500) break;
          if (status === 503) stats.unavailable += 1; else if (status >= 500) stats.errors5xx += 1;
          await sleep(Math.min(500 * 2 ** attempt, 5000));
        }
        (link.includes('/letters/approve/') ? stats.approved : stats.confirmed).add(email);
      }
    }
    await sleep(250);
  }
}

function owedCounts(stats) {
  const ours = (address) => address && stats.emails.has(address);
  const confirmations = sink.messages.filter((m) => m.to.some(ours) && !m.messageId.startsWith('<letter-'));
  const letters = sink.messages.filter((m) => m.messageId.startsWith('<letter-') && ours(m.replyTo));
  const emailsReceived = new Set(confirmations.flatMap((m) => m.to.filter(ours))).size;
  const byId = new Map();
  for (const m of [...confirmations, ...letters]) byId.set(m.messageId, (byId.get(m.messageId) ?? 0) + 1);
  return {
    emailsReceived,
    lettersReceived: new Set(letters.map((m) => m.messageId)).size,
    duplicates: [...byId.values()].reduce((sum, n) => sum + Math.max(0, n - 1), 0),
  };
}

const SCENARIOS = {
  'worker-kill-x3': async () => {
    for (const at of [4000, 7000, 7000]) { await sleep(at); await killProcess('worker'); await sleep(1000); startProcess('worker'); }
  },
  'api-kill': async () => {
    await sleep(6000);
    await killProcess('api'); killedWindows.push([Date.now(), Date.now() + 3000]);
    await sleep(2000); startProcess('api');
  },
  'redis-stop-30s': async () => { await sleep(5000); await redis.stop(); await sleep(30_000); await redis.start(); },
  'redis-empty-backlog': async () => {
    sink.mode = '421'; // a backlog of emails waiting in Redis
    await sleep(15_000);
    await redis.restartEmpty();
    await sleep(3000);
    sink.mode = 'accept';
  },
  'postgres-restart': async () => { await sleep(6000); postgres.restart('fast'); },
  'postgres-immediate': async () => { await sleep(6000); postgres.stop('immediate'); await sleep(2000); postgres.start(); },
  'smtp-down-60s': async () => { await sleep(5000); await sink.stop(); await sleep(60_000); await sink.start(); },
  'smtp-421-60s': async () => { await sleep(5000); sink.mode = '421'; await sleep(60_000); sink.mode = 'accept'; },
};

async function countStored(db, since) {
  for (let i = 0; i < 50; i++) {
    try { return (await db.query('SELECT count(*)::int AS n FROM signatures WHERE created_at >= $1', [since])).rows[0].n; } catch { await sleep(500); }
  }
  return NaN;
}

async function runScenario(name, db) {
  const stats = { acknowledged: 0, emails: new Set(), letterWriters: new Set(), confirmed: new Set(), approved: new Set(), errors5xx: 0, unavailable: 0, refused: 0 };
  const since = new Date(Date.now() - 1000);
  const started = Date.now();
  const deadline = started + DRAIN_LIMIT_MS;
  const fault = SCENARIOS[name]();
  // A steady, bounded load: one signer every 400 ms, each following the flow to its end.
  const signers = [];
  for (let i = 0; i < SIGNERS; i++) { signers.push(runSigner(stats, name, i, deadline)); await sleep(400); }
  await fault;
  const faultEnded = Date.now();
  await Promise.all(signers);
  let counts;
  for (;;) {
    counts = owedCounts(stats);
    const lettersExpected = [...stats.letterWriters].filter((e) => stats.confirmed.has(e)).length * DELEGATIONS.length;
    if ((counts.emailsReceived >= stats.acknowledged && counts.lettersReceived >= lettersExpected) || Date.now() > deadline) break;
    await sleep(500);
  }
  const lettersExpected = [...stats.letterWriters].filter((e) => stats.confirmed.has(e)).length * DELEGATIONS.length;
  await sleep(3000); // late duplicates
  counts = owedCounts(stats);
  // Every fault restarts what it killed, so a process found dead now stopped by itself and would
  // have needed a person to start it again (the runner then does, before the next scenario).
  const handNeeded = Object.keys(processes).filter((name) => processes[name].exitCode !== null || processes[name].signalCode !== null);
  return {
    scenario: name, acknowledged: stats.acknowledged, stored: await countStored(db, since),
    emails: `${stats.acknowledged}→${counts.emailsReceived}`, letters: `${lettersExpected}→${counts.lettersReceived}`,
    duplicates: counts.duplicates, '5xx (not 503)': stats.errors5xx, 'honest 503': stats.unavailable, refused: stats.refused,
    drainSeconds: Math.round((Date.now() - 3000 - faultEnded) / 100) / 10,
    'hand restart': handNeeded.length ? handNeeded.join('+') : 'none',
    ok: counts.emailsReceived >= stats.acknowledged && counts.lettersReceived >= lettersExpected && stats.errors5xx === 0 && stats.acknowledged > 0 && handNeeded.length === 0,
  };
}

async function main() {
  const names = (process.env.CHAOS_SCENARIOS ?? Object.keys(SCENARIOS).join(',')).split(',').filter(Boolean);
  for (const name of names) if (!SCENARIOS[name]) throw new Error(`unknown scenario ${name}`);
  postgres.init();
  postgres.start();
  await redis.start();
  await sink.start();
  await setupDatabase(postgres.url, { quiet: true });
  const seeded = spawn(process.execPath, [path.join(root, 'dist/prisma/seed.js')], { cwd: root, env, stdio: 'ignore' });
  await new Promise((resolve) => seeded.once('exit', resolve));
  const db = new pg.Pool({ connectionString: postgres.url, max: 2 });
  db.on('error', () => undefined);
  startProcess('api');
  startProcess('worker');
  await waitForApi();
  const results = [];
  try {
    for (const name of names) {
      const result = await runScenario(name, db);
      console.log(JSON.stringify(result));
      results.push(result);
      if (processes.api.exitCode !== null) { startProcess('api'); await waitForApi(); }
      if (processes.worker.exitCode !== null) startProcess('worker');
    }
  } finally {
    await killProcess('api'); await killProcess('worker');
    await db.end().catch(() => undefined);
    await sink.stop(); await redis.destroy(); postgres.destroy();
  }
  const columns = Object.keys(results[0] ?? {});
  console.log(`\n| ${columns.join(' | ')} |\n| ${columns.map(() => '---').join(' | ')} |`);
  for (const r of results) console.log(`| ${columns.map((c) => String(r[c])).join(' | ')} |`);
  console.log(`\nlog lines: ${logLines.warn} warn, ${logLines.error} error, ${logLines.plain} outside the JSON log`);
  process.exit(results.every((r) => r.ok) ? 0 : 1);
}

await main();
