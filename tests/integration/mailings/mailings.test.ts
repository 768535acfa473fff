// @queue-backends both: npm test runs this file on Redis and on PostgreSQL queues (scripts/test.mjs).
import { makeAccount, logIn, makeToken } from '../../support/admin';
import { createCampaign, signingBody, type TestCampaign } from '../../support/fixtures';
import { eventually, postJson, type TestApi, startTestStack, type TestStack } from '../../support/harness';
import { mailingMessages, seedSupporters, type SeededSupporter, unsubscribeUrlOf } from '../../support/mailings';
import type { SmtpRecorder } from '../../support/smtp-recorder';

/**
 * Campaign updates and one-click unsubscribe through the real path: the admin API, the outbox, the
 * mailings worker, the SMTP recorder, and the unsubscribe URL each message carries.
 */
let editor: Record<string, string>;
let viewer: Record<string, string>;
let stack: TestStack;
let api: TestApi;
let smtp: SmtpRecorder;

beforeAll(async () => {
  stack = await startTestStack({ RATE_LIMIT_ENABLED: 'false', MAILINGS_PER_MINUTE: '1200', BOUNCE_DOMAIN: 'bounces.clarion.test' });
  ({ api, smtp } = stack);
  const owner = await makeAccount(api.platform.db, 'owner');
  const session = await logIn(api.url, owner.email, owner.password);
  editor = { authorization: `Bearer ${(await makeToken(api.url, session, 'editor')).token}` };
  viewer = { authorization: `Bearer ${(await makeToken(api.url, session, 'viewer')).token}` };
});

afterAll(async () => {
  await stack.stop();
});

