/**
 * Issue #19: with QUEUE_BACKEND=postgres the queues (BullMQ's PostgreSQL backend, schema `bullmq`),
 * the outbox relay, the workers and everything else Redis held run on PostgreSQL alone. REDIS_URL
 * points at a port nobody listens on: anything that still used Redis would fail here.
 *
 * One stack for the whole file: on PostgreSQL the queues' namespace is the database (this file's
 * clone), not QUEUE_PREFIX, so two stacks in one file would share queues.
 */
import type { Queue } from 'bullmq';
import { KAZAKHSTAN_CONSENT_WORDING_ID, KAZAKHSTAN_SLUG, seedKazakhstanCampaign } from '../../../src/modules/campaigns';
import { seedDefaultTemplate, seedTargets } from '../../../src/modules/letters';
import { createQueues, closeQueues } from '../../../src/platform/queue-factory';
import type { QueuesByName } from '../../../src/platform/outbox';
import { QUEUES } from '../../../src/platform/queues';
import { createCampaign, signingBody, type TestCampaign } from '../../support/fixtures';
import { eventually, postJson, startTestApi, startTestStack, type TestApi, type TestStack } from '../../support/harness';
import { confirmByEmail, sign as signForLetters } from '../../support/letters';
import type { SmtpRecorder } from '../../support/smtp-recorder';

const RETRY_BASE_MS = '200';
const NOBODY_LISTENS = 'redis://127.0.0.1:1';
const OWNER_TOKEN = 'owner-token-for-the-postgres-queues-test-0123456789';

let stack: TestStack;
let smtp: SmtpRecorder;
let api: TestApi;
let campaign: TestCampaign;
let queues: QueuesByName;
let email: Queue;
let letters: Queue;

beforeAll(async () => {
  stack = await startTestStack({
    QUEUE_BACKEND: 'postgres',
    REDIS_URL: NOBODY_LISTENS,
    RATE_LIMIT_ENABLED: 'true',
    RATE_LIMIT_IP_PER_MINUTE: '1000',
    EMAIL_RETRY_BASE_MS: RETRY_BASE_MS,
    LETTERS_HOURLY_CAP: '30',
    ADMIN_API_TOKEN: OWNER_TOKEN,
  });
  ({ smtp, api } = stack);
  campaign = await createCampaign(api.platform.db);
  queues = createQueues(api.platform.queueBackend, api.platform.config);
  email = queues[QUEUES.email];
  letters = queues[QUEUES.letters];
}, 60_000);

afterAll(async () => {
  await closeQueues(queues);
  await stack?.stop();
});

beforeEach(() => smtp.clear());

async function sign(overrides: Record<string, unknown> = {}, ip = '203.0.113.7') {
  const body = signingBody(campaign, overrides);
  const answer = await postJson(`${api.url}/api/campaigns/${campaign.slug}/signatures`, body, { 'x-forwarded-for': ip });
  return { body, answer };
}

/** The outbox key (and job id) of the newest signing's confirmation: tests here sign one at a time. */
async function newestConfirmationKey(): Promise<string> {
  const signature = await api.platform.db.signature.findFirstOrThrow({
    where: { campaignId: campaign.id },
    orderBy: { createdAt: 'desc' },
    select: { attempts: { select: { id: true } } },
  });
  return `confirm-${signature.attempts[0]!.id}`;
}

/** The job's state first, then the job: a Job read before it moved state shows stale fields. */
async function jobOnceIn(queue: Queue, jobId: string, state: 'completed' | 'failed') {
  return eventually(async () => ((await queue.getJobState(jobId)) === state ? queue.getJob(jobId) : undefined), 15_000, `job ${jobId} ${state}`);
}

