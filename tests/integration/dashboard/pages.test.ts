import { call, logIn, makeAccount, type AdminSessionCookie } from '../../support/admin';
import { createCampaign } from '../../support/fixtures';
import { startTestApi, type TestApi } from '../../support/harness';

/** The dashboard's pages and files over HTTP: who gets what, and nothing from elsewhere. */
let api: TestApi;
let viewer: AdminSessionCookie;
let slug: string;

beforeAll(async () => {
  api = await startTestApi();
  const account = await makeAccount(api.platform.db, 'viewer');
  viewer = await logIn(api.url, account.email, account.password);
  slug = (await createCampaign(api.platform.db)).slug;
});
afterAll(async () => {
  await api.close();
});

const html = { accept: 'text/html' };

it.each(['/admin', '/admin/campaigns/some-campaign'])('sends %s without a session to the login page', async (path) => {
  const response = await fetch(`${api.url}${path}`, { headers: html, redirect: 'manual' });
  expect(response.status).toBe(303);
  expect(response.headers.get('location')).toBe(`/admin/login?next=${encodeURIComponent(path)}`);
});

it("keeps the login page's way back on our own admin pages", async () => {
  for (const [next, kept] of [
    ['/admin/campaigns/x', '/admin/campaigns/x'],
    ['https://evil.example/admin', '/admin'],
    ['//evil.example', '/admin'],
    ['/api/admin/tokens', '/admin'],
  ]) {
    const page = await call(api.url, 'GET', `/admin/login?next=${encodeURIComponent(next!)}`, { headers: html });
    expect(page.status).toBe(200);
    expect(page.text).toContain(`data-next="${kept}"`);
  }
});

