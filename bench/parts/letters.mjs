// Part 2, letters: N letters held for confirmed signings, released at once as their mailboxes'
// approvals release them (queued, one delivery job per letter in the outbox), through relay, queue,
// worker, rendering and pooled SMTP to the sink. The ceiling sends as many copies of one of those
// letters with pooled nodemailer alone.
import { randomUUID } from 'node:crypto';
import { emptyPartData } from '../lib/database.mjs';
import { seal, SEALED } from '../lib/envelopes.mjs';
import { forkHelper } from '../lib/processes.mjs';
import { settings } from '../lib/settings.mjs';
import { startStack } from '../lib/stack.mjs';
import { ratio, round } from '../lib/stats.mjs';

const TIMEOUT_MS = Number(process.env.BENCH_LETTERS_TIMEOUT_S ?? 480) * 1000;
const POOL_SIZE = 5; // SMTP_POOL_SIZE's default, which the bench leaves alone
const IN_FLIGHT = Math.max(POOL_SIZE * 4, 8); // the letters worker's concurrency (worker-runtime.ts)

export async function lettersPart({ databaseUrl, pool, sink }) {
  const total = settings.letters;
  const prepared = await prepareHeldLetters(pool, total);
  console.log(`  letters: ${prepared.letters} held letters from ${prepared.supporters} confirmed signings to ${prepared.targets} delegations`);
  const stack = await startStack({ databaseUrl, smtpPort: sink.port, label: 'letters' });
  let clarion;
  try {
    await sink.reset({ keepSample: true });
    const sampleWait = sink.sample();
    sampleWait.catch(() => undefined); // awaited below; no unhandled rejection meanwhile
    const before = stack.sampler.mark();
    const releasedAt = Date.now();
    // What approving every request at once does (approvals.service releaseApproved + enqueueDeliveries).
    await pool.query(`WITH released AS (UPDATE letters SET status = 'queued', queued_at = now() WHERE status = 'held' RETURNING id)
      INSERT INTO outbox_events (queue, job_name, payload, dedupe_key)
      SELECT 'letters', 'letters.send.letter', jsonb_build_object('letterId', id), 'letter-' || id FROM released`);
    const done = await waitForMessages(sink, prepared.letters, releasedAt);
    const after = stack.sampler.mark();
    const rows = await settledStates(pool, prepared.letters);
    const memory = stack.sampler.window(before, after);
    const seconds = done.lastAt ? (done.lastAt - releasedAt) / 1000 : (Date.now() - releasedAt) / 1000;
    clarion = {
      letters: prepared.letters,
      received: done.received,
      seconds: round(seconds),
      perSecond: round(done.received / seconds),
      states: Object.fromEntries(rows.map((r) => [r.status, r.n])),
      timedOut: done.timedOut,
      worker: memory.worker,
      api: memory.api,
      workerRss: downsample(stack.sampler.series('worker', before, after), 12),
      sample: await sampleWait,
    };
  } finally {
    await stack.stop();
  }
  await emptyPartData(pool);

  console.log(`  letters ceiling: pooled nodemailer, ${POOL_SIZE} connections, ${IN_FLIGHT} in flight, ${prepared.letters} messages`);
  await sink.reset();
  const helper = forkHelper('mail-ceiling.mjs', [JSON.stringify({ port: sink.port, poolSize: POOL_SIZE, inFlight: IN_FLIGHT, count: prepared.letters, raw: clarion.sample.raw })]);
  const result = await helper.next('result');
  const counted = await sink.count();
  const ceilingSeconds = counted.lastAt ? (counted.lastAt - result.startedAt) / 1000 : result.seconds;
  const ceiling = { sent: result.sent, received: counted.received, failed: result.failed, seconds: round(ceilingSeconds), perSecond: round(counted.received / ceilingSeconds) };

  const flat = isFlat(clarion.workerRss);
  const { sample, ...clarionFigures } = clarion;
  const r = ratio(clarion.perSecond, ceiling.perSecond);
  return {
    clarion: { ...clarionFigures, messageBytes: sample.raw.length, workerRssFlat: flat },
    ceiling,
    ratio: r,
    goals: { ratioAtLeast70: r !== null && r >= 0.7 && !clarion.timedOut, workerMemoryFlat: flat.flat },
  };
}

/**
 * Supporters with confirmed signings and signing attempts, and their letters held. Ids are made
 * here, so each envelope is sealed for its own row: the supporter's email and name, the
 * signature's city, each letter's copy of the paragraph.
 */
