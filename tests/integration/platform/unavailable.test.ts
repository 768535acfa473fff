// @queue-backends both: npm test runs this file on Redis and on PostgreSQL queues (scripts/test.mjs).
/**
 * Issue 13: overload and outages answer 503 with Retry-After, never 500: PostgreSQL unreachable,
 * the pool exhausted past its wait, a transaction that cannot start in time. A supporter pressing
 * the confirm button gets a page that says to try again, in their language.
 */
import { KAZAKHSTAN_CONSENT_WORDING_ID, KAZAKHSTAN_SLUG, seedKazakhstanCampaign } from '../../../src/modules/campaigns';
import { unavailableDependency } from '../../../src/platform/unavailable';
import { postJson, startTestApi, type TestApi } from '../../support/harness';

/** Nothing listens on port 1 of loopback: connections are refused at once. */
const UNREACHABLE_POSTGRES = 'postgresql://postgres@127.0.0.1:1/clarion_test';

const signing = () => ({
  email: `busy-${Math.random().toString(36).slice(2)}@example.net`,
  name: 'Busy Signer',
  country: 'KZ',
  consent: { updates: false, wording: KAZAKHSTAN_CONSENT_WORDING_ID },
});

async function expectUnavailable(answer: { status: number; headers: Headers; json?: unknown }) {
  expect(answer.status).toBe(503);
  expect(answer.headers.get('retry-after')).toBe('7');
  expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(answer.json).toMatchObject({ status: 503, code: 'unavailable', type: 'urn:clarion:problem:unavailable' });
}

describe('PostgreSQL unreachable', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ DATABASE_URL: UNREACHABLE_POSTGRES, RATE_LIMIT_ENABLED: 'false', RETRY_AFTER_SECONDS: '7', LOG_LEVEL: 'silent' });
  });
  afterAll(async () => api.close());

  it('answers the signing API with 503 problem+json and Retry-After', async () => {
    await expectUnavailable(await postJson(`${api.url}/api/campaigns/${KAZAKHSTAN_SLUG}/signatures`, signing()));
    const read = await fetch(`${api.url}/api/campaigns/${KAZAKHSTAN_SLUG}`);
    await expectUnavailable({ status: read.status, headers: read.headers, json: await read.json() });
  });

  it("answers the confirm button with a page in the supporter's language that says to try again", async () => {
    for (const [locale, words] of [
      ['ru', 'попробуйте ещё раз'],
      ['kk', 'қайталап көріңіз'],
      ['en', 'try again'],
    ] as const) {
      const response = await fetch(`${api.url}/confirm/some.token.value`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
        body: `locale=${locale}`,
      });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('7');
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await response.text();
      expect(html).toContain(`lang="${locale}"`);
      expect(html.toLowerCase()).toContain(words);
    }
  });
});

describe('the pool exhausted', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({
      RATE_LIMIT_ENABLED: 'false',
      RETRY_AFTER_SECONDS: '7',
      LOG_LEVEL: 'silent',
      DATABASE_POOL_SIZE: '1',
      DATABASE_POOL_TIMEOUT_MS: '300',
      DATABASE_TRANSACTION_WAIT_MS: '300',
    });
    await seedKazakhstanCampaign(api.platform.db);
  }, 60_000);
  afterAll(async () => api.close());

  it('answers 503 (not 500) while every connection is busy, and 202 again once one is free', async () => {
    // The pool's only connection, held for two seconds.
    const holding = api.platform.db.$transaction(
      async (tx) => {
        await tx.$executeRaw`SELECT pg_sleep(2)`;
      },
      { maxWait: 1000, timeout: 10_000 },
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    await expectUnavailable(await postJson(`${api.url}/api/campaigns/${KAZAKHSTAN_SLUG}/signatures`, signing()));
    await holding;
    expect((await postJson(`${api.url}/api/campaigns/${KAZAKHSTAN_SLUG}/signatures`, signing())).status).toBe(202);
  }, 20_000);
});

describe('recognising unavailable dependencies', () => {
  it.each([
    [
      'P2028 transaction start timeout',
      { name: 'PrismaClientKnownRequestError', code: 'P2028', message: 'Transaction API error: Unable to start a transaction in the given time.' },
      'database',
    ],
    ['P1001 unreachable', { name: 'PrismaClientKnownRequestError', code: 'P1001', message: "Can't reach database server" }, 'database'],
    ['57P03 starting up (in a cause)', { message: 'wrapped', cause: { code: '57P03', message: 'the database system is starting up' } }, 'database'],
    ['adapter DatabaseNotReachable (in meta)', { message: 'x', meta: { driverAdapterError: { cause: { kind: 'DatabaseNotReachable' } } } }, 'database'],
    ['pg pool wait timeout', new Error('timeout exceeded when trying to connect'), 'database'],
    ['ECONNREFUSED', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }), 'database'],
    ['ioredis fail-fast refusal', new Error("Stream isn't writeable and enableOfflineQueue options is false"), 'redis'],
    ['P2002 unique violation', { code: 'P2002', message: 'Unique constraint failed' }, undefined],
    ['a bug', new Error('a bug'), undefined],
  ])('%s', (_label, error, expected) => {
    expect(unavailableDependency(error)).toBe(expected);
  });
});
