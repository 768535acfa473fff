// @queue-backends both: npm test runs this file on Redis and on PostgreSQL queues (scripts/test.mjs).
/**
 * Issue #3: "a worker killed with SIGKILL in the middle of a batch and restarted leaves no letter
 * lost (counted against the server's log) and reports any duplicate".
 *
 * Letters are sent only by the compiled letters worker (dist/workers/letters.worker.js) running as
 * a child process, so it can really be killed; the API, the outbox relay with the letter sweeper,
 * and the confirmation emails run in this process. The SMTP server (in this process too) answers
 * slowly, so the kill lands while messages are in flight. The rule under test (delivery.ts): a
 * letter whose worker died mid-send stays `sending` until its lease runs out, then is sent again
 * with the same Message-ID. So every letter must reach the server at least once, and only letters
 * that were `sending` when the worker died may reach it twice.
 */
import { KAZAKHSTAN_CONSENT_WORDING_ID, KAZAKHSTAN_SLUG, seedKazakhstanCampaign } from '../../../src/modules/campaigns';
import { seedDefaultTemplate, seedTargets } from '../../../src/modules/letters';
import type { RunningWorkers } from '../../../src/worker-runtime';
import { eventually, LogCollector, postJson, startTestApi, startTestWorkers, type TestApi } from '../../support/harness';
import { confirmByEmail, sign } from '../../support/letters';
import { SmtpRecorder } from '../../support/smtp-recorder';
import { WorkerChildren } from '../../support/worker-children';

const LEASE_SECONDS = '5';
const SUPPORTERS = 8;
/** The server's pause before answering each message: ~40 letters a second over 4 connections. */
const ACCEPT_DELAY_MS = 100;
/** Letters the server must have received before the worker is killed (well before all ~376). */
const KILL_AFTER = 60;

let smtp: SmtpRecorder;
let api: TestApi;
let workers: RunningWorkers | undefined;
let campaignId: string;
const workerChildren = new WorkerChildren('letters.worker.js');
/** This process's warnings, among them the sweeper's `letters swept`. */
const logs = new LogCollector();

beforeAll(async () => {
  workerChildren.buildIfStale();
  smtp = await SmtpRecorder.start();
  api = await startTestApi(
    {
      SMTP_URL: smtp.url,
      RATE_LIMIT_ENABLED: 'false',
      LETTERS_CAP_DISABLED: 'true',
      LETTERS_SEND_LEASE_SECONDS: LEASE_SECONDS,
      LOG_LEVEL: 'warn',
    },
    { logStream: logs },
  );
  campaignId = await seedKazakhstanCampaign(api.platform.db);
  await seedDefaultTemplate(api.platform.db, campaignId);
  await seedTargets(api.platform.db);
  // The relay (with the letter sweeper) and confirmation emails here; letters only in the child.
  workers = startTestWorkers(api, { relay: true, email: true, letters: false });
}, 120_000);

afterAll(async () => {
  await workerChildren.killAll();
  await workers?.stop();
  await api?.close();
  await smtp?.stop();
});

describe('a letters worker killed mid-batch', () => {
  it('loses no letter once restarted, and re-sends only letters that were being sent, with the same Message-ID', async () => {
    // ~8 supporters, each writing to every Council member: a batch of several hundred letters.
    const supporters = await Promise.all(Array.from({ length: SUPPORTERS }, () => sign(api, KAZAKHSTAN_SLUG, KAZAKHSTAN_CONSENT_WORDING_ID)));
    const verified = await Promise.all(supporters.map((s) => confirmByEmail(api, smtp, s.email)));
    const answers = await Promise.all(
      verified.map((actionToken) => postJson(`${api.url}/api/campaigns/${KAZAKHSTAN_SLUG}/letters`, { actionToken, targets: { all: true } })),
    );
    for (const answer of answers) expect(answer.json).toMatchObject({ status: 'queued' });
    const total = answers.reduce((sum, a) => sum + (a.json as { recorded: number }).recorded, 0);
    expect(total).toBeGreaterThan(300);
    expect(await api.platform.db.letter.count({ where: { campaignId, status: 'queued' } })).toBe(total);
    // Every job is in the queue before the worker starts, so it meets one big batch.
    await eventually(async () => (await api.platform.db.outboxEvent.count({ where: { relayedAt: null } })) === 0, 10_000, 'outbox relayed');

    smtp.setAcceptDelay(ACCEPT_DELAY_MS);
    const started = Date.now();
    const first = startLettersWorker('first');
    await eventually(() => letterMessages().length >= KILL_AFTER || first.exitCode !== null, 20_000, `${KILL_AFTER} letters at the server`).catch(
      (error: Error) => {
        throw withDiagnostics(error);
      },
    );
    if (first.exitCode !== null) throw withDiagnostics(new Error('the first worker exited before it was killed'));
    await workerChildren.kill(first);
    const killedAt = Date.now();
    workerChildren.log.push(`[test] killed at ${new Date(killedAt).toISOString()}\n`);

    const atKill = await statusCounts();
    const sendingAtKill = new Set((await api.platform.db.letter.findMany({ where: { campaignId, status: 'sending' }, select: { id: true } })).map((l) => l.id));
    const receivedAtKill = letterMessages().length;
    expect(receivedAtKill).toBeLessThan(total / 2); // the kill landed mid-batch...
    expect((atKill.sending ?? 0) + (atKill.queued ?? 0)).toBeGreaterThan(0); // ...with letters left to send

    startLettersWorker('restarted');
    await eventually(
      async () => {
        const counts = await statusCounts();
        return counts.sent === total && Object.keys(counts).length === 1;
      },
      60_000,
      'every letter sent after the restart',
    ).catch(async (error: Error) => {
      throw withDiagnostics(error, await statusCounts(), await unsentLetters());
    });
    const recoveredMs = Date.now() - killedAt;

    // Against the server's log, by Message-ID.
    const rows = await api.platform.db.letter.findMany({ where: { campaignId }, select: { id: true, status: true, messageId: true } });
    const received = new Map<string, number>();
    for (const message of letterMessages()) received.set(message.messageId, (received.get(message.messageId) ?? 0) + 1);
    const lost = rows.filter((r) => r.status !== 'sent' || !r.messageId || !received.has(r.messageId));
    const expectedIds = new Map(rows.map((r) => [r.messageId, r.id]));
    const strays = [...received.keys()].filter((id) => !expectedIds.has(id));
    const duplicates = [...received.entries()].filter(([, n]) => n > 1);
    const extraCopies = duplicates.reduce((sum, [, n]) => sum + n - 1, 0);
    const swept = sweeps();

    console.log(
      `worker-crash: ${rows.length} letters, ${lost.length} lost, ${duplicates.length} duplicates (same Message-ID, ${extraCopies} extra copies); ` +
        `killed after ${receivedAtKill} received (${atKill.sending ?? 0} sending, ${atKill.queued ?? 0} queued), all sent ${(recoveredMs / 1000).toFixed(1)} s after the kill ` +
        `(sweeper: ${swept.leasesExpired} expired leases re-queued, ${swept.jobsRestored} lost jobs restored), ` +
        `${((Date.now() - started) / 1000).toFixed(1)} s from the first start`,
    );

    expect(rows).toHaveLength(total);
    expect(lost).toEqual([]); // every `sent` row's Message-ID is in the server's log
    expect(strays).toEqual([]);
    // Only a letter the dead worker was sending may have reached the server twice.
    expect(duplicates.length).toBeLessThanOrEqual(sendingAtKill.size);
    expect(duplicates.map(([messageId]) => expectedIds.get(messageId)).filter((id) => !id || !sendingAtKill.has(id))).toEqual([]);
  }, 100_000);
});

