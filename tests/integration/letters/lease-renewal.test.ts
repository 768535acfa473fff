// @queue-backends both: npm test runs this file on Redis and on PostgreSQL queues (scripts/test.mjs).
import type { Queue } from 'bullmq';
import { KAZAKHSTAN_CONSENT_WORDING_ID, KAZAKHSTAN_SLUG, seedKazakhstanCampaign } from '../../../src/modules/campaigns';
import { seedDefaultTemplate, seedTargets, sweepLetters } from '../../../src/modules/letters';
import { createQueues } from '../../../src/platform/queue-factory';
import { QUEUES } from '../../../src/platform/queues';
import { eventually, postJson, type TestApi, startTestStack, type TestStack } from '../../support/harness';
import { approveByEmail, confirmByEmail, lettersTo, sign } from '../../support/letters';
import type { SmtpRecorder } from '../../support/smtp-recorder';

/**
 * A send slower than the lease, by a worker that is alive: the worker keeps its claim, so the
 * sweeper (or another job) does not take the letter back and the delegation gets it once. Before
 * the lease was renewed, a loaded machine's slow SMTP answers made the worker-crash test see
 * letters sent twice that no dead worker had held.
 */
const LEASE_SECONDS = 5;
let smtp: SmtpRecorder;
let api: TestApi;
let stack: TestStack;
let lettersQueue: Queue;

beforeAll(async () => {
  stack = await startTestStack({ RATE_LIMIT_ENABLED: 'false', LETTERS_CAP_DISABLED: 'true', LETTERS_SEND_LEASE_SECONDS: String(LEASE_SECONDS) });
  ({ smtp, api } = stack);
  const campaignId = await seedKazakhstanCampaign(api.platform.db);
  await seedDefaultTemplate(api.platform.db, campaignId);
  await seedTargets(api.platform.db);
  lettersQueue = createQueues(api.platform.queueBackend, api.platform.config)[QUEUES.letters];
});

afterAll(async () => {
  await lettersQueue.close();
  await stack.stop();
});

it('keeps the claim of a letter whose SMTP answer takes longer than the lease, so it is sent once', async () => {
  const { email, actionToken } = await sign(api, KAZAKHSTAN_SLUG, KAZAKHSTAN_CONSENT_WORDING_ID);
  const answer = await postJson(`${api.url}/api/campaigns/${KAZAKHSTAN_SLUG}/letters`, { actionToken, targets: { countries: ['AL'] } });
  expect(answer.status).toBe(202);
  await confirmByEmail(api, smtp, email);

  // The recorder keeps each message on receipt and answers it only after twice the lease.
  smtp.setAcceptDelay(2 * LEASE_SECONDS * 1000);
  try {
    await approveByEmail(api, smtp, email);
    await eventually(() => lettersTo(smtp, email).length === 1, 15_000, 'the letter received, its answer still pending');
    await new Promise((resolve) => setTimeout(resolve, (LEASE_SECONDS + 1) * 1000));
    const letter = await api.platform.db.letter.findFirstOrThrow({ select: { status: true, sendingAt: true } });
    expect(letter.status).toBe('sending');
    expect(Date.now() - letter.sendingAt!.getTime()).toBeLessThan(LEASE_SECONDS * 1000);

    expect(await sweepLetters(api.platform, lettersQueue)).toEqual({ leasesExpired: 0, jobsRestored: 0 });
    await eventually(async () => (await api.platform.db.letter.count({ where: { status: 'sent' } })) === 1, 20_000, 'the letter sent');
  } finally {
    smtp.setAcceptDelay(0);
  }
  // Long enough for a second send, had the claim been lost, to reach the recorder.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  expect(lettersTo(smtp, email)).toHaveLength(1);
}, 60_000);
