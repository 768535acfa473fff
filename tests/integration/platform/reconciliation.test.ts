// @queue-backends both: npm test runs this file on Redis and on PostgreSQL queues (scripts/test.mjs).
/**
 * Issue 13: PostgreSQL is the source of truth. Whatever Redis loses, the reconciliation pass
 * (src/platform/reconcile.ts) re-drives every job the outbox says is owed, once; work already
 * done is not redone. "Redis loses" is simulated by deleting every key of this file's prefix,
 * which is what a restart without persistence does to the deployment.
 */
import { seedKazakhstanCampaign, KAZAKHSTAN_CONSENT_WORDING_ID, KAZAKHSTAN_SLUG } from '../../../src/modules/campaigns';
import { seedDefaultTemplate, seedTargets } from '../../../src/modules/letters';
import type { RunningWorkers, WorkerParts } from '../../../src/worker-runtime';
import { eventually, postJson, startTestApi, startTestWorkers, type TestApi } from '../../support/harness';
import { approveByEmail, lettersTo, sign } from '../../support/letters';
import { forgetQueuedJobs } from '../../support/redis-flush';
import { SmtpRecorder } from '../../support/smtp-recorder';

let smtp: SmtpRecorder;
let api: TestApi;
const running: RunningWorkers[] = [];

beforeAll(async () => {
  smtp = await SmtpRecorder.start();
  api = await startTestApi({
    SMTP_URL: smtp.url,
    RATE_LIMIT_ENABLED: 'false',
    LETTERS_CAP_DISABLED: 'true',
    OUTBOX_RECONCILE_INTERVAL_MS: '200',
    OUTBOX_RECONCILE_AFTER_SECONDS: '1',
    LOG_LEVEL: 'warn',
  });
  const campaignId = await seedKazakhstanCampaign(api.platform.db);
  await seedDefaultTemplate(api.platform.db, campaignId);
  await seedTargets(api.platform.db);
}, 60_000);

afterEach(async () => {
  for (const workers of running.splice(0)) await workers.stop();
});

afterAll(async () => {
  await api.close();
  await smtp.stop();
});

function workers(parts: WorkerParts): RunningWorkers {
  const started = startTestWorkers(api, parts);
  running.push(started);
  return started;
}

const forgetEverything = () => forgetQueuedJobs(api.platform);
const rowOf = (dedupeKey: string) => api.platform.db.outboxEvent.findUniqueOrThrow({ where: { dedupeKey } });
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const confirmationsTo = (email: string) => smtp.messages.filter((m) => m.envelope.to.includes(email) && m.subject.includes('Please confirm'));

/** The newest signing attempt: each test signs once before asking. */
async function latestAttemptId() {
  const attempt = await api.platform.db.signingAttempt.findFirstOrThrow({ orderBy: { createdAt: 'desc' }, select: { id: true } });
  return attempt.id;
}

describe('the reconciliation pass', () => {
  it('sends, once, a confirmation email whose job Redis lost, and does not send it again once done', async () => {
    const relay = workers({ relay: true, email: false, letters: false });
    const supporter = await sign(api, KAZAKHSTAN_SLUG, KAZAKHSTAN_CONSENT_WORDING_ID);
    const dedupeKey = `confirm-${await latestAttemptId()}`;
    await eventually(async () => (await rowOf(dedupeKey)).relayedAt !== null, 5000, 'the email job to be relayed');
    expect(await forgetEverything()).toBeGreaterThan(0);

    workers({ relay: false, email: true, letters: false });
    await pause(500);
    expect(confirmationsTo(supporter.email)).toEqual([]); // the job is really gone
    await smtp.waitFor((m) => m.envelope.to.includes(supporter.email), 10_000);
    await eventually(async () => (await rowOf(dedupeKey)).completedAt !== null, 5000, 'the row to be completed');

    // Done work survives another loss of Redis: the row is completed, nothing is re-driven.
    await forgetEverything();
    await pause(2500);
    expect(confirmationsTo(supporter.email)).toHaveLength(1);
    await relay.stop();
  }, 30_000);

  it('sends, once, the approval email and then the approved letters whose jobs Redis lost', async () => {
    // The relay runs alone: each job reaches Redis, and is lost there before any worker takes it.
    workers({ relay: true, email: false, letters: false });
    const supporter = await sign(api, KAZAKHSTAN_SLUG, KAZAKHSTAN_CONSENT_WORDING_ID);
    const answer = await postJson(`${api.url}/api/campaigns/${KAZAKHSTAN_SLUG}/letters`, {
      actionToken: supporter.actionToken,
      targets: { countries: ['KZ', 'BR'] },
    });
    expect(answer.json).toMatchObject({ recorded: 2, status: 'waiting_for_confirmation' });
    const approval = await eventually(
      async () => {
        const row = await api.platform.db.outboxEvent.findFirst({ where: { jobName: 'letters.send.approval' }, orderBy: { createdAt: 'desc' } });
        return row?.relayedAt ? row : undefined;
      },
      5000,
      'the approval email job to be relayed',
    );
    await forgetEverything();

    workers({ relay: false, email: true, letters: false });
    await approveByEmail(api, smtp, supporter.email);
    await eventually(async () => (await rowOf(approval.dedupeKey)).completedAt !== null, 5000, 'the approval row to be completed');
    const attemptId = await latestAttemptId();
    expect(await api.platform.db.letter.count({ where: { attemptId, status: 'queued' } })).toBe(2);
    const letterIds = (await api.platform.db.letter.findMany({ where: { attemptId }, select: { id: true } })).map((l) => l.id);
    await eventually(
      async () => {
        const rows = await api.platform.db.outboxEvent.findMany({ where: { jobName: 'letters.send.letter' } });
        return rows.filter((r) => letterIds.includes((r.payload as { letterId: string }).letterId) && r.relayedAt).length === 2;
      },
      5000,
      'both delivery jobs to be relayed',
    );
    await forgetEverything();

    workers({ relay: false, email: false, letters: true });
    await eventually(() => lettersTo(smtp, supporter.email).length === 2, 15_000, 'both letters at the server');
    // The server holds a letter a moment before its row says so: wait for the mark, not the bytes.
    await eventually(async () => (await api.platform.db.letter.count({ where: { attemptId, status: 'sent' } })) === 2, 5000, 'both letters marked sent');

    await forgetEverything();
    await pause(2500);
    expect(lettersTo(smtp, supporter.email)).toHaveLength(2);
    expect(smtp.messages.filter((m) => m.envelope.to.includes(supporter.email) && m.subject.includes('approve your letters'))).toHaveLength(1);
  }, 40_000);

  it('marks done, without redoing it, a job BullMQ completed whose completion mark was lost', async () => {
    workers({ relay: true, email: true, letters: false });
    const supporter = await sign(api, KAZAKHSTAN_SLUG, KAZAKHSTAN_CONSENT_WORDING_ID);
    const dedupeKey = `confirm-${await latestAttemptId()}`;
    await smtp.waitFor((m) => m.envelope.to.includes(supporter.email));
    await eventually(async () => (await rowOf(dedupeKey)).completedAt !== null, 5000, 'the row to be completed');
    // As if PostgreSQL had been unreachable when the job ended.
    await api.platform.db.outboxEvent.update({ where: { dedupeKey }, data: { completedAt: null, checkAt: new Date(Date.now() - 1000) } });
    await eventually(async () => (await rowOf(dedupeKey)).completedAt !== null, 5000, 'the reconciliation to mark the row');
    await pause(500);
    expect(confirmationsTo(supporter.email)).toHaveLength(1);
  }, 30_000);
});
