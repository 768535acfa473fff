import { call, logIn, makeAccount } from '../../support/admin';
import { createCampaign } from '../../support/fixtures';
import { startTestApi, type TestApi } from '../../support/harness';

/**
 * Exports of personal data need a permission viewers lack by default, every export is audited with
 * its filters, and an audited write commits together with its audit row or not at all.
 */
let api: TestApi;
let slug: string;
let owner: Awaited<ReturnType<typeof logIn>>;

beforeAll(async () => {
  api = await startTestApi({ RATE_LIMIT_ENABLED: 'false' });
  const account = await makeAccount(api.platform.db, 'owner');
  owner = await logIn(api.url, account.email, account.password);
  slug = (await createCampaign(api.platform.db)).slug;
});
afterAll(async () => {
  await api.close();
});

const ownerWrite = () => ({ cookie: owner.cookie, 'x-csrf-token': owner.csrfToken });
const EXPORTS = ['signatures.csv?state=all&country=FR', 'letters.csv', 'delivery-package/manifest.json?state=pending'];

it('refuses exports to a viewer until an owner grants the permission, and audits each export with its filters', async () => {
  const viewer = await makeAccount(api.platform.db, 'viewer');
  const session = await logIn(api.url, viewer.email, viewer.password);
  for (const path of EXPORTS) {
    const refused = await call(api.url, 'GET', `/api/admin/campaigns/${slug}/${path}`, { headers: { cookie: session.cookie } });
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('export permission');
  }
  expect((await call(api.url, 'GET', '/api/admin/accounts', { headers: { cookie: owner.cookie } })).json).toMatchObject({
    accounts: expect.arrayContaining([expect.objectContaining({ id: viewer.id, canExport: false })]),
  });

  const granted = await call(api.url, 'PATCH', `/api/admin/accounts/${viewer.id}`, { headers: ownerWrite(), json: { canExport: true } });
  expect(granted.status).toBe(200);
  expect(granted.json).toMatchObject({ canExport: true, role: 'viewer' });
  const before = await api.platform.db.auditEvent.count({ where: { action: { startsWith: 'exports.' } } });
  for (const path of EXPORTS) {
    expect((await call(api.url, 'GET', `/api/admin/campaigns/${slug}/${path}`, { headers: { cookie: session.cookie } })).status).toBe(200);
  }
  const events = await api.platform.db.auditEvent.findMany({ where: { action: { startsWith: 'exports.' } }, orderBy: { id: 'asc' }, skip: before });
  expect(events.map((e) => ({ action: e.action, subject: e.subject, actor: e.actor, actorAccountId: e.actorAccountId, details: e.details }))).toEqual([
    { action: 'exports.signatures', subject: slug, actor: 'session', actorAccountId: viewer.id, details: { state: 'all', country: 'FR' } },
    { action: 'exports.letters', subject: slug, actor: 'session', actorAccountId: viewer.id, details: {} },
    { action: 'exports.manifest', subject: slug, actor: 'session', actorAccountId: viewer.id, details: { state: 'pending' } },
  ]);

  // Withdrawn from an editor, who has it by default.
  const editor = await makeAccount(api.platform.db, 'editor');
  const bearer = { cookie: (await logIn(api.url, editor.email, editor.password)).cookie };
  expect((await call(api.url, 'GET', `/api/admin/campaigns/${slug}/letters.csv`, { headers: bearer })).status).toBe(200);
  await call(api.url, 'PATCH', `/api/admin/accounts/${editor.id}`, { headers: ownerWrite(), json: { canExport: false } });
  expect((await call(api.url, 'GET', `/api/admin/campaigns/${slug}/letters.csv`, { headers: bearer })).status).toBe(403);
});

describe('an audited write and its audit row', () => {
  // A trigger makes the audit insert fail for one action: the write it records must not survive.
  async function failAuditOf(action: string, body: () => Promise<void>) {
    const db = api.platform.db;
    await db.$executeRawUnsafe(
      `CREATE OR REPLACE FUNCTION refuse_audit() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'audit refused'; END $$ LANGUAGE plpgsql`,
    );
    await db.$executeRawUnsafe(
      `CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events FOR EACH ROW WHEN (NEW.action = '${action}') EXECUTE FUNCTION refuse_audit()`,
    );
    try {
      await body();
    } finally {
      await db.$executeRawUnsafe('DROP TRIGGER refuse_audit ON audit_events');
    }
  }

  it.each([
    [
      'accounts.update',
      async () => {
        const account = await makeAccount(api.platform.db, 'viewer');
        await failAuditOf('accounts.update', async () => {
          expect((await call(api.url, 'PATCH', `/api/admin/accounts/${account.id}`, { headers: ownerWrite(), json: { role: 'editor' } })).status).toBe(500);
        });
        expect((await api.platform.db.adminAccount.findUniqueOrThrow({ where: { id: account.id } })).role).toBe('viewer');
      },
    ],
    [
      'templates.save',
      async () => {
        const put = { language: 'en', subject: 'Never saved {{delegation.country}}', html: '<p>x</p>', text: 'x\n' };
        await failAuditOf('templates.save', async () => {
          expect((await call(api.url, 'PUT', `/api/admin/campaigns/${slug}/letter-template`, { headers: ownerWrite(), json: put })).status).toBe(500);
        });
        expect(await api.platform.db.letterTemplate.count({ where: { subject: put.subject } })).toBe(0);
      },
    ],
    [
      'tokens.create',
      async () => {
        const before = await api.platform.db.apiToken.count();
        await failAuditOf('tokens.create', async () => {
          expect((await call(api.url, 'POST', '/api/admin/tokens', { headers: ownerWrite(), json: { name: 'never', role: 'viewer' } })).status).toBe(500);
        });
        expect(await api.platform.db.apiToken.count()).toBe(before);
      },
    ],
  ])('%s: neither commits without the other', async (_action, run) => {
    await run();
  });
});
