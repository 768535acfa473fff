// @queue-backends both: npm test runs this file on Redis and on PostgreSQL queues (scripts/test.mjs).
import { call, logIn, makeAccount, makeToken, type AdminSessionCookie } from '../../support/admin';
import { launchBrowser, type TestBrowser } from '../../support/browser';
import { startTestApi, type TestApi } from '../../support/harness';

/** The BullMQ board at /admin/queues: owners only, its own CSP, nothing fetched from elsewhere. */
let api: TestApi;
let owner: { email: string; password: string };
const sessions: Partial<Record<'owner' | 'editor' | 'viewer', AdminSessionCookie>> = {};
let editorToken: string;
let browser: TestBrowser;

beforeAll(async () => {
  api = await startTestApi();
  owner = await makeAccount(api.platform.db, 'owner');
  sessions.owner = await logIn(api.url, owner.email, owner.password);
  for (const role of ['editor', 'viewer'] as const) {
    const account = await makeAccount(api.platform.db, role);
    sessions[role] = await logIn(api.url, account.email, account.password);
  }
  editorToken = (await makeToken(api.url, sessions.owner, 'editor')).token;
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await api.close();
});

const page = { accept: 'text/html,application/xhtml+xml' };
const json = { accept: 'application/json' };

describe('who may open the queue board', () => {
  it('sends a browser without a session to the login page, and back afterwards', async () => {
    const response = await fetch(`${api.url}/admin/queues/`, { headers: page, redirect: 'manual' });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/admin/login?next=%2Fadmin%2Fqueues%2F');
  });

  it('answers the board API 401 problem+json without a session', async () => {
    const answer = await call(api.url, 'GET', '/admin/queues/api/queues', { headers: json });
    expect(answer.status).toBe(401);
    expect(answer.headers.get('content-type')).toContain('application/problem+json');
  });

  it.each(['editor', 'viewer'] as const)('refuses a logged-in %s with 403, page and API alike', async (role) => {
    for (const [path, headers] of [
      ['/admin/queues/', page],
      ['/admin/queues/api/queues', json],
    ] as const) {
      const answer = await call(api.url, 'GET', path, { headers: { ...headers, cookie: sessions[role]!.cookie } });
      expect(answer.status).toBe(403);
      expect(answer.headers.get('content-type')).toContain('application/problem+json');
    }
  });

  it('refuses an editor API token with 403', async () => {
    expect((await call(api.url, 'GET', '/admin/queues/api/queues', { headers: { ...json, authorization: `Bearer ${editorToken}` } })).status).toBe(403);
  });

  it('shows an owner the board, under a CSP that allows no third party', async () => {
    const answer = await call(api.url, 'GET', '/admin/queues/', { headers: { ...page, cookie: sessions.owner!.cookie } });
    expect(answer.status).toBe(200);
    expect(answer.text).toContain('<base href="/admin/queues/"');
    expect(answer.text).not.toContain('fonts.googleapis.com');
    const csp = answer.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/https:|unsafe-eval/);
    expect(answer.headers.get('x-powered-by')).toBeNull();

    const queues = await call(api.url, 'GET', '/admin/queues/api/queues', { headers: { ...json, cookie: sessions.owner!.cookie } });
    expect(queues.status).toBe(200);
    expect((queues.json as { queues: Array<{ name: string }> }).queues.map((q) => q.name).sort()).toEqual(['email', 'letters', 'mailings', 'webhooks']);
  });
});

describe('board writes', () => {
  const pause = (headers: Record<string, string>) =>
    call(api.url, 'PUT', '/admin/queues/api/queues/email/pause', { headers: { ...json, cookie: sessions.owner!.cookie, ...headers } });

  it("refuses a cookie write that does not come from the board's own origin", async () => {
    expect((await pause({})).status).toBe(403);
    expect((await pause({ origin: 'https://evil.example' })).status).toBe(403);
    expect((await pause({ origin: api.url, 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    const queues = (await call(api.url, 'GET', '/admin/queues/api/queues', { headers: { ...json, cookie: sessions.owner!.cookie } })).json as {
      queues: Array<{ name: string; isPaused: boolean }>;
    };
    expect(queues.queues.find((q) => q.name === 'email')!.isPaused).toBe(false);
  });

  it("accepts it from the board's own origin", async () => {
    expect((await pause({ origin: api.url, 'sec-fetch-site': 'same-origin' })).status).toBe(200);
    const resumed = await call(api.url, 'PUT', '/admin/queues/api/queues/email/resume', {
      headers: { ...json, cookie: sessions.owner!.cookie, origin: api.url },
    });
    expect(resumed.status).toBe(200);
  });
});

it('loads in Chromium for an owner without a CSP violation or a request to another host', async () => {
  const tab = await browser.newPage();
  const violations: string[] = [];
  const foreign: string[] = [];
  tab.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  tab.on('request', (request) => {
    if (!request.url().startsWith(api.url) && !request.url().startsWith('data:')) foreign.push(request.url());
  });

  await tab.goto(`${api.url}/admin/queues/`);
  await tab.waitForURL(/\/admin\/login/);
  await tab.fill('#email', owner.email);
  await tab.fill('#password', owner.password);
  await tab.click('button[type="submit"]');
  await tab.waitForURL(/\/admin\/queues\/$/);
  await tab.getByText('letters', { exact: false }).first().waitFor({ timeout: 15_000 });
  await tab.waitForLoadState('networkidle');
  expect(violations).toEqual([]);
  expect(foreign).toEqual([]);

  // The board's own writes, as its page sends them (Origin and Sec-Fetch-Site set by Chromium), pass.
  const put = (path: string) => tab.evaluate<number>(`fetch(${JSON.stringify(path)}, { method: 'PUT' }).then((r) => r.status)`);
  expect(await put('api/queues/email/pause')).toBe(200);
  expect(await put('api/queues/email/resume')).toBe(200);
});
