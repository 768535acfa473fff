import { call, logIn, makeAccount } from '../../support/admin';
import { startTestApi, type TestApi } from '../../support/harness';

/**
 * The bootstrap ADMIN_API_TOKEN creates the first owner and then retires: it must not remain an
 * untraceable owner in an old .env or CI secret. Its audit rows say it was the bootstrap token.
 */
const TOKEN = 'bootstrap-token-for-this-test-0123456789abcdef';
const auth = { authorization: `Bearer ${TOKEN}` };
let api: TestApi;

beforeAll(async () => {
  api = await startTestApi({ ADMIN_API_TOKEN: TOKEN });
});
afterAll(async () => {
  await api.close();
});

it('works until an owner exists, is audited as the bootstrap token, and is refused after', async () => {
  expect((await call(api.url, 'GET', '/api/admin/session', { headers: auth })).json).toEqual({ email: null, role: 'owner', via: 'token' });
  // A viewer account does not retire it: only an owner can take over.
  await makeAccount(api.platform.db, 'viewer');
  const created = await call(api.url, 'POST', '/api/admin/accounts', { headers: auth, json: { email: 'first-owner@staff.example.org', role: 'owner' } });
  expect(created.status).toBe(201);
  const { id, password } = created.json as { id: string; password: string };

  const refused = await call(api.url, 'GET', '/api/admin/accounts', { headers: auth });
  expect(refused.status).toBe(401);
  expect(refused.headers.get('content-type')).toMatch(/problem\+json/);
  expect(refused.text).toContain('stops working once an owner account exists');

  const owner = await logIn(api.url, 'first-owner@staff.example.org', password);
  const audit = await call(api.url, 'GET', '/api/admin/audit', { headers: { cookie: owner.cookie } });
  const events = (audit.json as { events: Array<{ action: string; subject: string; actor: string | null; actorAccountId: string | null }> }).events;
  expect(events.find((e) => e.action === 'accounts.create' && e.subject === id)).toMatchObject({ actor: 'bootstrap-token', actorAccountId: null });
  expect(events.find((e) => e.action === 'session.login')).toMatchObject({ actor: 'session' });
  expect(events.filter((e) => e.action === 'accounts.create' && e.subject !== id).map((e) => e.actor)).toEqual(['cli']);

  // With every owner disabled it works again: the way back in when the last owner is lost.
  await api.platform.db.adminAccount.update({ where: { id }, data: { disabledAt: new Date() } });
  expect((await call(api.url, 'GET', '/api/admin/accounts', { headers: auth })).status).toBe(200);
});
