import type { Role } from '../../../src/modules/admin';
import { call, logIn, makeAccount, makeToken, type AdminSessionCookie } from '../../support/admin';
import { createCampaign } from '../../support/fixtures';
import { startTestApi, type TestApi } from '../../support/harness';

/**
 * Every /api/admin/campaigns route tried with no credentials, an unknown token, a role one step
 * too low, the lowest allowed role, and a session cookie without its CSRF token on writes.
 */
let api: TestApi;
const tokens: Partial<Record<Role, string>> = {};
let editorSession: AdminSessionCookie;
let slug = ':slug'; // set in beforeAll; this one names the tests
let created = 0;

beforeAll(async () => {
  api = await startTestApi();
  const owner = await makeAccount(api.platform.db, 'owner');
  const session = await logIn(api.url, owner.email, owner.password);
  for (const role of ['owner', 'editor', 'viewer'] as const) tokens[role] = (await makeToken(api.url, session, role)).token;
  const editor = await makeAccount(api.platform.db, 'editor');
  editorSession = await logIn(api.url, editor.email, editor.password);
  slug = (await createCampaign(api.platform.db)).slug;
});
afterAll(async () => {
  await api.close();
});

const newCampaign = () => {
  created += 1;
  return {
    slug: `access-${created}-${Math.random().toString(36).slice(2, 8)}`,
    title: 'A new campaign',
    statement: 'Release them. Now.',
    source: { organisation: 'Test NGO' },
    goal: 10,
    sender: { name: 'Campaign', email: 'campaign@clarion.example' },
    demands: [{ title: 'Release', quote: 'Release them.' }],
    consent: { text: 'I agree to be contacted.' },
  };
};

interface Route {
  method: string;
  path: () => string;
  min: Role;
  ok: number;
  json?: () => unknown;
}
const routes: Route[] = [
  { method: 'GET', path: () => '/api/admin/campaigns', min: 'viewer', ok: 200 },
  { method: 'POST', path: () => '/api/admin/campaigns', min: 'editor', ok: 201, json: newCampaign },
  { method: 'GET', path: () => `/api/admin/campaigns/${slug}`, min: 'viewer', ok: 200 },
  { method: 'PATCH', path: () => `/api/admin/campaigns/${slug}`, min: 'editor', ok: 200, json: () => ({ goal: 250 }) },
  {
    method: 'PUT',
    path: () => `/api/admin/campaigns/${slug}/demands`,
    min: 'editor',
    ok: 200,
    json: () => ({ demands: [{ title: 'Free them', quote: 'Free the prisoners now.' }] }),
  },
  {
    method: 'PUT',
    path: () => `/api/admin/campaigns/${slug}/translations/ru`,
    min: 'editor',
    ok: 200,
    json: () => ({ title: 'Тестовая кампания', demands: [] }),
  },
  // Past the guard, a translation that does not exist is the domain's 404.
  { method: 'DELETE', path: () => `/api/admin/campaigns/${slug}/translations/kk`, min: 'editor', ok: 404 },
];

const below: Record<Role, Role | undefined> = { owner: 'editor', editor: 'viewer', viewer: undefined };
const send = (route: Route, headers: Record<string, string>) =>
  call(api.url, route.method, route.path(), { headers, ...(route.json ? { json: route.json() } : {}) });

describe.each(routes.map((r) => [`${r.method} ${r.path()}`, r] as const))('%s', (_name, route) => {
  it('answers 401 problem+json without credentials', async () => {
    const answer = await send(route, {});
    expect(answer.status).toBe(401);
    expect(answer.headers.get('content-type')).toContain('application/problem+json');
  });

  it('answers 401 with an unknown token', async () => {
    expect((await send(route, { authorization: 'Bearer clr_unknown-token-0123456789' })).status).toBe(401);
  });

  if (below[route.min]) {
    it(`answers 403 problem+json to the ${below[route.min]} role`, async () => {
      const answer = await send(route, { authorization: `Bearer ${tokens[below[route.min]!]}` });
      expect(answer.status).toBe(403);
      expect(answer.headers.get('content-type')).toContain('application/problem+json');
    });
  }

  it(`lets the ${route.min} role through`, async () => {
    const answer = await send(route, { authorization: `Bearer ${tokens[route.min]}` });
    expect({ status: answer.status, body: answer.status === route.ok ? undefined : answer.text }).toEqual({ status: route.ok, body: undefined });
  });

  if (route.method !== 'GET') {
    it('refuses a session cookie write without the CSRF token, and accepts it with the token', async () => {
      const without = await send(route, { cookie: editorSession.cookie });
      expect(without.status).toBe(403);
      const withToken = await send(route, { cookie: editorSession.cookie, 'x-csrf-token': editorSession.csrfToken });
      expect(withToken.status).toBe(route.ok);
    });
  }
});

it('records every write in the audit log with its actor', async () => {
  const events = await api.platform.db.auditEvent.findMany({
    where: { action: { startsWith: 'campaigns.' } },
    select: { action: true, subject: true, actorTokenId: true, actorAccountId: true },
  });
  const actions = new Set(events.map((e) => e.action));
  expect([...actions].sort()).toEqual(['campaigns.create', 'campaigns.replace_demands', 'campaigns.translate', 'campaigns.update']);
  expect(events.every((e) => e.actorAccountId !== null)).toBe(true);
  expect(events.filter((e) => e.action === 'campaigns.update').map((e) => e.subject)).toContain(slug);
});
