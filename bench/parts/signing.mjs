// Part 1, signing: distinct signatures posted at rising concurrency, then at a fixed offered rate;
// the ceiling replays the application's own statements (recorded from it) through pg at the same
// concurrency with nothing else running.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { emptyPartData } from '../lib/database.mjs';
import { forkHelper } from '../lib/processes.mjs';
import { settings } from '../lib/settings.mjs';
import { startStack } from '../lib/stack.mjs';
import { ratio, round } from '../lib/stats.mjs';

const SLUG = 'kazakhstan';
const DRAIN_LIMIT_MS = 90_000;

export async function signingPart({ databaseUrl, pool, sink }) {
  const stack = await startStack({ databaseUrl, smtpPort: sink.port, label: 'signing' });
  const stages = [];
  let form;
  try {
    form = await signingForm(stack.url);
    console.log(`  signing: warm-up, 8 connections for ${settings.warmupSeconds} s (not measured)`);
    await clarionStage(stack, pool, sink, form, { connections: 8, seconds: settings.warmupSeconds, domain: 'warmup.bench.example' });
    for (const connections of settings.concurrencies) {
      console.log(`  signing: ${connections} connections for ${settings.seconds} s`);
      stages.push(await clarionStage(stack, pool, sink, form, { connections, domain: `c${connections}.bench.example` }));
    }
    console.log(`  signing: offered ${settings.offeredRate}/s for ${settings.seconds} s`);
    stages.push(await clarionStage(stack, pool, sink, form, { connections: 100, rate: settings.offeredRate, domain: 'rate.bench.example' }));
  } finally {
    await stack.stop();
  }
  await emptyPartData(pool);

  // The ceilings run with Clarion stopped, so nothing else competes for the two cores. They
  // replay the statements the application's own signing sends, recorded from it just now.
  const capture = await captureSigningStatements(stack.env, form);
  const available = await freeConnections(pool);
  for (const stage of stages.filter((s) => !s.rate)) {
    const connections = Math.min(stage.connections, settings.ceilingMaxConnections, available);
    console.log(`  signing ceiling: the application's statements through pg, ${connections} connections for ${settings.ceilingSeconds} s`);
    const helper = forkHelper('signing-sql.mjs', [JSON.stringify({ databaseUrl, capture: capture.file, connections, seconds: settings.ceilingSeconds })]);
    const result = await helper.next('result');
    if (result.failed > 0) console.log(`  ! ${result.failed} replayed signings failed, the first with: ${result.firstError}`);
    if (result.inserted !== result.committed) throw new Error(`the signing ceiling committed ${result.committed} replays but made ${result.inserted} signatures`);
    stage.ceiling = { connections, statements: result.statements, perSecond: round(result.perSecond), p50: round(result.latency.p50), p99: round(result.latency.p99), failed: result.failed };
    stage.ratio = ratio(stage.durablePerSecond, stage.ceiling.perSecond);
    stage.goalMet = stage.ratio !== null && stage.ratio >= 0.5;
  }
  await emptyPartData(pool);

  const fixed = stages.find((s) => s.rate);
  return {
    stages,
    goals: {
      ratioAtLeastHalf: stages.filter((s) => !s.rate).every((s) => s.goalMet),
      p99Under50msAt1000: fixed ? fixed.p99 !== null && fixed.p99 < 50 && fixed.acceptedPerSecond >= settings.offeredRate * 0.95 : null,
    },
  };
}

/**
 * Records the statements of ten signings made by the compiled application (signing-capture.mjs),
 * with the API's own environment, into a file the ceiling replays.
 */
async function captureSigningStatements(env, form) {
  const helper = forkHelper('signing-capture.mjs', [JSON.stringify({ slug: SLUG, wording: form.wording, extra: form.extra, domain: 'capture.bench.example' })], { ...env, BENCH_CAPTURE_DUMP: process.env.BENCH_CAPTURE_DUMP ?? '' });
  const result = await helper.next('result');
  if (result.error) throw new Error(`capturing the signing statements: ${result.error}`);
  const file = path.join(os.tmpdir(), `clarion-bench-signing-${process.pid}.json`);
  fs.writeFileSync(file, JSON.stringify(result.samples));
  process.on('exit', () => fs.rmSync(file, { force: true }));
  console.log(`  signing ceiling: recorded ${result.samples.length} signings of the application (${result.samples[0].length} statements each)`);
  return { file };
}

/**
 * The consent wording the campaign shows, and the fields the signing form sends: one signing is
 * tried without and then with a `locale`, so the bench follows the API as it stands.
 */
export async function signingForm(url) {
  const campaign = await (await fetch(`${url}/api/campaigns/${SLUG}`)).json();
  const wording = campaign.consent?.wording;
  if (!wording) throw new Error('the seeded campaign shows no consent wording');
  for (const extra of [{}, { locale: 'en' }]) {
    const response = await fetch(`${url}/api/campaigns/${SLUG}/signatures`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'probe@probe.bench.example', name: 'Probe', country: 'KZ', consent: { updates: false, wording }, ...extra }),
    });
    if (response.status === 202) return { wording, extra };
    if (response.status !== 400) throw new Error(`probe signing answered ${response.status}: ${await response.text()}`);
  }
  throw new Error('no signing body the API accepts; see the probe above');
}

export async function clarionStage(stack, pool, sink, form, { connections, rate, domain, seconds = settings.seconds }) {
  await sink.reset();
  const before = stack.sampler.mark();
  const helper = forkHelper('signing-load.mjs', [JSON.stringify({ url: stack.url, slug: SLUG, wording: form.wording, extra: form.extra, connections, seconds, rate, domain })]);
  const result = await helper.next('result');
  const after = stack.sampler.mark();
  if (result.error) throw new Error(`load generator: ${result.error}`);
  const { rows } = await pool.query('SELECT count(*)::int AS n FROM signatures WHERE email_domain = $1', [domain]);
  const emailsDuringLoad = (await sink.count()).received;
  const drain = await waitForEmails(sink, rows[0].n);
  const memory = stack.sampler.window(before, after);
  return {
    connections,
    rate: rate ?? null,
    seconds: round(result.seconds),
    sent: result.sent,
    accepted: result.accepted,
    acceptedPerSecond: round(result.accepted / result.seconds),
    durable: rows[0].n,
    durablePerSecond: round(rows[0].n / result.seconds),
    statusCodes: result.statusCodes,
    errors: result.errors,
    timeouts: result.timeouts,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    apiPeakMb: memory.api.peakMb,
    apiCpuSeconds: memory.api.cpuSeconds,
    workerCpuSeconds: memory.worker?.cpuSeconds ?? null,
    confirmationEmails: { duringLoad: emailsDuringLoad, drainSeconds: drain.seconds, delivered: drain.received },
  };
}

/** Every new signature sends one confirmation email: the stage is over when the worker caught up. */
async function waitForEmails(sink, expected) {
  const started = Date.now();
  let received = 0;
  while (Date.now() - started < DRAIN_LIMIT_MS) {
    received = (await sink.count()).received;
    if (received >= expected) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  return { received, seconds: round((Date.now() - started) / 1000) };
}

async function freeConnections(pool) {
  const { rows } = await pool.query("SELECT current_setting('max_connections')::int - count(*)::int AS free FROM pg_stat_activity");
  return Math.max(1, rows[0].free - 20); // leave room for everyone else on the machine
}
