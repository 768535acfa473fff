import { confirmAttempt } from '../../../src/modules/supporters';
import { call, logIn, makeAccount, makeToken } from '../../support/admin';
import { createCampaign, signingBody, type TestCampaign } from '../../support/fixtures';
import { eventually, postJson, startTestStack, type TestStack } from '../../support/harness';
import { WebhookReceiver } from '../../support/webhook-receiver';

/**
 * A delivery that may carry personal data holds its supporter's lock, and a database connection,
 * for its request: a worker allows half its pool of such sends at once (webhooks.jobs.ts). With a
 * pool of four that is two, and one endpoint may hold only one of them: a hanging endpoint with
 * personal data must leave the other to a live one. (Before, the hanging one's jobs took both for
 * a timeout each, again and again, and live deliveries nearly stopped.)
 */
let stack: TestStack;
let campaign: TestCampaign;
let auth: Record<string, string>;
const receivers: WebhookReceiver[] = [];

beforeAll(async () => {
  stack = await startTestStack({
    RATE_LIMIT_ENABLED: 'false',
    WEBHOOKS_ALLOW_PRIVATE_HOSTS: '127.0.0.1',
    WEBHOOKS_RETRY_BASE_MS: '100',
    WEBHOOKS_TIMEOUT_MS: '20000',
    WEBHOOKS_CONCURRENCY: '8',
    WEBHOOKS_PER_ENDPOINT_IN_FLIGHT: '4',
    DATABASE_POOL_SIZE: '4',
  });
  campaign = await createCampaign(stack.api.platform.db);
  const owner = await makeAccount(stack.api.platform.db, 'owner');
  const { token } = await makeToken(stack.api.url, await logIn(stack.api.url, owner.email, owner.password), 'owner');
  auth = { authorization: `Bearer ${token}` };
});

afterAll(async () => {
  for (const receiver of receivers) await receiver.stop();
  await stack.stop();
});

async function endpointFor(receiver: WebhookReceiver): Promise<void> {
  receivers.push(receiver);
  const answer = await call(stack.api.url, 'POST', '/api/admin/webhooks', {
    headers: auth,
    json: { url: receiver.url, events: ['signature.confirmed'], personalData: true },
  });
  expect(answer.status).toBe(201);
  receiver.secret = (answer.json as { secret: string }).secret;
}

async function confirmedSignature(): Promise<void> {
  expect((await postJson(`${stack.api.url}/api/campaigns/${campaign.slug}/signatures`, signingBody(campaign))).status).toBe(202);
  const attempt = await stack.api.platform.db.signingAttempt.findFirstOrThrow({
    where: { campaignId: campaign.id },
    orderBy: { createdAt: 'desc' },
    select: { id: true, signatureId: true },
  });
  await stack.api.platform.db.$transaction((tx) => confirmAttempt(tx, attempt.id, attempt.signatureId!));
}

describe('personal-data lock slots', () => {
  it('a hanging endpoint with personal data leaves a lock slot to a live one', async () => {
    const dead = await WebhookReceiver.start();
    dead.mode = 'hang';
    await endpointFor(dead);
    const live = await WebhookReceiver.start();
    await endpointFor(live);
    for (let i = 0; i < 8; i++) await confirmedSignature();
    // Each request to the dead one hangs for 20 s (WEBHOOKS_TIMEOUT_MS); the live one gets all eight meanwhile.
    await eventually(() => live.accepted.length === 8 || null, 15_000, 'the live endpoint has all eight');
    expect(live.accepted.every((w) => w.verified)).toBe(true);
    expect(dead.accepted).toHaveLength(0);
    // One lock slot per endpoint: never more than one request waited on the dead one at a time.
    expect(dead.seen.length).toBe(1);
  });
});
