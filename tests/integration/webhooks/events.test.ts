import { randomUUID } from 'node:crypto';
import { KAZAKHSTAN_CONSENT_WORDING_ID, KAZAKHSTAN_SLUG, seedKazakhstanCampaign } from '../../../src/modules/campaigns';
import { seedDefaultTemplate, seedTargets } from '../../../src/modules/letters';
import { finishIfDone } from '../../../src/modules/mailings/mailings.repository';
import { deleteOldWebhookHistory } from '../../../src/modules/webhooks';
import { invalidateMatching, restoreMatching, withdrawConsent } from '../../../src/modules/supporters';
import { parseConfig, ConfigError } from '../../../src/platform/config';
import { startWorkers } from '../../../src/worker-runtime';
import { call, logIn, makeAccount, makeToken } from '../../support/admin';
import { eventually, postJson, productionSecrets, startTestStack, type TestStack } from '../../support/harness';
import { confirmByEmail, sign } from '../../support/letters';
import { forgetQueuedJobs } from '../../support/redis-flush';
import { WebhookReceiver } from '../../support/webhook-receiver';

/**
 * The other events, each written by its own module in the change's transaction, and what happens
 * to an endpoint that fails for long (here one second, WEBHOOKS_DISABLE_AFTER_SECONDS).
 */
let stack: TestStack;
let auth: Record<string, string>;
let ownerCookie: string;
let campaignId: string;
const receivers: WebhookReceiver[] = [];

beforeAll(async () => {
  stack = await startTestStack({
    RATE_LIMIT_ENABLED: 'false',
    LETTERS_CAP_DISABLED: 'true',
    LETTERS_RETRY_BASE_MS: '100',
    LETTERS_MAX_ATTEMPTS: '2',
    WEBHOOKS_ALLOW_PRIVATE_HOSTS: '127.0.0.1',
    WEBHOOKS_RETRY_BASE_MS: '100',
    WEBHOOKS_MAX_ATTEMPTS: '20',
    WEBHOOKS_DISABLE_AFTER_SECONDS: '1',
    OUTBOX_RECONCILE_AFTER_SECONDS: '1',
    OUTBOX_RECONCILE_INTERVAL_MS: '200',
  });
  campaignId = await seedKazakhstanCampaign(stack.api.platform.db);
  await seedDefaultTemplate(stack.api.platform.db, campaignId);
  await seedTargets(stack.api.platform.db);
  const owner = await makeAccount(stack.api.platform.db, 'owner');
  const session = await logIn(stack.api.url, owner.email, owner.password);
  ownerCookie = session.cookie;
  const { token } = await makeToken(stack.api.url, session, 'owner');
  auth = { authorization: `Bearer ${token}` };
});

afterEach(async () => {
  for (const receiver of receivers.splice(0)) await receiver.stop();
  await stack.api.platform.db.webhookEndpoint.updateMany({ data: { disabledAt: new Date(), disabledReason: 'owner' } });
  await eventually(() =>
    stack.api.platform.db.webhookEndpoint.deleteMany({}).then(
      () => true,
      () => false,
    ),
  );
});

afterAll(() => stack.stop());

async function endpoint(events: string[], personalData = false) {
  const receiver = await WebhookReceiver.start();
  receivers.push(receiver);
  const answer = await call(stack.api.url, 'POST', '/api/admin/webhooks', { headers: auth, json: { url: receiver.url, events, personalData } });
  expect(answer.status).toBe(201);
  const { id, secret } = answer.json as { id: string; secret: string };
  receiver.secret = secret;
  return { receiver, endpointId: id };
}

async function signAndConfirm() {
  const { email } = await sign(stack.api, KAZAKHSTAN_SLUG, KAZAKHSTAN_CONSENT_WORDING_ID);
  const actionToken = await confirmByEmail(stack.api, stack.smtp, email);
  const supporter = await stack.api.platform.db.signature.findFirstOrThrow({
    where: { campaignId, attempts: { some: {} } },
    orderBy: { createdAt: 'desc' },
    select: { id: true, supporterId: true },
  });
  return { email, actionToken: actionToken!, signatureId: supporter.id, supporterId: supporter.supporterId };
}

const types = (receiver: WebhookReceiver) => receiver.accepted.map((w) => w.payload!.type);