it('answers a login form sent without JavaScript with a page that says why', async () => {
  const response = await fetch(`${api.url}/admin/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'email=a%40b.org&password=x',
  });
  expect(response.status).toBe(400);
  expect(await response.text()).toContain('The dashboard needs JavaScript');
});

it("shows a viewer the campaign page with its settings read-only, under the app's CSP", async () => {
  const page = await call(api.url, 'GET', `/admin/campaigns/${slug}`, { headers: { ...html, cookie: viewer.cookie } });
  expect(page.status).toBe(200);
  expect(page.headers.get('cache-control')).toBe('no-store');
  expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
  expect(page.text).toContain('<fieldset disabled>');
  expect(page.text).toContain('Retrying letters needs the editor role.');
  expect(page.text).toContain(`<meta name="csrf-token" content="${viewer.csrfToken}">`);
  // Every script is a file of ours: none inline, none from another host.
  const scripts = [...page.text.matchAll(/<script([^>]*)>/g)].map((m) => m[1]);
  expect(scripts.length).toBeGreaterThan(0);
  for (const attributes of scripts) expect(attributes).toMatch(/src="\/admin\/static\/[a-z.]+\.js"/);
  expect(page.text).not.toMatch(/\son[a-z]+="/);
});

it('leaves the export buttons and links out of the page for staff without the export permission, and shows them to staff with it', async () => {
  const exportLinks = /signatures\.csv|letters\.csv|manifest\.json|id="export-/;
  const asViewer = await call(api.url, 'GET', `/admin/campaigns/${slug}`, { headers: { ...html, cookie: viewer.cookie } });
  expect(asViewer.status).toBe(200);
  expect(asViewer.text).not.toMatch(exportLinks);
  expect(asViewer.text).toContain('need the export permission');

  const editorAccount = await makeAccount(api.platform.db, 'editor');
  const editor = await logIn(api.url, editorAccount.email, editorAccount.password);
  const asEditor = await call(api.url, 'GET', `/admin/campaigns/${slug}`, { headers: { ...html, cookie: editor.cookie } });
  for (const file of ['signatures.csv', 'letters.csv', 'delivery-package/manifest.json'])
    expect(asEditor.text).toContain(`/api/admin/campaigns/${slug}/${file}`);

  // An editor whose permission an owner withdrew is a viewer here.
  await api.platform.db.adminAccount.update({ where: { email: editorAccount.email }, data: { canExport: false } });
  const withdrawn = await call(api.url, 'GET', `/admin/campaigns/${slug}`, { headers: { ...html, cookie: editor.cookie } });
  expect(withdrawn.text).not.toMatch(exportLinks);
});

it('answers 404 problem+json for a campaign that does not exist', async () => {
  const page = await call(api.url, 'GET', '/admin/campaigns/no-such-campaign', { headers: { ...html, cookie: viewer.cookie } });
  expect(page.status).toBe(404);
  expect(page.headers.get('content-type')).toContain('application/problem+json');
});

it('serves Chart.js and its own files itself, and 404 for anything else there', async () => {
  const chart = await fetch(`${api.url}/admin/static/chart.umd.min.js`);
  expect(chart.status).toBe(200);
  expect(chart.headers.get('content-type')).toContain('javascript');
  expect(await chart.text()).toContain('Chart');
  for (const file of ['campaign.js', 'login.js', 'nav.js', 'dashboard.css']) expect((await fetch(`${api.url}/admin/static/${file}`)).status).toBe(200);
  const missing = await fetch(`${api.url}/admin/static/nothing.js`);
  expect(missing.status).toBe(404);
  expect(missing.headers.get('content-type')).toContain('application/problem+json');
});

describe('the editing pages', () => {
  const pages = () => [
    '/admin/new-campaign',
    `/admin/campaigns/${slug}/edit`,
    `/admin/campaigns/${slug}/letter-template`,
    `/admin/campaigns/${slug}/sources`,
    `/admin/campaigns/${slug}/mailings`,
    '/admin/targets',
    '/admin/accounts',
    '/admin/webhooks',
  ];

  it('send a browser without a session to the login page', async () => {
    for (const path of pages()) {
      const response = await fetch(`${api.url}${path}`, { headers: html, redirect: 'manual' });
      expect([path, response.status, response.headers.get('location')]).toEqual([path, 303, `/admin/login?next=${encodeURIComponent(path)}`]);
    }
  });

  it('refuse a viewer the new-campaign form and the accounts and webhooks pages with a 403 problem', async () => {
    for (const path of ['/admin/new-campaign', '/admin/accounts', '/admin/webhooks']) {
      const page = await call(api.url, 'GET', path, { headers: { ...html, cookie: viewer.cookie } });
      expect([path, page.status, page.headers.get('content-type')]).toEqual([path, 403, expect.stringContaining('application/problem+json')]);
    }
  });

  it('show a viewer the other pages without forms, inline scripts or inline handlers', async () => {
    for (const path of pages().slice(1, 6)) {
      const page = await call(api.url, 'GET', path, { headers: { ...html, cookie: viewer.cookie } });
      expect([path, page.status, page.headers.get('cache-control')]).toEqual([path, 200, 'no-store']);
      expect(page.text).not.toContain('<form');
      for (const [, attributes] of page.text.matchAll(/<script([^>]*)>/g)) expect(attributes).toMatch(/src="\/admin\/static\/[a-z-]+\.js"/);
      expect(page.text).not.toMatch(/\son[a-z]+="/);
    }
  });

  it('answer 404 problem+json for a campaign that does not exist', async () => {
    const page = await call(api.url, 'GET', '/admin/campaigns/no-such-campaign/edit', { headers: { ...html, cookie: viewer.cookie } });
    expect(page.status).toBe(404);
    expect(page.headers.get('content-type')).toContain('application/problem+json');
  });

  it('serve their scripts', async () => {
    for (const file of [
      'forms.js',
      'demand-rows.js',
      'campaign-new.js',
      'campaign-edit.js',
      'template.js',
      'sources.js',
      'mailings.js',
      'targets.js',
      'accounts.js',
    ]) {
      expect([file, (await fetch(`${api.url}/admin/static/${file}`)).status]).toEqual([file, 200]);
    }
  });
});