describe('QUEUE_BACKEND=postgres', () => {
  it('opens no Redis client, and /readyz checks PostgreSQL and the queues in it', async () => {
    expect(() => api.platform.redis).toThrow(/QUEUE_BACKEND=postgres/);
    const ready = await fetch(`${api.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { postgres: 'ok', queues: 'ok' } });
  });

  it('sends the confirmation email of a signing through the outbox relay and the email worker, and marks the outbox row completed', async () => {
    const { body, answer } = await sign();
    expect(answer.status).toBe(202);
    await smtp.waitFor((m) => m.envelope.to.includes(body.email), 15_000);
    const dedupeKey = await newestConfirmationKey();
    await jobOnceIn(email, dedupeKey, 'completed');
    await eventually(
      async () => (await api.platform.db.outboxEvent.findUniqueOrThrow({ where: { dedupeKey } })).completedAt !== null,
      10_000,
      'the outbox row completed',
    );
    // The job sits in BullMQ's own schema, which Prisma's tables never mix with.
    const [row] = await api.platform.db.$queryRaw<Array<{ n: bigint }>>`SELECT count(*) AS n FROM bullmq.job WHERE queue = 'email' AND id = ${dedupeKey}`;
    expect(Number(row!.n)).toBe(1);
  });

  it('retries a confirmation after a temporary SMTP failure (451), and the email arrives', async () => {
    smtp.respondWith([{ code: 451, message: 'Try again later' }]);
    const { body } = await sign();
    await smtp.waitFor((m) => m.envelope.to.includes(body.email), 15_000);
    expect(smtp.rejected).toBe(1);
    const job = await jobOnceIn(email, await newestConfirmationKey(), 'completed');
    expect(job.attemptsMade).toBeGreaterThanOrEqual(1);
  });

  it('does not retry after a permanent SMTP failure (550)', async () => {
    smtp.respondWith([{ code: 550, message: 'No such user here' }]);
    const { body } = await sign();
    const dedupeKey = await newestConfirmationKey();
    const job = await jobOnceIn(email, dedupeKey, 'failed');
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toContain('SMTP 550');
    // Well past several retry delays: still one attempt, no email, still failed.
    await new Promise((resolve) => setTimeout(resolve, Number(RETRY_BASE_MS) * 8));
    expect(smtp.rejected).toBe(1);
    expect(smtp.messages.filter((m) => m.envelope.to.includes(body.email))).toEqual([]);
    expect(await email.getJobState(dedupeKey)).toBe('failed');
  });

  it('limits signings per source network with the counters in PostgreSQL', async () => {
    const before = await api.platform.db.sharedValue.count();
    const limited = await startLimitedApi({ RATE_LIMIT_IP_PER_MINUTE: '2' });
    try {
      const ip = '198.51.100.23';
      const answers = [];
      for (let i = 0; i < 3; i++)
        answers.push(await postJson(`${limited.url}/api/campaigns/${campaign.slug}/signatures`, signingBody(campaign), { 'x-forwarded-for': ip }));
      expect(answers.map((a) => a.status)).toEqual([202, 202, 429]);
      expect(answers[2]!.headers.get('content-type')).toContain('application/problem+json');
      expect(Number(answers[2]!.headers.get('retry-after'))).toBeGreaterThan(0);
      // Counted in shared_values under the API's prefix, by keyed hash: no raw address.
      const keys = await limited.platform.db.sharedValue.findMany({ where: { key: { startsWith: `${limited.platform.config.QUEUE_PREFIX}:rl:` } } });
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.some((k) => k.key.includes(ip))).toBe(false);
      expect(keys.find((k) => k.key.includes(':rl:ip-minute:'))?.value).toBe(3n);
      expect(await api.platform.db.sharedValue.count()).toBeGreaterThan(before);
    } finally {
      await limited.close();
    }
  });

  it('paces letters per delegation: no more than the cap, the rest delayed to later slots', async () => {
    const kazakhstan = await seedKazakhstanCampaign(api.platform.db);
    await seedDefaultTemplate(api.platform.db, kazakhstan);
    await seedTargets(api.platform.db);
    const pakistan = await api.platform.db.target.update({ where: { iso2: 'PK' }, data: { hourlyCap: 2 } });
    for (let i = 0; i < 3; i++) {
      const writer = await signForLetters(api, KAZAKHSTAN_SLUG, KAZAKHSTAN_CONSENT_WORDING_ID);
      const actionToken = await confirmByEmail(api, smtp, writer.email);
      const answer = await postJson(`${api.url}/api/campaigns/${KAZAKHSTAN_SLUG}/letters`, { actionToken, targets: { countries: ['PK'] } });
      expect(answer.status).toBe(202);
    }
    const toPakistan = () => smtp.messages.filter((m) => m.envelope.to.includes('mission.pk@delegations.example.org'));
    await eventually(() => toPakistan().length === 1, 15_000, 'the first letter to Pakistan');
    const delayed = await eventually(
      async () => {
        const jobs = (await letters.getJobs(['delayed'])).filter((job) => job.name === 'letters.send.letter' && typeof job.data.slotAt === 'number');
        return jobs.length === 2 ? jobs : null;
      },
      15_000,
      'two letters waiting for their slots',
    );
    const slots = delayed.map((job) => job.data.slotAt as number).sort((a, b) => a - b);
    const minimumGap = 3_600_000 / 2;
    expect(slots[0]! - Date.now()).toBeGreaterThan(minimumGap - 60_000);
    expect(slots[1]! - slots[0]!).toBeGreaterThanOrEqual(minimumGap);
    expect(toPakistan()).toHaveLength(1);
    expect(await api.platform.db.letter.count({ where: { targetId: pakistan.id, status: 'queued' } })).toBe(2);
    // The slot is held in shared_values, not in Redis.
    const slot = await api.platform.db.sharedValue.findUnique({ where: { key: `${api.platform.config.QUEUE_PREFIX}:letters:pace:${pakistan.id}` } });
    expect(Number(slot?.value)).toBeGreaterThanOrEqual(slots[1]!);
  });

  it("shows the queues and their jobs on the owners' queue board", async () => {
    const board = await fetch(`${api.url}/admin/queues/api/queues?activeQueue=email&status=completed&page=1`, {
      headers: { accept: 'application/json', authorization: `Bearer ${OWNER_TOKEN}` },
    });
    expect(board.status).toBe(200);
    const { queues: shown } = (await board.json()) as {
      queues: Array<{ name: string; counts: Record<string, number>; jobs: Array<{ id: string; name: string }> }>;
    };
    expect(shown.map((q) => q.name).sort()).toEqual(['email', 'letters', 'mailings', 'webhooks']);
    const emailQueue = shown.find((q) => q.name === 'email')!;
    expect(emailQueue.counts.completed).toBeGreaterThan(0);
    expect(emailQueue.jobs.length).toBeGreaterThan(0);
    expect(emailQueue.jobs.every((job) => job.name === 'supporters.send.confirmation')).toBe(true);
  });

  it('reports queue counts in /metrics from the PostgreSQL backend', async () => {
    const text = await (await fetch(`${api.url}/metrics`)).text();
    expect(text).toMatch(/clarion_queue_jobs\{queue="email",state="completed"\} [1-9]/);
  });
});

/** A second API (no workers) on the same database and backend, with its own limits. */
async function startLimitedApi(overrides: Record<string, string>): Promise<TestApi> {
  return startTestApi({ QUEUE_BACKEND: 'postgres', REDIS_URL: NOBODY_LISTENS, RATE_LIMIT_ENABLED: 'true', ...overrides });
}
