// @queue-backends both: npm test runs this file on Redis and on PostgreSQL queues (scripts/test.mjs).
import type { Queue } from 'bullmq';
import { createPlatform, closePlatform, type Platform } from '../../../src/platform/context';
import type { QueuesByName } from '../../../src/platform/outbox';
import { createQueueBackend, type QueueBackend } from '../../../src/platform/queue-backend';
import { closeQueues, createQueues } from '../../../src/platform/queue-factory';
import { QUEUES } from '../../../src/platform/queues';
import { startWorkers, type RunningWorkers } from '../../../src/worker-runtime';
import { createCampaign, signingBody, type TestCampaign } from '../../support/fixtures';
import { eventually, postJson, startTestApi, startTestWorkers, testConfig, type TestApi } from '../../support/harness';
import { SmtpRecorder } from '../../support/smtp-recorder';

/** Nothing listens on port 1 of loopback. */
const UNREACHABLE_REDIS = 'redis://127.0.0.1:1';
/** Short retry delays, so a retried email arrives in a fraction of a second. */
const RETRY_BASE_MS = '100';

let smtp: SmtpRecorder;
let api: TestApi;
let campaign: TestCampaign;
let queue: Queue;
let queues: QueuesByName;
let queueBackend: QueueBackend;
/** The Redis outage below has no PostgreSQL counterpart short of the database itself being down. */
const redisOnly = (process.env.QUEUE_BACKEND ?? 'redis') === 'redis' ? it : it.skip;

beforeAll(async () => {
  smtp = await SmtpRecorder.start();
  api = await startTestApi({ SMTP_URL: smtp.url, RATE_LIMIT_ENABLED: 'false', EMAIL_RETRY_BASE_MS: RETRY_BASE_MS });
  campaign = await createCampaign(api.platform.db);
  // On the configured backend (QUEUE_BACKEND), like the workers'.
  queueBackend = createQueueBackend(api.platform.config, api.platform.logger, 'queue');
  queues = createQueues(queueBackend, api.platform.config);
  queue = queues[QUEUES.email];
});

afterAll(async () => {
  await closeQueues(queues);
  // BullMQ leaves a connection it was handed open: it is ours to close (else jest never exits).
  await queueBackend.close();
  await api.close();
  await smtp.stop();
});

/** Every test starts with an empty outbox and recorder, and stops what it started. */
const running: RunningWorkers[] = [];
const platforms: Platform[] = [];
beforeEach(async () => {
  await api.platform.db.outboxEvent.updateMany({ where: { relayedAt: null }, data: { relayedAt: new Date() } });
  smtp.clear();
});
afterEach(async () => {
  for (const workers of running.splice(0)) await workers.stop();
  for (const platform of platforms.splice(0)) await closePlatform(platform);
});

function workers(parts = { relay: true, email: true, letters: false }): RunningWorkers {
  const started = startTestWorkers(api, parts);
  running.push(started);
  return started;
}

/** Signs with a fresh address; answers the address and the outbox row its email waits in. */
async function sign() {
  const body = signingBody(campaign);
  expect((await postJson(`${api.url}/api/campaigns/${campaign.slug}/signatures`, body)).status).toBe(202);
  const signature = await api.platform.db.signature.findFirstOrThrow({
    where: { campaignId: campaign.id },
    orderBy: { createdAt: 'desc' },
    select: { attempts: { select: { id: true } } },
  });
  const attemptId = signature.attempts[0]!.id;
  return { email: body.email, name: body.name, attemptId, dedupeKey: `confirm-${attemptId}` };
}

