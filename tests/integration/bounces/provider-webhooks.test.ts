import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KAZAKHSTAN_CONSENT_WORDING_ID, KAZAKHSTAN_SLUG, seedKazakhstanCampaign } from '../../../src/modules/campaigns';
import { providerWebhooksRouter } from '../../../src/modules/bounces';
import { seedTargets } from '../../../src/modules/letters';
import { createHttpApp } from '../../../src/platform/http/app';
import { returnPathFor } from '../../../src/platform/return-path';
import { postJson, type TestApi, startTestStack, type TestStack } from '../../support/harness';
import { sign } from '../../support/letters';
import { type FakeSnsSide, mailgunCall, sesEvent, snsMessage, startFakeSnsSide } from '../../support/providers';

/**
 * Provider webhooks through the real app assembly (middleware, problem answers) and a real https
 * server that plays SNS's side: it serves the signing certificate and the subscription URL.
 */
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:clarion-ses';
const MAILGUN_KEY = 'mailgun-signing-key-for-tests-0123456789';
let stack: TestStack;
let api: TestApi;
let sns: FakeSnsSide;
let server: Server;
let url: string;

beforeAll(async () => {
  stack = await startTestStack({
    RATE_LIMIT_ENABLED: 'false',
    SES_SNS_TOPIC_ARNS: TOPIC,
    MAILGUN_WEBHOOK_SIGNING_KEY: MAILGUN_KEY,
    BOUNCE_DOMAIN: 'bounces.clarion.test',
  });
  ({ api } = stack);
  await seedKazakhstanCampaign(api.platform.db);
  await seedTargets(api.platform.db);
  sns = await startFakeSnsSide();
  const hostPattern = new RegExp(`^${sns.host.replace(/\./g, '\\.')}$`);
  server = createHttpApp(api.platform, [providerWebhooksRouter(api.platform, { snsHostPattern: hostPattern })]).listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await sns.close();
  await stack.stop();
});

const postSns = (body: unknown) =>
  fetch(`${url}/api/webhooks/ses`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain; charset=UTF-8' },
    body: JSON.stringify(body),
  });
const postMailgun = (body: unknown) => postJson(`${url}/api/webhooks/mailgun`, body);

async function delegation(iso2: string) {
  const target = await api.platform.db.target.findUniqueOrThrow({ where: { iso2 }, include: { addresses: true } });
  return { returnPath: returnPathFor(api.platform.returnPaths, { kind: 'target', id: target.id }), address: target.addresses[0]! };
}
const healthOf = async (addressId: string) => (await api.platform.db.targetAddress.findUniqueOrThrow({ where: { id: addressId } })).health;
const reportCount = async () => Number((await api.platform.db.$queryRaw<Array<{ n: bigint }>>`SELECT count(*) AS n FROM delivery_reports`)[0]!.n);

async function supporter() {
  const { email } = await sign(api, KAZAKHSTAN_SLUG, KAZAKHSTAN_CONSENT_WORDING_ID);
  const row = await api.platform.db.$queryRaw<Array<{ id: string }>>`SELECT id::text AS id FROM supporters ORDER BY created_at DESC LIMIT 1`;
  return { email, returnPath: returnPathFor(api.platform.returnPaths, { kind: 'supporter', id: row[0]!.id }) };
}
const suppressionReasons = async () => (await api.platform.db.$queryRaw<Array<{ reason: string }>>`SELECT reason FROM mail_suppressions`).map((r) => r.reason);

async function expectProblem(answer: Response, status: number) {
  expect(answer.status).toBe(status);
  expect(answer.headers.get('content-type')).toContain('application/problem+json');
}