describe('events from the other modules', () => {
  it('letter.sent for each letter delivered, letter.failed for one the provider refuses, naming the delegation', async () => {
    const { receiver } = await endpoint(['letter.sent', 'letter.failed']);
    const signing = await signAndConfirm();
    const written = await postJson(`${stack.api.url}/api/campaigns/${KAZAKHSTAN_SLUG}/letters`, {
      actionToken: signing.actionToken,
      targets: { countries: ['FR', 'CH'] },
    });
    expect(written.json).toMatchObject({ recorded: 2, status: 'queued' });
    await eventually(() => receiver.acceptedOfType('letter.sent').length === 2, 15_000, 'two letter.sent');
    for (const sent of receiver.acceptedOfType('letter.sent')) {
      expect(sent.payload!.data.status).toBe('sent');
      expect(sent.payload!.data['clarion:target'].identifiers[0]).toMatch(/^clarion:[0-9a-f-]{36}$/);
      expect(sent.payload!.data['osdi:person']).toEqual({ identifiers: [`clarion:${signing.supporterId}`], origin_system: 'Clarion' });
    }

    const other = await signAndConfirm();
    stack.smtp.respondWith([{ code: 550, message: 'Mailbox unavailable' }]);
    const third = await postJson(`${stack.api.url}/api/campaigns/${KAZAKHSTAN_SLUG}/letters`, {
      actionToken: other.actionToken,
      targets: { countries: ['AL'] },
    });
    expect(third.json).toMatchObject({ recorded: 1, status: 'queued' });
    const [failed] = await eventually(() => (receiver.acceptedOfType('letter.failed').length === 1 ? receiver.acceptedOfType('letter.failed') : null), 15_000);
    expect(failed!.payload!.data.status).toBe('failed');
    expect(failed!.body).not.toContain(other.email);
  });

  it('signature.invalidated and signature.restored from the fraud clean-up, supporter.unsubscribed from a withdrawal', async () => {
    const { receiver } = await endpoint(['signature.invalidated', 'signature.restored', 'supporter.unsubscribed']);
    const signing = await signAndConfirm();
    const db = stack.api.platform.db;
    const since = new Date(Date.now() - 60_000);
    await db.$transaction((tx) => invalidateMatching(tx, { campaignId, from: since }, 'test', 'fraud test', 1000));
    await db.$transaction((tx) => restoreMatching(tx, { campaignId, from: since }, 'fraud test', 1000));
    await withdrawConsent(db, { supporterId: signing.supporterId, campaignId }, 'campaign', 'page');
    // Deliveries run concurrently and in no promised order: wait for each of the three.
    const ofThisSignature = (type: string) => receiver.acceptedOfType(type).find((w) => w.payload!.data.identifiers[0] === `clarion:${signing.signatureId}`);
    await eventually(
      () => types(receiver).includes('supporter.unsubscribed') && ofThisSignature('signature.restored') && ofThisSignature('signature.invalidated'),
    );
    const unsubscribed = receiver.acceptedOfType('supporter.unsubscribed')[0]!;
    expect(unsubscribed.payload!.data.identifiers).toEqual([`clarion:${signing.supporterId}`]);
    expect(unsubscribed.payload!.data['clarion:unsubscribed']).toEqual({ scope: 'campaign', petition: { identifiers: [`clarion:${campaignId}`] } });
  });

  it('mailing.finished when the last recipient of an update is done', async () => {
    const { receiver } = await endpoint(['mailing.finished']);
    const mailing = await stack.api.platform.db.mailing.create({ data: { campaignId, status: 'sending', language: 'en' }, select: { id: true } });
    expect(await finishIfDone(stack.api.platform.db, mailing.id)).toBe(true);
    const [finished] = await eventually(() => (receiver.accepted.length === 1 ? receiver.accepted : null));
    expect(finished!.payload).toMatchObject({ type: 'mailing.finished', data: { identifiers: [`clarion:${mailing.id}`], status: 'done' } });
  });
});