function letterMessages() {
  return smtp.messages.filter((m) => m.messageId.startsWith('<letter-'));
}

async function statusCounts(): Promise<Record<string, number>> {
  const groups = await api.platform.db.letter.groupBy({ by: ['status'], where: { campaignId }, _count: { _all: true } });
  return Object.fromEntries(groups.map((g) => [g.status, g._count._all]));
}

/** Letters not yet sent, with the state of each of their jobs (first, retry or sweep). */
async function unsentLetters(): Promise<string> {
  const rows = await api.platform.db.letter.findMany({
    where: { campaignId, status: { not: 'sent' } },
    take: 10,
    select: { id: true, status: true, attempts: true, queuedAt: true, sendingAt: true, lastSmtpResponse: true },
  });
  // Job details from Redis only; with QUEUE_BACKEND=postgres the rows alone (BullMQ's are in bullmq.job).
  if (api.platform.config.QUEUE_BACKEND !== 'redis') return [`now ${new Date().toISOString()}`, ...rows.map((row) => JSON.stringify(row))].join('\n');
  const redis = api.platform.redis;
  const prefix = `${api.platform.config.QUEUE_PREFIX}:letters:`;
  const lines = [];
  for (const row of rows) {
    const jobs = [];
    for (const key of await redis.keys(`${prefix}letter-${row.id}*`)) {
      if ((await redis.type(key)) !== 'hash') continue;
      const id = key.slice(prefix.length);
      const [finishedOn, processedOn, failedReason, returnvalue, stalls] = await redis.hmget(
        key,
        'finishedOn',
        'processedOn',
        'failedReason',
        'returnvalue',
        'stc',
      );
      const where = [];
      for (const list of ['wait', 'active', 'paused']) if ((await redis.lpos(`${prefix}${list}`, id)) !== null) where.push(list);
      for (const set of ['delayed', 'completed', 'failed', 'prioritized']) if ((await redis.zscore(`${prefix}${set}`, id)) !== null) where.push(set);
      jobs.push({ id, where, processedOn, finishedOn, returnvalue, failedReason, stalls, locked: (await redis.exists(`${key}:lock`)) === 1 });
    }
    lines.push(JSON.stringify({ ...row, jobs }));
  }
  return [`now ${new Date().toISOString()}`, ...lines].join('\n');
}

function sweeps(): { leasesExpired: number; jobsRestored: number } {
  const total = { leasesExpired: 0, jobsRestored: 0 };
  for (const line of logs.lines.filter((l) => l.msg === 'letters swept')) {
    total.leasesExpired += Number(line.leasesExpired ?? 0);
    total.jobsRestored += Number(line.jobsRestored ?? 0);
  }
  return total;
}

function withDiagnostics(error: Error, counts?: Record<string, number>, unsent?: string): Error {
  error.message +=
    `\nletters at the server: ${letterMessages().length}` +
    `\nsweeps: ${JSON.stringify(sweeps())}; warnings here:\n${logs.lines
      .filter((l) => l.msg !== 'letters swept')
      .slice(-10)
      .map((l) => JSON.stringify(l))
      .join('\n')}` +
    (counts ? `\nletter statuses: ${JSON.stringify(counts)}` : '') +
    (unsent ? `\nunsent letters:\n${unsent}` : '') +
    `\nworker output (last lines):\n${workerChildren.tail()}`;
  return error;
}

function startLettersWorker(name: string) {
  return workerChildren.start(name, {
    QUEUE_PREFIX: api.platform.config.QUEUE_PREFIX,
    SMTP_URL: smtp.url,
    SMTP_POOL_SIZE: '4',
    LETTERS_CAP_DISABLED: 'true',
    LETTERS_SEND_LEASE_SECONDS: LEASE_SECONDS,
  });
}
