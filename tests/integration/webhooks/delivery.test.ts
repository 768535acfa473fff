// @queue-backends both: npm test runs this file on Redis and on PostgreSQL queues (scripts/test.mjs).
import { Webhook } from 'standardwebhooks';
import { eraseSupporter } from '../../../src/modules/erasure';
import { confirmAttempt } from '../../../src/modules/supporters';
import { call, logIn, makeAccount, makeToken } from '../../support/admin';
import { createCampaign, signingBody, type TestCampaign } from '../../support/fixtures';
import { createQueues } from '../../../src/platform/queue-factory';
import { QUEUES } from '../../../src/platform/queues';
import { eventually, postJson, startTestStack, type TestStack } from '../../support/harness';
import { confirmByEmail } from '../../support/letters';
import { WebhookReceiver } from '../../support/webhook-receiver';

/** Short retries (100 ms doubling) so a receiver that comes back is reached within seconds. */
let stack: TestStack;
let campaign: TestCampaign;
let auth: Record<string, string>;
const receivers: WebhookReceiver[] = [];

beforeAll(async () => {
  stack = await startTestStack({
    RATE_LIMIT_ENABLED: 'false',
    WEBHOOKS_ALLOW_PRIVATE_HOSTS: '127.0.0.1',
    WEBHOOKS_RETRY_BASE_MS: '100',
    WEBHOOKS_MAX_ATTEMPTS: '12',
    WEBHOOKS_TIMEOUT_MS: '20000',
    WEBHOOKS_CONCURRENCY: '8',
    WEBHOOKS_PER_ENDPOINT_IN_FLIGHT: '2',
  });
  campaign = await createCampaign(stack.api.platform.db);
  const owner = await makeAccount(stack.api.platform.db, 'owner');
  const { token } = await makeToken(stack.api.url, await logIn(stack.api.url, owner.email, owner.password), 'owner');
  auth = { authorization: `Bearer ${token}` };
});

afterEach(async () => {
  // Hanging requests end first, so the workers are not left waiting on them.
  for (const receiver of receivers.splice(0)) await receiver.stop();
  // Disabled first: a worker recording an attempt holds the endpoint's row, and a delete then would conflict.
  await stack.api.platform.db.webhookEndpoint.updateMany({ data: { disabledAt: new Date(), disabledReason: 'owner' } });
  await eventually(async () => {
    try {
      await stack.api.platform.db.webhookEndpoint.deleteMany({});
      return true;
    } catch {
      return false;
    }
  });
});

afterAll(async () => {
  await stack.stop();
});

async function receiverWithEndpoint(options: { personalData?: boolean; events?: string[] } = {}) {
  const receiver = await WebhookReceiver.start();
  receivers.push(receiver);
  const answer = await call(stack.api.url, 'POST', '/api/admin/webhooks', {
    headers: auth,
    json: { url: receiver.url, events: options.events ?? ['signature.confirmed', 'supporter.erased'], personalData: options.personalData ?? true },
  });
  expect(answer.status).toBe(201);
  const created = answer.json as { id: string; secret: string };
  receiver.secret = created.secret;
  return { receiver, endpointId: created.id, secret: created.secret };
}

/** Signs with a fresh address; answers the address, the signature and its attempt. */
async function sign() {
  const body = signingBody(campaign);
  expect((await postJson(`${stack.api.url}/api/campaigns/${campaign.slug}/signatures`, body)).status).toBe(202);
  const attempt = await stack.api.platform.db.signingAttempt.findFirstOrThrow({
    where: { signature: { supporter: { signatures: { some: { campaignId: campaign.id } } } }, campaignId: campaign.id },
    orderBy: { createdAt: 'desc' },
    select: { id: true, signatureId: true, signature: { select: { supporterId: true } } },
  });
  return { email: body.email, name: body.name, attemptId: attempt.id, signatureId: attempt.signatureId!, supporterId: attempt.signature!.supporterId };
}

/** The list once it holds exactly `count` items (null before, so `eventually` waits). */
function exactly<T>(list: T[], count: number): T[] | null {
  return list.length === count ? list : null;
}

/** Confirms through the same use case the emailed link runs. */
async function confirm(signing: { attemptId: string; signatureId: string }) {
  await stack.api.platform.db.$transaction((tx) => confirmAttempt(tx, signing.attemptId, signing.signatureId));
}

