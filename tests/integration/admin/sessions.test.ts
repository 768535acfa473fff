import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { call, logIn, makeAccount, makeToken } from '../../support/admin';
import { createCampaign } from '../../support/fixtures';
import { productionSecrets, startTestApi, type TestApi } from '../../support/harness';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ ADMIN_LOGIN_MAX_FAILURES: '3', ADMIN_LOGIN_LOCK_MINUTES: '15' });
});
afterAll(async () => {
  await api.close();
});

describe('sessions', () => {
  it('logs in with an httpOnly, SameSite=Strict cookie on / (not Secure outside production), and logs out', async () => {
    const viewer = await makeAccount(api.platform.db, 'viewer');
    const session = await logIn(api.url, viewer.email, viewer.password);
    expect(session.setCookie).toMatch(/^clarion_admin=[A-Za-z0-9_-]{43};/);
    expect(session.setCookie).toContain('HttpOnly');
    expect(session.setCookie).toContain('SameSite=Strict');
    expect(session.setCookie).toContain('Path=/');
    expect(session.setCookie).not.toContain('Secure');

    const me = await call(api.url, 'GET', '/api/admin/session', { headers: { cookie: session.cookie } });
    expect(me.json).toEqual({ email: viewer.email, role: 'viewer', via: 'session', csrfToken: session.csrfToken });

    // Only the SHA-256 of the cookie is stored.
    const rows = await api.platform.db.adminSession.findMany({ where: { accountId: viewer.id }, select: { id: true } });
    expect(rows).toHaveLength(1);
    expect(Buffer.from(rows[0]!.id).toString('base64url')).not.toBe(session.cookie.split('=')[1]);

    expect((await call(api.url, 'DELETE', '/api/admin/session', { headers: { cookie: session.cookie } })).status).toBe(403);
    const out = await call(api.url, 'DELETE', '/api/admin/session', { headers: { cookie: session.cookie, 'x-csrf-token': session.csrfToken } });
    expect(out.status).toBe(204);
    expect((await call(api.url, 'GET', '/api/admin/session', { headers: { cookie: session.cookie } })).status).toBe(401);
  });

  it('marks the cookie Secure in production', async () => {
    const production = await startTestApi({ NODE_ENV: 'production', SMTP_URL: 'smtp://127.0.0.1:2525', ...productionSecrets() });
    try {
      const owner = await makeAccount(production.platform.db, 'owner');
      const session = await logIn(production.url, owner.email, owner.password);
      expect(session.setCookie).toContain('Secure');
    } finally {
      await production.close();
    }
  });

  it('requires X-CSRF-Token for cookie writes but not for bearer writes', async () => {
    const editor = await makeAccount(api.platform.db, 'editor');
    const session = await logIn(api.url, editor.email, editor.password);
    const { slug } = await createCampaign(api.platform.db);
    const put = { language: 'en', subject: 'S {{delegation.country}}', html: '<p>x</p>', text: 'x\n' };
    const path = `/api/admin/campaigns/${slug}/letter-template`;
    expect((await call(api.url, 'PUT', path, { headers: { cookie: session.cookie }, json: put })).status).toBe(403);
    expect((await call(api.url, 'PUT', path, { headers: { cookie: session.cookie, 'x-csrf-token': 'wrong' }, json: put })).status).toBe(403);
    expect((await call(api.url, 'PUT', path, { headers: { cookie: session.cookie, 'x-csrf-token': session.csrfToken }, json: put })).status).toBe(200);
    expect((await call(api.url, 'GET', path, { headers: { cookie: session.cookie } })).status).toBe(200);

    const owner = await makeAccount(api.platform.db, 'owner');
    const token = await makeToken(api.url, await logIn(api.url, owner.email, owner.password), 'editor');
    expect((await call(api.url, 'PUT', path, { headers: { authorization: `Bearer ${token.token}` }, json: put })).status).toBe(200);
  });

  it('stores argon2id hashes', async () => {
    const account = await makeAccount(api.platform.db, 'viewer');
    const row = await api.platform.db.adminAccount.findUniqueOrThrow({ where: { id: account.id }, select: { passwordHash: true } });
    expect(row.passwordHash).toMatch(/^\$argon2id\$v=19\$/);
  });
});