async function request(method: string, path: string, headers: Record<string, string>, body?: unknown) {
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, type: response.headers.get('content-type') ?? '', json: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

const update = { subject: 'News from {{campaign.title}}', text: 'Dear {{supporter.name}},\n\nThe Council heard us.' };

async function createAndSend(campaign: TestCampaign, body: Record<string, unknown> = update): Promise<string> {
  const created = await request('POST', `/api/admin/campaigns/${campaign.slug}/mailings`, editor, body);
  expect(created.status).toBe(201);
  const id = (created.json as { id: string }).id;
  expect((await request('POST', `/api/admin/mailings/${id}/send`, editor)).status).toBe(202);
  return id;
}

async function untilDone(id: string) {
  return eventually(
    async () => {
      const answer = await request('GET', `/api/admin/mailings/${id}`, viewer);
      return answer.json?.status === 'done' ? (answer.json as { status: string; counts: Record<string, number> }) : undefined;
    },
    60_000,
    `mailing ${id} done`,
  );
}

const recipientsOf = (id: string) =>
  mailingMessages(smtp, id)
    .map((m) => m.envelope.to[0]!)
    .sort();
const emailsOf = (supporters: SeededSupporter[]) => supporters.map((s) => s.email).sort();

describe('campaign updates', () => {
  it('reach exactly the confirmed, consenting, not-suppressed supporters, once each, with unsubscribe headers and link', async () => {
    const campaign = await createCampaign(api.platform.db);
    const seeded = await seedSupporters(api.platform, campaign, [
      ...Array<'eligible'>(20).fill('eligible'),
      'unconfirmed',
      'unconfirmed',
      'no_consent',
      'no_consent',
      'suppressed',
      'suppressed',
      'unsubscribed',
      'invalidated',
    ]);
    const id = await createAndSend(campaign);
    const done = await untilDone(id);
    const eligible = seeded.filter((s) => s.kind === 'eligible');
    expect(done).toEqual(expect.objectContaining({ status: 'done', counts: { recipients: 20, queued: 0, sent: 20, failed: 0, bounced: 0, unsubscribed: 0 } }));
    expect(recipientsOf(id)).toEqual(emailsOf(eligible));

    const message = mailingMessages(smtp, id)[0]!;
    expect(message.subject).toBe(`News from Test campaign ${campaign.slug.slice(5)}`);
    expect(message.headers.get('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    const url = unsubscribeUrlOf(message);
    expect(url.startsWith(`${api.platform.config.PUBLIC_BASE_URL}/unsubscribe/`)).toBe(true);
    expect(url).not.toContain('@'); // the token names ids, never the address
    expect(message.text).toContain(url);
    expect(message.html).toContain(`href="${url}"`);
    expect(message.envelope.from).toMatch(/^bounces\+m-[0-9a-f]{32}-[0-9a-f]{12}@bounces\.clarion\.test$/);
    expect(message.messageId).toMatch(/^<mailing-[0-9a-f-]{36}@clarion\.example>$/);
    // Sending it again is refused: each recipient gets an update once.
    const again = await request('POST', `/api/admin/mailings/${id}/send`, editor);
    expect(again.status).toBe(409);
    expect(again.type).toContain('application/problem+json');
  }, 90_000);

  it('narrows by language and country, and falls back to the main version for a language without one', async () => {
    const campaign = await createCampaign(api.platform.db);
    const seeded = await seedSupporters(api.platform, campaign, Array<'eligible'>(12).fill('eligible'), {
      locales: ['en', 'ru', 'kk'],
      countries: ['KZ', 'FR'],
    });
    const id = await createAndSend(campaign, {
      ...update,
      languages: ['ru', 'kk'],
      countries: ['KZ'],
      translations: [{ language: 'ru', subject: 'Новости', text: 'Здравствуйте, {{supporter.name}}!' }],
    });
    await untilDone(id);
    const expected = seeded.filter((s) => s.locale !== 'en' && s.country === 'KZ');
    expect(recipientsOf(id)).toEqual(emailsOf(expected));
    const bySubject = (subject: string) => mailingMessages(smtp, id).filter((m) => m.subject === subject).length;
    expect(bySubject('Новости')).toBe(expected.filter((s) => s.locale === 'ru').length);
    expect(bySubject(`News from Test campaign ${campaign.slug.slice(5)}`)).toBe(expected.filter((s) => s.locale === 'kk').length);
  }, 60_000);

  it('one-click POST unsubscribes without login, cookie or CSRF token, idempotently; the next mailing skips that person; the page offers all mail', async () => {
    const campaign = await createCampaign(api.platform.db);
    const seeded = await seedSupporters(api.platform, campaign, Array<'eligible'>(5).fill('eligible'));
    const first = await createAndSend(campaign);
    await untilDone(first);
    const [leaver, allLeaver] = seeded;
    const urlOf = (s: SeededSupporter) => unsubscribeUrlOf(mailingMessages(smtp, first).find((m) => m.envelope.to[0] === s.email)!);

    // GET shows the choice and changes nothing (scanners open links).
    const page = await fetch(urlOf(leaver!).replace(api.platform.config.PUBLIC_BASE_URL, api.url));
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('name="scope" value="campaign"');
    expect(html).toContain('name="scope" value="all"');
    expect(await api.platform.db.consentWithdrawal.count()).toBe(0);

    const oneClick = () =>
      fetch(urlOf(leaver!).replace(api.platform.config.PUBLIC_BASE_URL, api.url), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      });
    expect((await oneClick()).status).toBe(200);
    expect((await oneClick()).status).toBe(200);
    const withdrawals = await api.platform.db.consentWithdrawal.findMany({ where: { supporterId: leaver!.id } });
    expect(withdrawals).toEqual([
      expect.objectContaining({ scope: 'campaign', via: 'one_click', wording: 'list-unsubscribe-post.v1', campaignId: campaign.id }),
    ]);
    const signature = await api.platform.db.signature.findFirst({
      where: { supporterId: leaver!.id },
      select: { status: true, consentUpdates: true, updatesWithdrawnAt: true },
    });
    expect(signature).toEqual({ status: 'confirmed', consentUpdates: true, updatesWithdrawnAt: expect.any(Date) }); // the signature and its evidence stay

    // "All mail from this Clarion" from the page: the address is suppressed for every later send.
    const all = await fetch(urlOf(allLeaver!).replace(api.platform.config.PUBLIC_BASE_URL, api.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'scope=all',
    });
    expect(all.status).toBe(200);
    expect(await api.platform.db.mailSuppression.count({ where: { reason: 'unsubscribed' } })).toBe(1);

    const second = await createAndSend(campaign);
    const done = await untilDone(second);
    expect(done.counts.recipients).toBe(3);
    expect(recipientsOf(second)).toEqual(emailsOf(seeded.slice(2)));

    // A tampered token changes nothing and says so.
    const tampered = urlOf(seeded[2]!)
      .replace(api.platform.config.PUBLIC_BASE_URL, api.url)
      .replace(/\/unsubscribe\/([0-9a-f])/, (_, c: string) => `/unsubscribe/${c === 'a' ? 'b' : 'a'}`);
    const refused = await fetch(tampered, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(refused.status).toBe(400);
    expect(await api.platform.db.consentWithdrawal.count({ where: { supporterId: seeded[2]!.id } })).toBe(0);
  }, 90_000);

  it('pause stops sending and resume finishes it; cancel stops it for good', async () => {
    const campaign = await createCampaign(api.platform.db);
    await seedSupporters(api.platform, campaign, Array<'eligible'>(60).fill('eligible'));
    smtp.setAcceptDelay(30);
    try {
      const id = await createAndSend(campaign);
      await eventually(() => mailingMessages(smtp, id).length >= 1, 20_000, 'first message');
      const paused = await request('POST', `/api/admin/mailings/${id}/pause`, editor);
      expect(paused.json).toEqual({ id, status: 'paused' });
      // The run's job ends by itself once it sees the pause: nothing more is sent after that.
      await eventually(
        async () => (await api.platform.db.outboxEvent.findUnique({ where: { dedupeKey: `mailing-${id}-1` } }))?.completedAt,
        20_000,
        'run 1 over',
      );
      const atPause = await request('GET', `/api/admin/mailings/${id}`, viewer);
      const counts = atPause.json!.counts as Record<string, number>;
      expect(atPause.json!.status).toBe('paused');
      expect(counts.queued).toBeGreaterThan(0);
      expect(mailingMessages(smtp, id)).toHaveLength(counts.sent!);
      expect((await request('POST', `/api/admin/mailings/${id}/pause`, editor)).status).toBe(409);
      expect((await request('POST', `/api/admin/mailings/${id}/resume`, editor)).status).toBe(200);
      await untilDone(id);
      expect(new Set(recipientsOf(id)).size).toBe(60);
      expect(recipientsOf(id)).toHaveLength(60);

      const cancelled = await createAndSend(campaign);
      await eventually(() => mailingMessages(smtp, cancelled).length >= 1, 20_000, 'first message');
      expect((await request('POST', `/api/admin/mailings/${cancelled}/cancel`, editor)).json).toEqual({ id: cancelled, status: 'cancelled' });
      await eventually(
        async () => (await api.platform.db.outboxEvent.findUnique({ where: { dedupeKey: `mailing-${cancelled}-1` } }))?.completedAt,
        20_000,
        'run over',
      );
      await eventually(
        async () => (await api.platform.db.mailingRecipient.count({ where: { mailingId: cancelled, status: 'sending' } })) === 0,
        20_000,
        'in-flight settled',
      );
      const rows = await api.platform.db.mailingRecipient.groupBy({ by: ['status'], where: { mailingId: cancelled }, _count: { _all: true } });
      const byStatus = Object.fromEntries(rows.map((r) => [r.status, r._count._all]));
      expect(byStatus.cancelled).toBeGreaterThan(0);
      expect(mailingMessages(smtp, cancelled)).toHaveLength(byStatus.sent ?? 0);
      expect((await request('POST', `/api/admin/mailings/${cancelled}/resume`, editor)).status).toBe(409);
    } finally {
      smtp.setAcceptDelay(0);
    }
  }, 120_000);
});

describe('reminders', () => {
  it('carry the one-click unsubscribe headers and link; the first confirmation email (the request itself) does not', async () => {
    const campaign = await createCampaign(api.platform.db);
    const body = signingBody(campaign);
    expect((await postJson(`${api.url}/api/campaigns/${campaign.slug}/signatures`, body)).status).toBe(202);
    const first = await smtp.waitFor((m) => m.envelope.to.includes(body.email) && m.subject.startsWith('Please confirm'));
    expect(first.headers.has('list-unsubscribe')).toBe(false);
    expect((await postJson(`${api.url}/api/campaigns/${campaign.slug}/signatures`, body)).status).toBe(202);
    const reminder = await smtp.waitFor((m) => m.envelope.to.includes(body.email) && m.subject.startsWith('Your confirmation link'));
    expect(reminder.headers.get('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    const url = unsubscribeUrlOf(reminder);
    expect(reminder.text).toContain(url);
    const answer = await fetch(url.replace(api.platform.config.PUBLIC_BASE_URL, api.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(answer.status).toBe(200);
    const signature = await api.platform.db.signature.findFirst({
      where: { campaignId: campaign.id },
      select: { updatesWithdrawnAt: true, supporterId: true },
    });
    expect(signature?.updatesWithdrawnAt).toEqual(expect.any(Date));
    expect(await api.platform.db.consentWithdrawal.count({ where: { supporterId: signature!.supporterId } })).toBe(1);
  }, 60_000);
});

describe('the mailings API', () => {
  it("answers the contract's shapes, refuses bad input with problem+json and changes nothing, and lets viewers only read", async () => {
    const campaign = await createCampaign(api.platform.db);
    const path = `/api/admin/campaigns/${campaign.slug}/mailings`;
    const bad: Array<[unknown, number]> = [
      [{ text: 'x' }, 400],
      [{ ...update, extra: 1 }, 400],
      [{ ...update, countries: ['XX'] }, 400],
      [{ ...update, languages: ['de'] }, 400],
      [{ ...update, subject: 'Hi {{supporter.name}}' }, 422],
      [{ ...update, text: '{{supporter.email}}' }, 422],
      [{ ...update, html: '<p>{{{supporter.name}}}</p>' }, 422],
      [{ ...update, text: '{{#each x}}' }, 422],
    ];
    for (const [body, status] of bad) {
      const answer = await request('POST', path, editor, body);
      expect({ body, status: answer.status, type: answer.type }).toEqual({ body, status, type: expect.stringContaining('application/problem+json') });
    }
    expect(await api.platform.db.mailing.count({ where: { campaignId: campaign.id } })).toBe(0);
    expect((await request('POST', path, viewer, update)).status).toBe(403);
    expect((await request('POST', '/api/admin/campaigns/no-such-campaign/mailings', editor, update)).status).toBe(404);
    expect((await request('GET', '/api/admin/mailings/not-a-uuid', viewer)).status).toBe(400);
    expect((await request('GET', '/api/admin/mailings/00000000-0000-4000-8000-000000000000', viewer)).status).toBe(404);

    const created = await request('POST', path, editor, update);
    expect(created).toEqual(expect.objectContaining({ status: 201, json: { id: expect.any(String) } }));
    const id = (created.json as { id: string }).id;
    const shown = await request('GET', `/api/admin/mailings/${id}`, viewer);
    expect(shown.json).toEqual(
      expect.objectContaining({ status: 'draft', counts: { recipients: 0, queued: 0, sent: 0, failed: 0, bounced: 0, unsubscribed: 0 } }),
    );
    expect((await request('POST', `/api/admin/mailings/${id}/send`, viewer)).status).toBe(403);
    expect((await request('POST', `/api/admin/mailings/${id}/resume`, editor)).status).toBe(409);
    const preview = await request('POST', `/api/admin/mailings/${id}/preview`, editor, {});
    expect(preview.json).toEqual(expect.objectContaining({ subject: expect.stringContaining('News from'), text: expect.stringContaining('Dear Aigerim') }));
    expect((await request('POST', `/api/admin/mailings/${id}/cancel`, editor)).json).toEqual({ id, status: 'cancelled' });
    const audits = await api.platform.db.auditEvent.findMany({ where: { subject: id }, select: { action: true }, orderBy: { id: 'asc' } });
    expect(audits.map((a) => a.action)).toEqual(['mailings.create', 'mailings.cancel']);
    const list = await request('GET', path, viewer);
    expect((list.json as { mailings: unknown[] }).mailings).toHaveLength(1);
  }, 60_000);
});