const rowOf = (dedupeKey: string) => api.platform.db.outboxEvent.findUniqueOrThrow({ where: { dedupeKey } });
const mailsTo = (email: string) => smtp.messages.filter((m) => m.envelope.to.includes(email));
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the outbox', () => {
  it('keeps the email of a signing made while no relay runs, with ids only, and sends it once workers start', async () => {
    const signing = await sign();
    const row = await rowOf(signing.dedupeKey);
    expect(row.relayedAt).toBeNull();
    expect(row.payload).toEqual({ attemptId: signing.attemptId, variant: 'new' });
    const [json] = await api.platform.db.$queryRaw<Array<{ row: string }>>`SELECT row_to_json(t)::text AS row FROM outbox_events t WHERE id = ${row.id}`;
    expect(json!.row).not.toContain(signing.email);
    expect(json!.row).not.toContain(signing.name);
    await pause(300);
    expect(mailsTo(signing.email)).toEqual([]);

    workers();
    await smtp.waitFor((m) => m.envelope.to.includes(signing.email));
    await eventually(async () => (await rowOf(signing.dedupeKey)).relayedAt !== null, 5000, 'the row to be marked relayed');
  });

  redisOnly('loses nothing while the relay cannot reach Redis, and a healthy relay then sends each email exactly once', async () => {
    const signings = [await sign(), await sign(), await sign()];
    // A relay and a worker of the same deployment (same prefix) whose Redis is unreachable.
    const broken = createPlatform(testConfig({ REDIS_URL: UNREACHABLE_REDIS, QUEUE_PREFIX: api.platform.config.QUEUE_PREFIX, SMTP_URL: smtp.url }), 'broken');
    platforms.push(broken);
    const brokenWorkers = startWorkers(broken, { relay: true, email: true, letters: false });
    await pause(1500);
    for (const signing of signings) expect((await rowOf(signing.dedupeKey)).relayedAt).toBeNull();
    expect(smtp.messages).toEqual([]);

    // The broken relay must neither block the healthy one nor keep its process from stopping.
    const healthy = workers();
    for (const signing of signings) await smtp.waitFor((m) => m.envelope.to.includes(signing.email), 5000);
    await eventually(
      async () => {
        const rows = await Promise.all(signings.map((s) => rowOf(s.dedupeKey)));
        return rows.every((row) => row.relayedAt !== null);
      },
      5000,
      'every row to be marked relayed',
    );

    const stopping = Date.now();
    await brokenWorkers.stop();
    expect(Date.now() - stopping).toBeLessThan(5000);

    // Relaying a row again (as after a crash between adding the job and marking the row) sends nothing more.
    await api.platform.db.outboxEvent.updateMany({ where: { dedupeKey: { in: signings.map((s) => s.dedupeKey) } }, data: { relayedAt: null } });
    await eventually(async () => (await api.platform.db.outboxEvent.count({ where: { relayedAt: null } })) === 0, 5000, 'the rows to be relayed again');
    await pause(500);
    for (const signing of signings) expect(mailsTo(signing.email)).toHaveLength(1);
    expect(smtp.messages).toHaveLength(3);
    await healthy.stop();
  });
});

describe('sending the confirmation email', () => {
  it('retries after a temporary SMTP failure (451) and the email arrives', async () => {
    workers();
    smtp.respondWith([{ code: 451, message: 'Try again later' }]);
    const signing = await sign();
    await smtp.waitFor((m) => m.envelope.to.includes(signing.email), 5000);
    expect(smtp.rejected).toBe(1);
    expect(mailsTo(signing.email)).toHaveLength(1);
    const job = await eventually(
      async () => {
        if ((await queue.getJobState(signing.dedupeKey)) !== 'completed') return undefined;
        return queue.getJob(signing.dedupeKey);
      },
      5000,
      'the job to complete',
    );
    expect(job.attemptsMade).toBeGreaterThanOrEqual(1);
  });

  it('does not retry after a permanent SMTP failure (550)', async () => {
    workers();
    smtp.respondWith([{ code: 550, message: 'No such user here' }]);
    const signing = await sign();
    const job = await eventually(
      async () => {
        // The state first, then the job: a job read before it moved to failed would show the old attempt count.
        if ((await queue.getJobState(signing.dedupeKey)) !== 'failed') return undefined;
        return queue.getJob(signing.dedupeKey);
      },
      5000,
      'the job to fail',
    );
    expect(job.attemptsMade).toBe(1);
    expect(smtp.rejected).toBe(1);
    // Well past the first retry delays: still one attempt, no email, the job still failed.
    await pause(Number(RETRY_BASE_MS) * 8);
    expect(smtp.rejected).toBe(1);
    expect(mailsTo(signing.email)).toEqual([]);
    expect(await queue.getJobState(signing.dedupeKey)).toBe('failed');
    // The failure reason names the SMTP answer but not the address.
    expect(job.failedReason).toContain('SMTP 550');
    expect(job.failedReason).not.toContain(signing.email);
  });
});