export async function prepareHeldLetters(pool, total) {
  const [{ id: campaignId }] = (await pool.query("SELECT id FROM campaigns WHERE slug = 'kazakhstan'")).rows;
  const targets = (await pool.query('SELECT id FROM targets WHERE council_member AND active ORDER BY iso2')).rows.map((r) => r.id);
  const supporters = Math.ceil(total / targets.length);
  const people = Array.from({ length: supporters }, (_, i) => {
    const id = randomUUID();
    const signatureId = randomUUID();
    return {
      id, signatureId, attemptId: randomUUID(),
      email: seal(`writer.${i}@writers.bench.example`, SEALED.supporterEmail, id),
      name: seal(`Bench Writer ${i}`, SEALED.supporterName, id),
      city: seal('Almaty', SEALED.signatureCity, signatureId),
    };
  });
  const letters = [];
  for (const [i, person] of people.entries()) {
    for (const targetId of targets) {
      if (letters.length === total) break;
      const id = randomUUID();
      const paragraph = `As a supporter from Almaty (${i}), I ask your delegation to speak for the prisoners at the Council's next session.`;
      letters.push({ id, supporterId: person.id, attemptId: person.attemptId, targetId, paragraph: seal(paragraph, SEALED.letterParagraph, id) });
    }
  }
  const column = (rows, key) => rows.map((r) => r[key]);
  await pool.query(`
    INSERT INTO supporters (id, email_hash, email_encrypted, name_encrypted)
    SELECT id, decode(md5('writer' || n) || md5('w' || n), 'hex'), email, name
    FROM unnest($1::uuid[], $2::text[], $3::text[]) WITH ORDINALITY AS p(id, email, name, n)`, [column(people, 'id'), column(people, 'email'), column(people, 'name')]);
  await pool.query(`
    INSERT INTO signatures (id, campaign_id, supporter_id, status, country, city_encrypted, email_domain, consent_updates, consent_wording_id, consented_at, confirmed_at)
    SELECT sid, $1::uuid, pid, 'confirmed', 'KZ', city, 'writers.bench.example', false, 'kazakhstan-consent-v1', now(), now()
    FROM unnest($2::uuid[], $3::uuid[], $4::text[]) AS p(sid, pid, city)`, [campaignId, column(people, 'signatureId'), column(people, 'id'), column(people, 'city')]);
  await pool.query(`
    INSERT INTO signing_attempts (id, campaign_id, signature_id, confirmed_at, email_queued)
    SELECT aid, $1::uuid, sid, now(), true FROM unnest($2::uuid[], $3::uuid[]) AS p(aid, sid)`, [campaignId, column(people, 'attemptId'), column(people, 'signatureId')]);
  await pool.query(`
    INSERT INTO letters (id, campaign_id, supporter_id, target_id, attempt_id, status, paragraph_encrypted)
    SELECT id, $1::uuid, pid, tid, aid, 'held', paragraph
    FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::uuid[], $6::text[]) AS l(id, pid, tid, aid, paragraph)`,
  [campaignId, column(letters, 'id'), column(letters, 'supporterId'), column(letters, 'targetId'), column(letters, 'attemptId'), column(letters, 'paragraph')]);
  const { rows } = await pool.query('SELECT count(*)::int AS n FROM letters');
  return { letters: rows[0].n, supporters, targets: targets.length };
}

export async function waitForMessages(sink, expected, since) {
  let counted;
  while (Date.now() - since < TIMEOUT_MS) {
    counted = await sink.count();
    if (counted.received >= expected) return { ...counted, timedOut: false };
    await new Promise((r) => setTimeout(r, 200));
  }
  return { ...counted, timedOut: true };
}

/** The worker records `sent` just after the server's answer: give the last ones a moment. */
export async function settledStates(pool, expected) {
  for (let i = 0; ; i += 1) {
    const { rows } = await pool.query('SELECT status::text AS status, count(*)::int AS n FROM letters GROUP BY status');
    if (i >= 20 || rows.find((r) => r.status === 'sent')?.n === expected) return rows;
    await new Promise((r) => setTimeout(r, 250));
  }
}

function downsample(series, points) {
  if (series.length <= points) return series;
  return Array.from({ length: points }, (_, i) => series[Math.round((i * (series.length - 1)) / (points - 1))]);
}

/** Flat: after the first fifth (warm-up), the RSS of the last fifth is within 15 % of the middle's. */
function isFlat(series) {
  if (series.length < 5) return { flat: null, note: 'too short to tell' };
  const fifth = Math.floor(series.length / 5);
  const mean = (rows) => rows.reduce((a, r) => a + r[1], 0) / rows.length;
  const middle = mean(series.slice(fifth, series.length - fifth));
  const last = mean(series.slice(series.length - fifth));
  const growth = (last - middle) / middle;
  return { flat: growth < 0.15, middleMb: round(middle), lastMb: round(last), growthPercent: round(growth * 100) };
}
