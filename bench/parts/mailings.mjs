// Part: mailings. One campaign update to N confirmed supporters who agreed to updates, written and
// sent through the admin API, then outbox, relay, the mailings queue and worker (claims, rendering
// per recipient, unsubscribe token, outcome rows) and pooled SMTP to the sink. The ceiling sends
// the same message (as the sink received it) N times with pooled nodemailer alone, with the
// worker's pool size and the worker's messages in flight (one claimed batch), to the same sink.
// The worker's RSS and JS heap are read inside it every 250 ms (bench/children/memory-probe.cjs).
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { emptyPartData } from '../lib/database.mjs';
import { seal, SEALED } from '../lib/envelopes.mjs';
import { forkHelper } from '../lib/processes.mjs';
import { resultsDir, root, runId, settings } from '../lib/settings.mjs';
import { startStack } from '../lib/stack.mjs';
import { ratio, round } from '../lib/stats.mjs';

const TIMEOUT_MS = Number(process.env.BENCH_MAILINGS_TIMEOUT_S ?? 480) * 1000;
const POOL_SIZE = 5; // SMTP_POOL_SIZE's default, which the bench leaves alone
const RATE_PER_MINUTE = 100_000; // the highest MAILINGS_PER_MINUTE allows (1,667/s): the worker, not its pacing, is measured
// The mailings worker's messages in flight: one claimed batch (delivery.ts batchSizeFor at this rate).
const IN_FLIGHT = Math.min(50, Math.max(POOL_SIZE * 2, 4, Math.floor(RATE_PER_MINUTE / 60)));
const CHUNK = 5_000;
const MB = 1024 * 1024;