describe('login throttling', () => {
  it('answers an unknown email and a wrong password identically', async () => {
    const account = await makeAccount(api.platform.db, 'viewer');
    const wrong = await call(api.url, 'POST', '/api/admin/session', { json: { email: account.email, password: 'not-the-password' } });
    const unknown = await call(api.url, 'POST', '/api/admin/session', { json: { email: 'nobody-here@staff.example.org', password: 'not-the-password' } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(unknown.text).toBe(wrong.text);
    expect(unknown.headers.get('content-type')).toBe(wrong.headers.get('content-type'));
    expect(unknown.headers.get('set-cookie')).toBeNull();
  });

  // Lockout (per network, per account, concurrency): tests/integration/admin/login-lockout.test.ts.
});

describe('API tokens', () => {
  it('creates (shown once), lists without secrets, and revokes', async () => {
    const owner = await makeAccount(api.platform.db, 'owner');
    const session = await logIn(api.url, owner.email, owner.password);
    const created = await makeToken(api.url, session, 'viewer', 'exports script');
    expect(created.token).toMatch(/^clr_[A-Za-z0-9_-]{43}$/);
    const auth = { authorization: `Bearer ${created.token}` };
    expect((await call(api.url, 'GET', '/api/admin/targets', { headers: auth })).status).toBe(200);

    const list = await call(api.url, 'GET', '/api/admin/tokens', { headers: { cookie: session.cookie } });
    expect(list.text).not.toContain(created.token);
    const listed = (list.json as { tokens: Array<Record<string, unknown>> }).tokens.find((t) => t.id === created.id);
    expect(listed).toMatchObject({ name: 'exports script', role: 'viewer', account: owner.email, revokedAt: null });
    expect(listed!.lastUsedAt).not.toBeNull();
    expect(Object.keys(listed!)).not.toContain('token');
    const stored = await api.platform.db.apiToken.findUniqueOrThrow({ where: { id: created.id }, select: { tokenHash: true } });
    expect(Buffer.from(stored.tokenHash)).toHaveLength(32);

    const revoked = await call(api.url, 'DELETE', `/api/admin/tokens/${created.id}`, {
      headers: { cookie: session.cookie, 'x-csrf-token': session.csrfToken },
    });
    expect(revoked.status).toBe(204);
    expect((await call(api.url, 'GET', '/api/admin/targets', { headers: auth })).status).toBe(401);
  });

  it('refuses a token with a higher role than its creator', async () => {
    const owner = await makeAccount(api.platform.db, 'owner');
    const session = await logIn(api.url, owner.email, owner.password);
    const ownerToken = await makeToken(api.url, session, 'owner');
    await api.platform.db.adminAccount.update({ where: { id: owner.id }, data: { role: 'editor' } });
    // The token now acts as an editor: it cannot reach owner routes.
    expect((await call(api.url, 'GET', '/api/admin/tokens', { headers: { authorization: `Bearer ${ownerToken.token}` } })).status).toBe(403);
  });
});

describe('accounts and the audit log', () => {
  it('lets owners create, change and disable accounts, and records every write for owners only', async () => {
    const owner = await makeAccount(api.platform.db, 'owner');
    const session = await logIn(api.url, owner.email, owner.password);
    const write = { cookie: session.cookie, 'x-csrf-token': session.csrfToken };
    const created = await call(api.url, 'POST', '/api/admin/accounts', { headers: write, json: { email: 'New.Editor@Staff.example.org', role: 'editor' } });
    expect(created.status).toBe(201);
    const account = created.json as { id: string; email: string; password: string };
    expect(account.email).toBe('new.editor@staff.example.org');
    const editorSession = await logIn(api.url, account.email, account.password);
    expect((await call(api.url, 'POST', '/api/admin/accounts', { headers: write, json: { email: account.email, role: 'viewer' } })).status).toBe(409);

    expect((await call(api.url, 'GET', '/api/admin/audit', { headers: { cookie: editorSession.cookie } })).status).toBe(403);
    const disabled = await call(api.url, 'PATCH', `/api/admin/accounts/${account.id}`, { headers: write, json: { disabled: true } });
    expect(disabled.json).toMatchObject({ disabled: true });
    expect((await call(api.url, 'GET', '/api/admin/session', { headers: { cookie: editorSession.cookie } })).status).toBe(401);

    const audit = await call(api.url, 'GET', '/api/admin/audit?limit=200', { headers: { cookie: session.cookie } });
    expect(audit.status).toBe(200);
    const events = (audit.json as { events: Array<{ action: string; subject: string | null; actorAccountId: string | null }> }).events;
    const mine = events.filter((e) => e.actorAccountId === owner.id).map((e) => e.action);
    expect(mine.slice(0, 3)).toEqual(['accounts.update', 'accounts.create', 'session.login']);
    expect(events.find((e) => e.action === 'session.login' && e.subject === account.id)).toBeDefined();
    expect(audit.text).not.toContain(account.password);
  });

  it('records letter-module writes with the token that made them', async () => {
    const owner = await makeAccount(api.platform.db, 'owner');
    const token = await makeToken(api.url, await logIn(api.url, owner.email, owner.password), 'editor');
    const { slug } = await createCampaign(api.platform.db);
    const put = { language: 'en', subject: 'S', html: '<p>x</p>', text: 'x\n' };
    expect(
      (await call(api.url, 'PUT', `/api/admin/campaigns/${slug}/letter-template`, { headers: { authorization: `Bearer ${token.token}` }, json: put })).status,
    ).toBe(200);
    const event = await api.platform.db.auditEvent.findFirstOrThrow({ where: { action: 'templates.save', subject: slug } });
    expect(event).toMatchObject({ actorAccountId: owner.id, actorTokenId: token.id, details: { language: 'en' } });
  });
});

describe('npm run admin:create', () => {
  let outDir: string;
  beforeAll(() => {
    // Transpile just the CLI and what it imports (type-checking is `tsc --noEmit`'s job).
    // Inside the project, so the compiled files find node_modules as the built ones in dist/ do.
    const root = path.resolve(__dirname, '../../..');
    fs.mkdirSync(path.join(root, 'node_modules/.cache'), { recursive: true });
    outDir = fs.mkdtempSync(path.join(root, 'node_modules/.cache/clarion-admin-cli-'));
    const config = path.join(outDir, 'tsconfig.json');
    fs.writeFileSync(
      config,
      JSON.stringify({
        extends: path.join(root, 'tsconfig.json'),
        compilerOptions: { outDir, rootDir: root, noCheck: true, sourceMap: false, types: [] },
        files: [path.join(root, 'src/cli/admin-create.ts')],
        include: [],
      }),
    );
    const tsc = spawnSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', config], { encoding: 'utf8' });
    if (tsc.status !== 0) throw new Error(tsc.stdout + tsc.stderr);
  }, 120_000);
  afterAll(() => fs.rmSync(outDir, { recursive: true, force: true }));

  function run(args: string[], stdin?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const child = spawn(process.execPath, [path.join(outDir, 'src/cli/admin-create.js'), ...args], {
      env: process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.stdin.end(stdin ?? '');
    return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  }

  it('prints a generated password that logs in, and refuses a taken email', async () => {
    const created = await run(['--email', 'first-owner@staff.example.org', '--role', 'owner']);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const password = created.stdout.trim().split('\n').pop()!;
    expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const session = await logIn(api.url, 'first-owner@staff.example.org', password);
    expect((await call(api.url, 'GET', '/api/admin/session', { headers: { cookie: session.cookie } })).json).toMatchObject({ role: 'owner' });

    const again = await run(['--email', 'first-owner@staff.example.org', '--role', 'viewer']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists');
    expect(await api.platform.db.auditEvent.count({ where: { action: 'accounts.create', details: { path: ['via'], equals: 'cli' } } })).toBeGreaterThan(0);
  });

  it('reads a password from standard input and refuses a weak one', async () => {
    const weak = await run(['--email', 'weak@staff.example.org', '--role', 'viewer', '--password-stdin'], 'short\n');
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain('at least 12 characters');
    const strong = await run(['--email', 'piped@staff.example.org', '--role', 'editor', '--password-stdin'], 'a long enough passphrase\n');
    expect(strong.code).toBe(0);
    expect(strong.stdout).not.toContain('a long enough passphrase');
    await logIn(api.url, 'piped@staff.example.org', 'a long enough passphrase');
  });

  it('exits 2 with the usage on a bad role', async () => {
    const bad = await run(['--email', 'x@staff.example.org', '--role', 'admin']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Usage: npm run admin:create');
  });
});