describe('Amazon SES through SNS', () => {
  it('a signed permanent bounce marks the delegation address bounced; the same message again is a duplicate that changes nothing', async () => {
    const { returnPath, address } = await delegation('JP');
    const message = snsMessage(sns, { Type: 'Notification', TopicArn: TOPIC, Message: sesEvent('Bounce', { source: returnPath, recipient: address.email }) });
    const answer = await postSns(message);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ status: 'recorded', recorded: 1 });
    expect(await healthOf(address.id)).toBe('bounced');
    const reports = await reportCount();

    const again = await postSns(message);
    expect(await again.json()).toEqual({ status: 'duplicate', recorded: 0 });
    expect(await reportCount()).toBe(reports);
  });

  it('refuses a tampered message, a bad signature, an unknown topic and a stale message, and records nothing', async () => {
    const { returnPath, address } = await delegation('KR');
    const genuine = snsMessage(sns, { Type: 'Notification', TopicArn: TOPIC, Message: sesEvent('Bounce', { source: returnPath, recipient: address.email }) });
    const before = await reportCount();

    await expectProblem(await postSns({ ...genuine, Message: genuine.Message.replace('Permanent', 'Transient') }), 401);
    await expectProblem(await postSns({ ...genuine, Signature: Buffer.from('not a signature').toString('base64') }), 401);
    const otherTopic = snsMessage(sns, { Type: 'Notification', TopicArn: `${TOPIC}-other`, Message: genuine.Message });
    await expectProblem(await postSns(otherTopic), 403);
    const stale = snsMessage(sns, {
      Type: 'Notification',
      TopicArn: TOPIC,
      Message: genuine.Message,
      Timestamp: new Date(Date.now() - 2 * 3600_000).toISOString(),
    });
    await expectProblem(await postSns(stale), 401);
    const elsewhere = { ...genuine, SigningCertURL: 'https://example.org/cert.pem' };
    await expectProblem(await postSns(elsewhere), 401);
    await expectProblem(await postSns('not json'), 400);
    await expectProblem(await postSns({ Type: 'Notification' }), 400);

    expect(await reportCount()).toBe(before);
    expect(await healthOf(address.id)).toBe('active');
  });

  it('confirms a signed subscription by a GET of its SubscribeURL, and never fetches a URL outside SNS', async () => {
    const confirmation = snsMessage(sns, {
      Type: 'SubscriptionConfirmation',
      TopicArn: TOPIC,
      Message: 'You have chosen to subscribe',
      Token: 'tok-1',
      SubscribeURL: sns.subscribeUrl('tok-1'),
    });
    const answer = await postSns(confirmation);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ status: 'subscribed', recorded: 0 });
    expect(sns.requests).toContain('/subscribe?Token=tok-1');

    const seen = sns.requests.length;
    const ssrf = snsMessage(sns, {
      Type: 'SubscriptionConfirmation',
      TopicArn: TOPIC,
      Message: 'x',
      Token: 'tok-2',
      SubscribeURL: 'https://169.254.169.254/latest/meta-data',
    });
    await expectProblem(await postSns(ssrf), 503);
    expect(sns.requests.length).toBe(seen);
  });

  it('a complaint about a supporter email suppresses the address', async () => {
    const { email, returnPath } = await supporter();
    const answer = await postSns(
      snsMessage(sns, { Type: 'Notification', TopicArn: TOPIC, Message: sesEvent('Complaint', { source: returnPath, recipient: email }) }),
    );
    expect(await answer.json()).toEqual({ status: 'recorded', recorded: 1 });
    expect(await suppressionReasons()).toContain('complaint');
  });

  it('a signed notification about mail that is not ours is taken and ignored', async () => {
    const answer = await postSns(
      snsMessage(sns, {
        Type: 'Notification',
        TopicArn: TOPIC,
        Message: sesEvent('Bounce', { source: 'someone@elsewhere.example', recipient: 'x@y.example' }),
      }),
    );
    expect(await answer.json()).toEqual({ status: 'ignored', recorded: 0 });
  });
});

describe('Mailgun', () => {
  it('a signed permanent failure suppresses the supporter; the same token again (even with another body) does nothing', async () => {
    const { email, returnPath } = await supporter();
    const call = mailgunCall(MAILGUN_KEY, { event: 'failed', severity: 'permanent', recipient: email, envelope: { sender: returnPath } });
    const answer = await postMailgun(call);
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ status: 'recorded', recorded: 1 });
    const suppressed = (await suppressionReasons()).filter((r) => r === 'bounced').length;
    expect(suppressed).toBeGreaterThanOrEqual(1);

    const { address, returnPath: delegationPath } = await delegation('MX');
    const replayed = { ...call, 'event-data': { ...call['event-data'], recipient: address.email, envelope: { sender: delegationPath } } };
    const replay = await postMailgun(replayed);
    expect(replay.json).toEqual({ status: 'duplicate', recorded: 0 });
    expect(await healthOf(address.id)).toBe('active');
  });

  it('refuses a wrong signature and a stale timestamp; an unknown event is ignored', async () => {
    const { address, returnPath } = await delegation('QA');
    const event = { event: 'failed', severity: 'permanent', recipient: address.email, envelope: { sender: returnPath } };
    const wrongKey = mailgunCall('another-key-0123456789abcdef', event);
    const wrong = await postMailgun(wrongKey);
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('content-type')).toContain('application/problem+json');
    const stale = await postMailgun(mailgunCall(MAILGUN_KEY, event, { timestamp: Math.floor(Date.now() / 1000) - 7200 }));
    expect(stale.status).toBe(401);
    const unsigned = await postMailgun({ 'event-data': event });
    expect(unsigned.status).toBe(400);
    expect(await healthOf(address.id)).toBe('active');

    const delivered = await postMailgun(mailgunCall(MAILGUN_KEY, { ...event, event: 'delivered' }));
    expect(delivered.json).toEqual({ status: 'ignored', recorded: 0 });
    expect(await healthOf(address.id)).toBe('active');
  });
});
