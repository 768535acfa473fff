// @queue-backends both: npm test runs this file on Redis and on PostgreSQL queues (scripts/test.mjs).
import { call, makeAccount } from '../../support/admin';
import { startTestApi, type TestApi } from '../../support/harness';

/**
 * Staff logins under attack: attempts are counted before the password is checked, the lock is per
 * (account, network) with an account-wide backstop, one network is rate-limited, and password
 * hashing has bounded concurrency. Source networks come from X-Forwarded-For (TRUST_PROXY=loopback).
 */
let api: TestApi;

beforeAll(async () => {
  api = await startTestApi({
    ADMIN_LOGIN_MAX_FAILURES: '5',
    ADMIN_LOGIN_ACCOUNT_MAX_FAILURES: '20',
    ADMIN_LOGIN_NETWORK_PER_MINUTE: '1000',
    ADMIN_LOGIN_HASH_QUEUE: '1000',
  });
});
afterAll(async () => {
  await api.close();
});

let nextNetwork = 1;
const aNetwork = () => `198.51.${Math.floor(nextNetwork / 250)}.${nextNetwork++ % 250}`;

function attempt(target: TestApi, email: string, password: string, network: string) {
  return call(target.url, 'POST', '/api/admin/session', { headers: { 'x-forwarded-for': network }, json: { email, password } });
}

it('counts concurrent attempts before checking passwords: 19 wrong then the right one, against a limit of 5, is refused', async () => {
  const account = await makeAccount(api.platform.db, 'owner');
  const network = aNetwork();
  const wrong = Array.from({ length: 19 }, (_, i) => attempt(api, account.email, `wrong-password-${i}`, network));
  await new Promise((resolve) => setTimeout(resolve, 50)); // the 19 are counted and hashing
  const right = await attempt(api, account.email, account.password, network);
  const refusals = await Promise.all(wrong);
  expect(refusals.map((r) => r.status)).toEqual(Array(19).fill(401));
  expect(right.status).toBe(401);
  expect(right.text).toBe(refusals[0]!.text); // the same answer as a wrong password
});

it('locks only the (account, network) pair: the owner still logs in from their own network', async () => {
  const account = await makeAccount(api.platform.db, 'editor');
  const adversary = aNetwork();
  for (let i = 0; i < 5; i++) expect((await attempt(api, account.email, `guess-${i}-password`, adversary)).status).toBe(401);
  expect((await attempt(api, account.email, account.password, adversary)).status).toBe(401);
  expect((await attempt(api, account.email, account.password, aNetwork())).status).toBe(200);
  // IPv6: the pair is the /64 the client owns.
  const v6 = '2001:db8:aa:bb::';
  for (let i = 0; i < 5; i++) await attempt(api, account.email, `v6-guess-${i}`, `${v6}${i + 1}`);
  expect((await attempt(api, account.email, account.password, `${v6}99`)).status).toBe(401);
  expect((await attempt(api, account.email, account.password, '2001:db8:aa:cc::1')).status).toBe(200);
});

it('locks the account itself only at the much higher account-wide limit, and audits it', async () => {
  const account = await makeAccount(api.platform.db, 'viewer');
  // 20 failures from 5 networks, 4 each: no pair reaches 5.
  for (let n = 0; n < 5; n++) {
    const network = aNetwork();
    for (let i = 0; i < 4; i++) expect((await attempt(api, account.email, `spread-${n}-${i}`, network)).status).toBe(401);
  }
  const row = await api.platform.db.adminAccount.findUniqueOrThrow({ where: { id: account.id }, select: { lockedUntil: true } });
  expect(row.lockedUntil!.getTime()).toBeGreaterThan(Date.now());
  expect((await attempt(api, account.email, account.password, aNetwork())).status).toBe(401);
  const audit = await api.platform.db.auditEvent.findFirst({ where: { action: 'accounts.lock', subject: account.id } });
  expect(audit).not.toBeNull();
});

it('rate-limits one network across every account (429 with Retry-After)', async () => {
  const limited = await startTestApi({ ADMIN_LOGIN_NETWORK_PER_MINUTE: '3' });
  try {
    const network = aNetwork();
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await attempt(limited, `someone-${i}@staff.example.org`, 'a-password-guess', network));
    expect(answers.map((a) => a.status)).toEqual([401, 401, 401, 429]);
    expect(answers[3]!.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(answers[3]!.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect((await attempt(limited, 'someone-0@staff.example.org', 'a-password-guess', aNetwork())).status).toBe(401);
  } finally {
    await limited.close();
  }
});

it('bounds password hashing: a flood gets 503 with Retry-After, not a queue that starves the server', async () => {
  const gated = await startTestApi({ ADMIN_LOGIN_HASH_CONCURRENCY: '1', ADMIN_LOGIN_HASH_QUEUE: '2', ADMIN_LOGIN_NETWORK_PER_MINUTE: '1000' });
  try {
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => attempt(gated, `flood-${i}@staff.example.org`, 'a-password-guess', aNetwork())));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 401).length).toBeGreaterThanOrEqual(3);
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 401 || s === 503)).toBe(true);
    const busy = answers.find((a) => a.status === 503)!;
    expect(busy.headers.get('retry-after')).toBe('1');
    expect(busy.headers.get('content-type')).toMatch(/application\/problem\+json/);
  } finally {
    await gated.close();
  }
});