export async function mailingsPart({ databaseUrl, pool, sink }) {
  const total = settings.mailings;
  await prepareReaders(pool, total);
  console.log(`  mailings: ${total.toLocaleString('en')} confirmed supporters who agreed to updates`);
  const memoryFile = path.join(resultsDir, `${runId}-mailings-worker-memory.txt`);
  fs.mkdirSync(resultsDir, { recursive: true });
  fs.rmSync(memoryFile, { force: true });
  const stack = await startStack({
    databaseUrl, smtpPort: sink.port, label: 'mailings',
    env: { MAILINGS_PER_MINUTE: String(RATE_PER_MINUTE) },
    workerEnv: { NODE_OPTIONS: `--require ${path.join(root, 'bench', 'children', 'memory-probe.cjs')}`, BENCH_MEMORY_FILE: memoryFile },
  });
  let clarion;
  try {
    const api = (method, url, body) => fetch(`${stack.url}${url}`, {
      method, headers: { ...stack.adminHeaders, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const created = await api('POST', '/api/admin/campaigns/kazakhstan/mailings', UPDATE);
    if (created.status !== 201) throw new Error(`creating the mailing answered ${created.status}: ${await created.text()}`);
    const { id } = await created.json();
    await new Promise((r) => setTimeout(r, 1000)); // settle after start-up before the baseline
    await sink.reset({ keepSample: true });
    const sampleWait = sink.sample();
    sampleWait.catch(() => undefined); // awaited below; no unhandled rejection meanwhile
    const before = stack.sampler.mark();
    const sentAt = Date.now();
    const sent = await api('POST', `/api/admin/mailings/${id}/send`);
    if (sent.status !== 202) throw new Error(`sending answered ${sent.status}: ${await sent.text()}`);
    const done = await waitForMessages(sink, total, sentAt);
    const after = stack.sampler.mark();
    const seconds = ((done.lastAt ?? Date.now()) - sentAt) / 1000;
    const counts = await settledCounts(api, id, total);
    clarion = {
      recipients: counts.recipients, received: done.received, seconds: round(seconds), perSecond: round(done.received / seconds),
      counts, status: counts.status, timedOut: done.timedOut,
      cpuSeconds: stack.sampler.window(before, after).worker.cpuSeconds,
      apiCpuSeconds: stack.sampler.window(before, after).api.cpuSeconds,
      memory: memorySummary(readProbe(memoryFile, before.at, after.at), done.progress, before.at),
      sample: await sampleWait,
    };
  } finally {
    await stack.stop();
    fs.rmSync(memoryFile, { force: true });
  }
  await emptyPartData(pool);

  console.log(`  mailings ceiling: pooled nodemailer, ${POOL_SIZE} connections, ${IN_FLIGHT} in flight, ${total} messages`);
  await sink.reset();
  const helper = forkHelper('mail-ceiling.mjs', [JSON.stringify({ port: sink.port, poolSize: POOL_SIZE, inFlight: IN_FLIGHT, count: total, raw: clarion.sample.raw })]);
  const result = await helper.next('result');
  const counted = await sink.count();
  const ceilingSeconds = counted.lastAt ? (counted.lastAt - result.startedAt) / 1000 : result.seconds;
  const ceiling = { sent: result.sent, received: counted.received, failed: result.failed, seconds: round(ceilingSeconds), perSecond: round(counted.received / ceilingSeconds), inFlight: IN_FLIGHT, poolSize: POOL_SIZE,
    cpuSeconds: round(result.cpuSeconds), cpuMsPerMessage: round((result.cpuSeconds * 1000) / Math.max(1, result.sent), 2) };

  const { sample, ...figures } = clarion;
  const r = ratio(clarion.perSecond, ceiling.perSecond);
  return {
    clarion: { ...figures, messageBytes: sample.raw.length, cpuMsPerMessage: round(((figures.cpuSeconds ?? 0) * 1000) / Math.max(1, figures.received), 2) },
    ceiling,
    ratio: r,
    goals: {
      ratioAtLeast70: r !== null && r >= 0.7 && !clarion.timedOut,
      everyoneOnce: clarion.counts.sent === total && clarion.received === total,
      memoryFlat: clarion.memory.flat,
    },
  };
}

const UPDATE = {
  subject: 'News from {{campaign.title}}',
  text: 'Dear {{supporter.name}},\n\nThank you for signing. The Council heard us: at its session this week, eleven delegations '
    + 'raised the cases of the prisoners we wrote about, and two asked for an independent visit.\n\nWhat comes next: the Council '
    + 'votes on the resolution next month. We will write again when it does.\n\nWith thanks,\nThe {{campaign.title}} team',
  html: '<p>Dear {{supporter.name}},</p><p>Thank you for signing. <strong>The Council heard us</strong>: at its session this week, '
    + 'eleven delegations raised the cases of the prisoners we wrote about, and two asked for an independent visit.</p>'
    + '<p>What comes next: the Council votes on the resolution next month. We will write again when it does.</p><p>With thanks,<br>The {{campaign.title}} team</p>',
};

/**
 * Supporters of the seeded campaign with a confirmed signing that agreed to updates, and the
 * signing attempt that gives their language; each envelope sealed for its own row.
 */
async function prepareReaders(pool, total) {
  const [{ id: campaignId }] = (await pool.query("SELECT id FROM campaigns WHERE slug = 'kazakhstan'")).rows;
  const [{ id: wording }] = (await pool.query('SELECT id FROM consent_wordings WHERE campaign_id = $1 LIMIT 1', [campaignId])).rows;
  for (let first = 0; first < total; first += CHUNK) {
    const people = Array.from({ length: Math.min(CHUNK, total - first) }, (_, k) => {
      const i = first + k;
      const id = randomUUID();
      return { n: i, id, signatureId: randomUUID(), email: seal(`reader.${i}@readers.bench.example`, SEALED.supporterEmail, id), name: seal(`Bench Reader ${i}`, SEALED.supporterName, id) };
    });
    const column = (key) => people.map((p) => p[key]);
    await pool.query(`
      INSERT INTO supporters (id, email_hash, email_encrypted, name_encrypted)
      SELECT id, decode(md5('reader' || n) || md5('r' || n), 'hex'), email, name
      FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[]) AS p(id, n, email, name)`, [column('id'), column('n'), column('email'), column('name')]);
    await pool.query(`
      INSERT INTO signatures (id, campaign_id, supporter_id, status, country, email_domain, consent_updates, consent_wording_id, consented_at, confirmed_at)
      SELECT sid, $1::uuid, pid, 'confirmed', 'KZ', 'readers.bench.example', true, $2, now(), now()
      FROM unnest($3::uuid[], $4::uuid[]) AS p(sid, pid)`, [campaignId, wording, column('signatureId'), column('id')]);
    await pool.query(`
      INSERT INTO signing_attempts (campaign_id, signature_id, confirmed_at, email_queued, locale)
      SELECT $1::uuid, sid, now(), true, 'en' FROM unnest($2::uuid[]) AS p(sid)`, [campaignId, column('signatureId')]);
  }
  await pool.query('VACUUM ANALYZE supporters, signatures, signing_attempts');
}

/** Waits for `expected` messages at the sink, keeping (ms since start, received) once a second for the memory slope. */
async function waitForMessages(sink, expected, since) {
  const progress = [];
  let counted;
  let lastMark = 0;
  while (Date.now() - since < TIMEOUT_MS) {
    counted = await sink.count();
    if (Date.now() - lastMark >= 1000) { progress.push([Date.now() - since, counted.received]); lastMark = Date.now(); }
    if (counted.received >= expected) return { ...counted, progress, timedOut: false };
    await new Promise((r) => setTimeout(r, 200));
  }
  return { ...counted, progress, timedOut: true };
}

/** The worker records `sent` just after the server's answer: give the last ones a moment. */
async function settledCounts(api, id, expected) {
  for (let i = 0; ; i += 1) {
    const body = await (await api('GET', `/api/admin/mailings/${id}`)).json();
    if (i >= 40 || (body.counts.sent === expected && body.status === 'done')) return { status: body.status, ...body.counts };
    await new Promise((r) => setTimeout(r, 250));
  }
}

function readProbe(file, from, to) {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => line.split(' '))
    .map(([at, kind, rss, heapUsed, heapTotal]) => ({ at: Number(at), kind, rss: Number(rss) / MB, heapUsed: Number(heapUsed) / MB, heapTotal: Number(heapTotal) / MB }))
    .filter((s) => s.at >= from && s.at <= to + 300);
}

/**
 * Start, peak and end of RSS and of the live heap (after the probe's full collections), and their
 * slopes after the first fifth (warm-up: pools, JIT, the template compiled) by least squares, per
 * minute and per 10,000 messages sent. Flat: the live heap grows by less than 1 MB per 10,000
 * messages (a leak of 100 bytes per message would show as 1 MB; a kept copy of each message, about
 * 2.5 KB, as 25 MB), and RSS by less than 5 MB per 10,000.
 */
function memorySummary(samples, progress, startAt) {
  const live = samples.filter((s) => s.kind === 'g');
  const all = samples.filter((s) => s.kind === 's');
  if (live.length < 5) return { flat: null, note: 'too few samples', samples: samples.length };
  const sentAt = (t) => {
    // Messages received by time t, interpolated from the once-a-second counts at the sink.
    const ms = t - startAt;
    let prev = [0, 0];
    for (const point of progress) {
      if (point[0] >= ms) return prev[1] + ((point[1] - prev[1]) * (ms - prev[0])) / Math.max(1, point[0] - prev[0]);
      prev = point;
    }
    return prev[1];
  };
  const stats = (rows, key) => {
    const warm = rows.slice(Math.floor(rows.length / 5));
    const values = rows.map((s) => s[key]);
    return {
      startMb: round(values[0]), peakMb: round(Math.max(...values)), endMb: round(values.at(-1)),
      slopeMbPerMinute: round(slope(warm.map((s) => [(s.at - startAt) / 60_000, s[key]])), 2),
      slopeMbPer10kMessages: round(slope(warm.map((s) => [sentAt(s.at) / 10_000, s[key]])), 2),
    };
  };
  const rss = stats(all, 'rss');
  const liveHeap = stats(live, 'heapUsed');
  const heapUsed = stats(all, 'heapUsed');
  const step = Math.max(1, Math.floor(live.length / 12));
  const series = live.filter((_, i) => i % step === 0).map((s) => [Math.round((s.at - startAt) / 1000), round(s.rss), round(s.heapUsed)]);
  const flat = liveHeap.slopeMbPer10kMessages !== null && rss.slopeMbPer10kMessages !== null && liveHeap.slopeMbPer10kMessages < 1 && rss.slopeMbPer10kMessages < 5;
  return { flat, rss, liveHeap, heapUsed, samples: samples.length, series };
}

function slope(points) {
  const xs = points.map((p) => p[0]);
  if (points.length < 2 || Math.max(...xs) === Math.min(...xs)) return null;
  const mx = xs.reduce((a, x) => a + x, 0) / xs.length;
  const my = points.reduce((a, p) => a + p[1], 0) / points.length;
  const num = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const den = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return num / den;
}