describe('an endpoint that keeps failing', () => {
  it('is disabled after WEBHOOKS_DISABLE_AFTER_SECONDS, shown as failing, and gets what it missed once enabled and replayed', async () => {
    const { receiver, endpointId } = await endpoint(['signature.confirmed']);
    receiver.mode = 'down';
    const signing = await signAndConfirm();
    const disabled = await eventually(
      async () => {
        const list = await call(stack.api.url, 'GET', '/api/admin/webhooks', { headers: auth });
        return (list.json as { endpoints: Array<{ id: string; disabledReason: string | null; consecutiveFailures: number }> }).endpoints.find(
          (e) => e.id === endpointId && e.disabledReason === 'failing',
        );
      },
      15_000,
      'disabled as failing',
    );
    expect(disabled.consecutiveFailures).toBeGreaterThan(1);
    await eventually(async () => (await stack.api.platform.db.webhookDelivery.findFirst({ where: { endpointId } }))?.status === 'skipped');
    const seenWhileDisabled = receiver.seen.length;
    const home = await call(stack.api.url, 'GET', '/admin', { headers: { accept: 'text/html', cookie: ownerCookie } });
    expect(home.status).toBe(200);
    expect(home.text).toContain('Webhook endpoints disabled');
    expect(home.text).toContain(receiver.url);

    receiver.mode = 'up';
    expect((await call(stack.api.url, 'PATCH', `/api/admin/webhooks/${endpointId}`, { headers: auth, json: { disabled: false } })).status).toBe(200);
    const replay = await call(stack.api.url, 'POST', `/api/admin/webhooks/${endpointId}/replay`, {
      headers: auth,
      json: { from: new Date(Date.now() - 3600_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() },
    });
    expect(replay.json).toEqual({ replayed: 1 });
    const [arrived] = await eventually(() => (receiver.accepted.length === 1 ? receiver.accepted : null));
    expect(arrived!.payload!.data.identifiers).toEqual([`clarion:${signing.signatureId}`]);
    expect(receiver.seen.length).toBe(seenWhileDisabled + 1);
    const after = await call(stack.api.url, 'GET', '/admin', { headers: { accept: 'text/html', cookie: ownerCookie } });
    expect(after.text).not.toContain('Webhook endpoints disabled');
  });
});

describe('when Redis loses the queue', () => {
  it('the event is found again from the database and delivered', async () => {
    // Workers of this file stop; a relay alone moves the fan-out job to Redis, where nobody takes it.
    await stack.workers.stop();
    const relayOnly = startWorkers(stack.api.platform, { relay: true, email: false, letters: false, mailings: false, webhooks: false });
    try {
      const { receiver } = await endpoint(['signature.restored']);
      const since = new Date();
      await sign(stack.api, KAZAKHSTAN_SLUG, KAZAKHSTAN_CONSENT_WORDING_ID);
      const { id: signatureId } = await stack.api.platform.db.signature.findFirstOrThrow({
        where: { campaignId },
        orderBy: { createdAt: 'desc' },
        select: { id: true },
      });
      const db = stack.api.platform.db;
      await db.$transaction((tx) => invalidateMatching(tx, { campaignId, from: since }, 'test', 'redis test', 10));
      await db.$transaction((tx) => restoreMatching(tx, { campaignId, from: since }, 'redis test', 10));
      await eventually(async () => (await db.outboxEvent.count({ where: { jobName: 'webhooks.fanout.event', relayedAt: null } })) === 0);
      expect(await forgetQueuedJobs(stack.api.platform)).toBeGreaterThan(0);

      stack.workers = startWorkers(stack.api.platform, { relay: false, email: true, letters: true });
      const [restored] = await eventually(() => (receiver.accepted.length === 1 ? receiver.accepted : null), 20_000, 'the restored event after the flush');
      expect(restored!.payload!.data.identifiers).toEqual([`clarion:${signatureId}`]);
    } finally {
      await relayOnly.stop();
    }
  });
});

describe('history', () => {
  it('deletes events past WEBHOOKS_HISTORY_DAYS with their deliveries, but keeps one still owed work', async () => {
    const db = stack.api.platform.db;
    const { endpointId } = await endpoint(['supporter.erased']);
    await db.webhookEndpoint.update({ where: { id: endpointId }, data: { disabledAt: new Date(), disabledReason: 'owner' } });
    const old = new Date(Date.now() - 40 * 86_400_000);
    const make = (occurredAt: Date, status: string) =>
      db.domainEvent.create({
        data: { type: 'supporter.erased', subjectId: randomUUID(), data: {}, occurredAt, deliveries: { create: { endpointId, status } } },
        select: { id: true },
      });
    const settled = await make(old, 'delivered');
    const owed = await make(old, 'pending');
    const recent = await make(new Date(), 'delivered');
    expect(await deleteOldWebhookHistory(db, 30)).toBe(1);
    const left = (await db.domainEvent.findMany({ where: { id: { in: [settled.id, owed.id, recent.id] } }, select: { id: true } })).map((e) => e.id);
    expect(left.sort()).toEqual([owed.id, recent.id].sort());
    expect(await db.webhookDelivery.count({ where: { eventId: settled.id } })).toBe(0);
  });
});

describe('configuration', () => {
  it('refuses WEBHOOKS_ALLOW_PRIVATE_HOSTS in production, naming the variable', () => {
    const env = {
      ...process.env,
      ...productionSecrets(),
      NODE_ENV: 'production',
      SMTP_URL: 'smtp://mail.example.org:587',
      WEBHOOKS_ALLOW_PRIVATE_HOSTS: '127.0.0.1',
    };
    expect(() => parseConfig(env)).toThrow(ConfigError);
    try {
      parseConfig(env);
    } catch (error) {
      expect((error as ConfigError).problems.some((p) => p.startsWith('WEBHOOKS_ALLOW_PRIVATE_HOSTS:'))).toBe(true);
      expect((error as ConfigError).problems.join('\n')).not.toContain('127.0.0.1');
    }
    const { WEBHOOKS_ALLOW_PRIVATE_HOSTS: _allow, ...withoutAllowlist } = env;
    expect(() => parseConfig(withoutAllowlist)).not.toThrow();
  });
});
