import { CSV_COLUMNS } from '../../../src/modules/letters/targets/targets.csv';
import type { Role } from '../../../src/modules/admin';
import { call, logIn, makeAccount, makeToken } from '../../support/admin';
import { createCampaign } from '../../support/fixtures';
import { startTestApi, type TestApi } from '../../support/harness';

/**
 * Every /api/admin route of this module and the letters module, tried with no credentials, with a
 * role one step too low, and with the lowest role that is allowed.
 */
let api: TestApi;
const tokens: Partial<Record<Role, string>> = {};
let slug = ':slug'; // the real one is set in beforeAll; this one names the tests

// Bouvet Island: no seed or other test in this file uses it.
const ISO2 = 'BV';
const csv = () =>
  `${CSV_COLUMNS.join(',')}\n${ISO2},Bouvet Island,Western European and Others,false,,Permanent Mission of Bouvet Island,Europe/Oslo,Excellency,en,true,,office@bv-mission.org\n`;
const template = { language: 'en', subject: 'To {{delegation.country}}', html: '<p>{{delegation.salutation}}</p>', text: '{{delegation.salutation}}\n' };

beforeAll(async () => {
  api = await startTestApi();
  const owner = await makeAccount(api.platform.db, 'owner');
  const session = await logIn(api.url, owner.email, owner.password);
  for (const role of ['owner', 'editor', 'viewer'] as const) tokens[role] = (await makeToken(api.url, session, role)).token;
  slug = (await createCampaign(api.platform.db)).slug;
  await call(api.url, 'POST', '/api/admin/targets/import', { headers: { authorization: `Bearer ${tokens.editor}` }, csv: csv() });
});
afterAll(async () => {
  await api.close();
});

interface Route {
  method: string;
  path: () => string;
  min: Role;
  ok: number;
  json?: () => unknown;
  csv?: () => string;
}
const routes: Route[] = [
  { method: 'GET', path: () => '/api/admin/targets', min: 'viewer', ok: 200 },
  { method: 'GET', path: () => '/api/admin/targets.csv', min: 'viewer', ok: 200 },
  { method: 'POST', path: () => '/api/admin/targets/import', min: 'editor', ok: 200, csv },
  { method: 'PATCH', path: () => `/api/admin/targets/${ISO2}`, min: 'editor', ok: 200, json: () => ({ salutation: 'Your Excellency' }) },
  { method: 'GET', path: () => `/api/admin/campaigns/${slug}/letter-template`, min: 'viewer', ok: 200 },
  { method: 'PUT', path: () => `/api/admin/campaigns/${slug}/letter-template`, min: 'editor', ok: 200, json: () => template },
  {
    method: 'POST',
    path: () => `/api/admin/campaigns/${slug}/letter-template/preview`,
    min: 'editor',
    ok: 200,
    json: () => ({ iso2: ISO2, supporter: { name: 'A' } }),
  },
  { method: 'GET', path: () => '/api/admin/letters?status=failed', min: 'viewer', ok: 200 },
  // No failed letter exists: past the guard, the answer is the domain's 404 / a count of 0.
  { method: 'POST', path: () => '/api/admin/letters/00000000-0000-4000-8000-000000000000/retry', min: 'editor', ok: 404 },
  { method: 'POST', path: () => '/api/admin/letters/retry', min: 'editor', ok: 202, json: () => ({ ids: ['00000000-0000-4000-8000-000000000000'] }) },
  { method: 'GET', path: () => '/api/admin/session', min: 'viewer', ok: 200 },
  { method: 'GET', path: () => '/api/admin/tokens', min: 'owner', ok: 200 },
  { method: 'POST', path: () => '/api/admin/tokens', min: 'owner', ok: 201, json: () => ({ name: 'script', role: 'viewer' }) },
  { method: 'DELETE', path: () => '/api/admin/tokens/00000000-0000-4000-8000-000000000000', min: 'owner', ok: 404 },
  { method: 'GET', path: () => '/api/admin/accounts', min: 'owner', ok: 200 },
  {
    method: 'POST',
    path: () => '/api/admin/accounts',
    min: 'owner',
    ok: 201,
    json: () => ({ email: `new-${Date.now()}-${Math.random().toString(36).slice(2)}@staff.example.org`, role: 'viewer' }),
  },
  { method: 'PATCH', path: () => '/api/admin/accounts/00000000-0000-4000-8000-000000000000', min: 'owner', ok: 404, json: () => ({ role: 'viewer' }) },
  { method: 'GET', path: () => '/api/admin/audit', min: 'owner', ok: 200 },
];

const below: Record<Role, Role | undefined> = { owner: 'editor', editor: 'viewer', viewer: undefined };

function send(route: Route, headers: Record<string, string>) {
  return call(api.url, route.method, route.path(), { headers, ...(route.json ? { json: route.json() } : {}), ...(route.csv ? { csv: route.csv() } : {}) });
}

describe.each(routes.map((r) => [`${r.method} ${r.path().replace(/\?.*$/, '')}`, r] as const))('%s', (_name, route) => {
  it('answers 401 problem+json without credentials', async () => {
    const answer = await send(route, {});
    expect(answer.status).toBe(401);
    expect(answer.headers.get('content-type')).toContain('application/problem+json');
    expect(answer.headers.get('www-authenticate')).toContain('Bearer');
  });

  it('answers 401 with an unknown token', async () => {
    expect((await send(route, { authorization: 'Bearer clr_unknown-token-0123456789' })).status).toBe(401);
  });

  it('answers 403 to a role one step too low', async () => {
    const lower = below[route.min];
    if (!lower) return; // viewer is the lowest role: nothing is below it.
    const answer = await send(route, { authorization: `Bearer ${tokens[lower]}` });
    expect(answer.status).toBe(403);
    expect(answer.headers.get('content-type')).toContain('application/problem+json');
  });

  it('lets the lowest allowed role through', async () => {
    const answer = await send(route, { authorization: `Bearer ${tokens[route.min]}` });
    expect({ status: answer.status, body: answer.status === route.ok ? undefined : answer.text }).toEqual({ status: route.ok, body: undefined });
  });
});

it('refuses the bootstrap ADMIN_API_TOKEN once an owner account exists', async () => {
  const token = 'b'.repeat(40);
  const bootstrap = await startTestApi({ ADMIN_API_TOKEN: token });
  try {
    const answer = await call(bootstrap.url, 'GET', '/api/admin/accounts', { headers: { authorization: `Bearer ${token}` } });
    expect(answer.status).toBe(401);
    expect(answer.text).toContain('stops working once an owner account exists');
  } finally {
    await bootstrap.close();
  }
});