describe('webhook endpoints', () => {
  it('registers an endpoint with a whsec_ secret shown once, and lists it without the secret', async () => {
    const answer = await call(stack.api.url, 'POST', '/api/admin/webhooks', {
      headers: auth,
      json: { url: 'http://127.0.0.1:9/hooks', events: ['signature.confirmed'], personalData: false },
    });
    expect(answer.status).toBe(201);
    const created = answer.json as { id: string; secret: string };
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(() => new Webhook(created.secret)).not.toThrow();
    const list = await call(stack.api.url, 'GET', '/api/admin/webhooks', { headers: auth });
    expect(list.status).toBe(200);
    expect(list.text).toContain(created.id);
    expect(list.text).not.toContain(created.secret.slice(6));
    const stored = await stack.api.platform.db.webhookEndpoint.findUniqueOrThrow({ where: { id: created.id } });
    expect(stored.secretEncrypted).not.toContain(created.secret.slice(6));
  });

  it.each([
    ['plain http', 'http://crm.example.org/hooks'],
    ['a private address', 'https://10.1.2.3/hooks'],
    ['link-local (cloud metadata)', 'https://169.254.169.254/latest'],
    ['IPv6 loopback', 'https://[::1]/hooks'],
    ['a local name', 'https://localhost/hooks'],
    ['credentials in the URL', 'https://user:pw@crm.example.org/hooks'],
  ])('refuses %s with a 400 problem and registers nothing', async (_what, url) => {
    const before = await stack.api.platform.db.webhookEndpoint.count();
    const answer = await call(stack.api.url, 'POST', '/api/admin/webhooks', {
      headers: auth,
      json: { url, events: ['signature.confirmed'], personalData: false },
    });
    expect(answer.status).toBe(400);
    expect(answer.headers.get('content-type')).toContain('application/problem+json');
    expect((answer.json as { errors: Array<{ field: string }> }).errors[0]!.field).toBe('url');
    expect(await stack.api.platform.db.webhookEndpoint.count()).toBe(before);
  });

  it('refuses a viewer or an editor', async () => {
    const editor = await makeAccount(stack.api.platform.db, 'editor');
    const session = await logIn(stack.api.url, editor.email, editor.password);
    const answer = await call(stack.api.url, 'POST', '/api/admin/webhooks', {
      headers: { cookie: session.cookie, 'x-csrf-token': session.csrfToken },
      json: { url: 'https://crm.example.org/hooks', events: ['signature.confirmed'], personalData: false },
    });
    expect(answer.status).toBe(403);
  });
});

