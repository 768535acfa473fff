import { randomBytes, randomUUID } from 'node:crypto';
import { call, logIn, makeAccount, makeToken } from '../../support/admin';
import { createCampaign, type TestCampaign } from '../../support/fixtures';
import { eventually, startTestStack, type TestStack } from '../../support/harness';
import { seedSupporters } from '../../support/mailings';

/**
 * "Send a test to myself" (POST /api/admin/mailings/:id/test): through the outbox and the email
 * worker to the SMTP recorder, to the asking account's address and nobody else, audited, limited
 * per account per hour; bad requests are 4xx problems that queue nothing.
 */
const BOOTSTRAP = randomBytes(32).toString('base64url');
let stack: TestStack;
let campaign: TestCampaign;
let editor: { email: string; headers: Record<string, string> };
let viewerHeaders: Record<string, string>;
let mailingId: string;
let bootstrapAnswer: Awaited<ReturnType<typeof call>>;

beforeAll(async () => {
  stack = await startTestStack({ RATE_LIMIT_ENABLED: 'false', MAILINGS_TESTS_PER_HOUR: '2', ADMIN_API_TOKEN: BOOTSTRAP });
  const db = stack.api.platform.db;
  campaign = await createCampaign(db);
  await seedSupporters(stack.api.platform, campaign, ['eligible', 'eligible', 'eligible']);
  const account = await makeAccount(db, 'editor');
  const session = await logIn(stack.api.url, account.email, account.password);
  editor = { email: account.email, headers: { cookie: session.cookie, 'x-csrf-token': session.csrfToken } };
  const created = await call(stack.api.url, 'POST', `/api/admin/campaigns/${campaign.slug}/mailings`, {
    headers: editor.headers,
    json: { subject: 'News from {{campaign.title}}', text: 'Dear {{supporter.name}},\n\nWe were heard.' },
  });
  expect(created.status).toBe(201);
  mailingId = (created.json as { id: string }).id;
  // The bootstrap token works only until an owner account exists: asked before the owner is made.
  bootstrapAnswer = await call(stack.api.url, 'POST', testPath(mailingId), { headers: { authorization: `Bearer ${BOOTSTRAP}` } });
  const owner = await makeAccount(db, 'owner');
  viewerHeaders = { authorization: `Bearer ${(await makeToken(stack.api.url, await logIn(stack.api.url, owner.email, owner.password), 'viewer')).token}` };
});

afterAll(async () => {
  await stack?.stop();
});

const testPath = (id: string) => `/api/admin/mailings/${id}/test`;
const testJobs = () => stack.api.platform.db.outboxEvent.findMany({ where: { jobName: 'mailings.send.test' }, select: { payload: true } });

describe('bad requests queue nothing', () => {
  it.each([
    ['a viewer', () => ({ path: testPath(mailingId), headers: viewerHeaders }), 403],
    ['a session without the CSRF token', () => ({ path: testPath(mailingId), headers: { cookie: editor.headers.cookie! } }), 403],
    ['not a mailing id', () => ({ path: testPath('not-a-uuid'), headers: editor.headers }), 400],
    ['an unknown mailing', () => ({ path: testPath(randomUUID()), headers: editor.headers }), 404],
    ['a language that is not one', () => ({ path: testPath(mailingId), headers: editor.headers, json: { language: 'xx' } }), 400],
    ['an unknown field', () => ({ path: testPath(mailingId), headers: editor.headers, json: { to: 'someone@example.org' } }), 400],
  ])('%s', async (_what, request, status) => {
    const { path, headers, json } = request() as { path: string; headers: Record<string, string>; json?: unknown };
    const answer = await call(stack.api.url, 'POST', path, { headers, ...(json !== undefined ? { json } : {}) });
    expect(answer.status).toBe(status);
    expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await testJobs()).toEqual([]);
  });

  it('the bootstrap token (no account, so no address of its own) is 403', async () => {
    expect(bootstrapAnswer.status).toBe(403);
    expect(bootstrapAnswer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await testJobs()).toEqual([]);
  });

  it('a form-encoded body is 415', async () => {
    const answer = await fetch(`${stack.api.url}${testPath(mailingId)}`, {
      method: 'POST',
      headers: { ...editor.headers, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'language=en',
    });
    expect(answer.status).toBe(415);
    expect(await testJobs()).toEqual([]);
  });
});

describe('a test to oneself', () => {
  it("goes to the account's own address only, marked [TEST], audited, and the mailing stays a draft", async () => {
    const before = stack.smtp.messages.length;
    const answer = await call(stack.api.url, 'POST', testPath(mailingId), { headers: editor.headers });
    expect(answer.status).toBe(202);
    expect(answer.json).toEqual({ id: mailingId, queued: true });
    await eventually(() => stack.smtp.messages.length > before, 20_000, 'the test message');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const arrived = stack.smtp.messages.slice(before);
    expect(arrived.map((m) => m.envelope.to)).toEqual([[editor.email]]);
    expect(arrived[0]!.subject).toBe(`[TEST] News from Test campaign ${campaign.slug.slice(5)}`);
    expect(arrived[0]!.headers.get('x-clarion-mailing-test')).toBe(mailingId);
    expect(arrived[0]!.headers.get('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    // The job carries ids only, never the address.
    const jobs = await testJobs();
    expect(jobs).toHaveLength(1);
    expect(JSON.stringify(jobs)).not.toContain('@');
    const db = stack.api.platform.db;
    expect(await db.auditEvent.findMany({ where: { action: 'mailings.test', subject: mailingId }, select: { actor: true, details: true } })).toEqual([
      { actor: 'session', details: { language: null } },
    ]);
    expect((await db.mailing.findUniqueOrThrow({ where: { id: mailingId }, select: { status: true } })).status).toBe('draft');
    expect(await db.mailingRecipient.count({ where: { mailingId } })).toBe(0);
  });

  it('is limited per account per hour: the one past the limit is a 429 that queues nothing', async () => {
    expect((await call(stack.api.url, 'POST', testPath(mailingId), { headers: editor.headers, json: { language: 'ru' } })).status).toBe(202);
    const refused = await call(stack.api.url, 'POST', testPath(mailingId), { headers: editor.headers });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await testJobs()).toHaveLength(2);
    expect(await stack.api.platform.db.auditEvent.count({ where: { action: 'mailings.test', subject: mailingId } })).toBe(2);
    await eventually(() => stack.smtp.messages.filter((m) => m.envelope.to.includes(editor.email)).length === 2, 20_000, 'the second test');
    expect(stack.smtp.messages.filter((m) => m.headers.get('x-clarion-mailing-test') === mailingId).every((m) => m.envelope.to.join() === editor.email)).toBe(
      true,
    );
  });
});