describe('deliveries', () => {
  it('delivers signature.confirmed signed the Standard Webhooks way, with personal data only where allowed', async () => {
    const crm = await receiverWithEndpoint({ personalData: true });
    const anonymous = await receiverWithEndpoint({ personalData: false });
    const signing = await sign();
    await confirmByEmail(stack.api, stack.smtp, signing.email);

    const [full] = await eventually(() => exactly(crm.receiver.acceptedOfType('signature.confirmed'), 1));
    expect(full!.verified).toBe(true);
    expect(full!.headers['webhook-id']).toBeTruthy();
    expect(full!.headers['idempotency-key']).toBe(full!.headers['webhook-id']);
    const data = full!.payload!.data;
    expect(data.identifiers).toEqual([`clarion:${signing.signatureId}`]);
    expect(data.status).toBe('confirmed');
    expect(data.created_date).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(data._embedded['osdi:petition'].identifiers).toEqual([`clarion:${campaign.id}`]);
    expect(data._embedded['osdi:person'].identifiers).toEqual([`clarion:${signing.supporterId}`]);
    expect(data._embedded['osdi:person'].email_addresses[0].address).toBe(signing.email);
    expect(data._embedded['osdi:person'].given_name).toBe(signing.name);

    const [bare] = await eventually(() => exactly(anonymous.receiver.acceptedOfType('signature.confirmed'), 1));
    expect(bare!.id).toBe(full!.id); // the event's id, whichever endpoint
    expect(bare!.payload!.data._embedded['osdi:person']).toEqual({ identifiers: [`clarion:${signing.supporterId}`], origin_system: 'Clarion' });
    expect(bare!.body).not.toContain(signing.email);
    expect(bare!.body).not.toContain(signing.name);
  });

  it('a tampered body or a wrong secret fails the library verification', async () => {
    const crm = await receiverWithEndpoint();
    await confirm(await sign());
    const [delivery] = await eventually(() => exactly(crm.receiver.accepted, 1));
    const tampered = delivery!.body.replace('"status":"confirmed"', '"status":"invalidated"');
    expect(tampered).not.toBe(delivery!.body);
    expect(crm.receiver.verify(delivery!.headers, tampered).verified).toBe(false);
    const otherSecret = new Webhook(`whsec_${Buffer.alloc(24, 1).toString('base64')}`);
    expect(() => otherSecret.verify(delivery!.body, delivery!.headers as Record<string, string>)).toThrow();
    expect(crm.receiver.verify(delivery!.headers, delivery!.body).verified).toBe(true);
  });

  it('a receiver that is down for a while then returns gets every event, each under one id, with every attempt listed', async () => {
    const crm = await receiverWithEndpoint();
    crm.receiver.mode = 'down';
    const signings = [];
    for (let i = 0; i < 6; i++) signings.push(await sign());
    for (const signing of signings) await confirm(signing);
    // Every delivery is refused at least twice before the receiver comes back.
    await eventually(async () => {
      const rows = await stack.api.platform.db.webhookDelivery.findMany({ where: { endpointId: crm.endpointId } });
      return rows.length === 6 && rows.every((row) => row.attempts >= 2);
    }, 20_000);
    crm.receiver.mode = 'up';
    await eventually(() => new Set(crm.receiver.accepted.map((w) => w.payload!.data.identifiers[0])).size === 6, 30_000, 'all six events');

    const idsBySignature = new Map<string, Set<string>>();
    for (const seen of crm.receiver.seen) {
      expect(seen.verified).toBe(true);
      const key = (JSON.parse(seen.body) as { data: { identifiers: string[] } }).data.identifiers[0]!;
      idsBySignature.set(key, (idsBySignature.get(key) ?? new Set()).add(seen.id));
    }
    expect([...idsBySignature.keys()].sort()).toEqual(signings.map((s) => `clarion:${s.signatureId}`).sort());
    for (const ids of idsBySignature.values()) expect(ids.size).toBe(1);

    // The receiver's 204 comes before the worker records it: wait until all six are recorded.
    type Listed = { deliveries: Array<{ status: string; attemptLog: Array<{ statusCode: number | null }> }> };
    const deliveries = await eventually(
      async () => {
        const listed = await call(stack.api.url, 'GET', `/api/admin/webhooks/${crm.endpointId}/deliveries`, { headers: auth });
        expect(listed.status).toBe(200);
        const rows = (listed.json as Listed).deliveries;
        return rows.length === 6 && rows.every((d) => d.status !== 'pending') ? rows : null;
      },
      10_000,
      'six deliveries recorded',
    );
    expect(deliveries).toHaveLength(6);
    for (const delivery of deliveries) {
      expect(delivery.status).toBe('delivered');
      const codes = delivery.attemptLog.map((a) => a.statusCode);
      expect(codes.slice(0, 2)).toEqual([503, 503]);
      expect(codes.at(-1)).toBe(204);
    }
  });

  it('a receiver whose port is closed (connections refused) gets every event once it listens again', async () => {
    const crm = await receiverWithEndpoint();
    await crm.receiver.closePort();
    const signings = [await sign(), await sign()];
    for (const signing of signings) await confirm(signing);
    await eventually(async () => {
      const attempts = await stack.api.platform.db.webhookDeliveryAttempt.findMany({ where: { delivery: { endpointId: crm.endpointId } } });
      return attempts.filter((a) => a.error === 'connection_refused').length >= 2;
    }, 20_000);
    await crm.receiver.listenAgain();
    await eventually(() => crm.receiver.accepted.length === 2, 30_000, 'both events');
    expect(new Set(crm.receiver.accepted.map((w) => w.payload!.data.identifiers[0]))).toEqual(new Set(signings.map((s) => `clarion:${s.signatureId}`)));
  });

  it('a hanging endpoint does not hold up a live one', async () => {
    const dead = await receiverWithEndpoint({ personalData: false });
    dead.receiver.mode = 'hang';
    const live = await receiverWithEndpoint({ personalData: false });
    const signings = [];
    for (let i = 0; i < 12; i++) signings.push(await sign());
    for (const signing of signings) await confirm(signing);
    // The dead one's requests each hang for 20 s (WEBHOOKS_TIMEOUT_MS); the live one gets all twelve meanwhile.
    await eventually(() => live.receiver.accepted.length === 12, 15_000, 'the live endpoint has all twelve');
    expect(dead.receiver.accepted).toHaveLength(0);
    // At most WEBHOOKS_PER_ENDPOINT_IN_FLIGHT requests ever waited on the dead one.
    expect(dead.receiver.seen.length).toBeLessThanOrEqual(2);
  });

  it('an erasure sends supporter.erased with the id only, and a delivery still queued about them carries no personal data', async () => {
    const crm = await receiverWithEndpoint({ personalData: true });
    crm.receiver.mode = 'down';
    const signing = await sign();
    await confirm(signing);
    await eventually(() => crm.receiver.seen.length >= 1);
    // No attempt in flight while the erasure runs: this is the queued case (the next test covers
    // one in flight, which the erasure waits for).
    const webhooksQueue = createQueues(stack.api.platform.queueBackend, stack.api.platform.config)[QUEUES.webhooks];
    try {
      await webhooksQueue.pause();
      await eventually(async () => (await webhooksQueue.getActiveCount()) === 0, 20_000, 'no webhook attempt in flight');
      await eraseSupporter(stack.api.platform, signing.supporterId);
      crm.receiver.mode = 'up';
      await webhooksQueue.resume();
    } finally {
      await webhooksQueue.close();
    }
    const [erased] = await eventually(() => exactly(crm.receiver.acceptedOfType('supporter.erased'), 1));
    expect(erased!.payload!.data.identifiers).toEqual([`clarion:${signing.supporterId}`]);
    const [confirmed] = await eventually(() => exactly(crm.receiver.acceptedOfType('signature.confirmed'), 1));
    expect(confirmed!.body).not.toContain(signing.email);
    expect(confirmed!.body).not.toContain(signing.name);
    expect(confirmed!.payload!.data.identifiers).toEqual([`clarion:${signing.signatureId}`]);
  });

  it("an erasure waits for an attempt already carrying the supporter's data: nothing personal arrives after it", async () => {
    const crm = await receiverWithEndpoint({ personalData: true });
    crm.receiver.mode = 'slow';
    crm.receiver.slowMs = 1_500;
    const signing = await sign();
    await confirm(signing);
    // The request has arrived with the person in it; the receiver holds its answer.
    const inFlight = await eventually(() => crm.receiver.seen[0], 20_000, 'the attempt in flight');
    expect(inFlight.body).toContain(signing.email);
    expect(inFlight.answeredAt).toBeUndefined();
    await eraseSupporter(stack.api.platform, signing.supporterId);
    const erasedAt = Date.now();
    crm.receiver.mode = 'up';
    // The erasure committed only once that request had ended (the supporter's personal-data lock).
    expect(inFlight.answeredAt).toBeDefined();
    expect(erasedAt).toBeGreaterThanOrEqual(inFlight.answeredAt!);
    const [erased] = await eventually(() => exactly(crm.receiver.acceptedOfType('supporter.erased'), 1));
    expect(erased!.payload!.data.identifiers).toEqual([`clarion:${signing.supporterId}`]);
    const personal = crm.receiver.seen.filter((w) => w.body.includes(signing.email));
    expect(personal).toEqual([inFlight]);
  });

  it('a replay sends the same delivery again under the same webhook-id', async () => {
    const crm = await receiverWithEndpoint();
    await confirm(await sign());
    const [first] = await eventually(() => exactly(crm.receiver.accepted, 1));
    const listed = await call(stack.api.url, 'GET', `/api/admin/webhooks/${crm.endpointId}/deliveries`, { headers: auth });
    const [delivery] = (listed.json as { deliveries: Array<{ id: string }> }).deliveries;
    const replay = await call(stack.api.url, 'POST', `/api/admin/webhooks/${crm.endpointId}/deliveries/${delivery!.id}/replay`, { headers: auth });
    expect(replay.status).toBe(202);
    const [, again] = await eventually(() => exactly(crm.receiver.accepted, 2));
    expect(again!.id).toBe(first!.id);

    const range = await call(stack.api.url, 'POST', `/api/admin/webhooks/${crm.endpointId}/replay`, {
      headers: auth,
      json: { from: new Date(Date.now() - 3600_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() },
    });
    expect(range.status).toBe(202);
    expect(range.json).toEqual({ replayed: 1 });
    const [, , third] = await eventually(() => exactly(crm.receiver.accepted, 3));
    expect(third!.id).toBe(first!.id);
  });
});
