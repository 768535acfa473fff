// @queue-backends both: npm test runs this file on Redis and on PostgreSQL queues (scripts/test.mjs).
import { startTestApi, type TestApi } from '../../support/harness';

/** Nothing listens on port 1 of loopback: connections are refused at once. */
const UNREACHABLE_REDIS = 'redis://127.0.0.1:1';
const UNREACHABLE_POSTGRES = 'postgresql://postgres@127.0.0.1:1/clarion_test';

let api: TestApi;
/** With QUEUE_BACKEND=postgres the queues' check is `queues` (PostgreSQL), and there is no Redis to lose. */
const onRedis = (process.env.QUEUE_BACKEND ?? 'redis') === 'redis';
const redisOnly = onRedis ? it : it.skip;

beforeAll(async () => {
  api = await startTestApi();
});

afterAll(async () => {
  await api.close();
});

async function expectProblem(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const problem = (await response.json()) as Record<string, unknown>;
  expect(problem).toEqual(
    expect.objectContaining({ type: `urn:clarion:problem:${code}`, title: expect.any(String), status, code, detail: expect.any(String) }),
  );
  return problem;
}

describe('health checks', () => {
  it('answers /healthz with 200', async () => {
    const response = await fetch(`${api.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('answers /readyz with 200 and the state of each dependency', async () => {
    const response = await fetch(`${api.url}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ready', checks: onRedis ? { postgres: 'ok', redis: 'ok' } : { postgres: 'ok', queues: 'ok' } });
  });

  redisOnly('answers /readyz with 503 and a problem naming Redis when Redis is unreachable, within a few seconds', async () => {
    const broken = await startTestApi({ REDIS_URL: UNREACHABLE_REDIS, RATE_LIMIT_ENABLED: 'false' });
    try {
      const started = Date.now();
      const response = await fetch(`${broken.url}/readyz`);
      const problem = await expectProblem(response, 503, 'not_ready');
      expect(problem.detail).toContain('Redis');
      expect(problem.detail).not.toContain('PostgreSQL');
      expect(response.headers.get('retry-after')).toBe('5');
      expect(Date.now() - started).toBeLessThan(3000);
      // The process itself is still up.
      expect((await fetch(`${broken.url}/healthz`)).status).toBe(200);
    } finally {
      await broken.close();
    }
  });

  it('answers /readyz with 503 and a problem naming PostgreSQL when PostgreSQL is unreachable', async () => {
    const broken = await startTestApi({ DATABASE_URL: UNREACHABLE_POSTGRES, RATE_LIMIT_ENABLED: 'false' });
    try {
      const problem = await expectProblem(await fetch(`${broken.url}/readyz`), 503, 'not_ready');
      expect(problem.detail).toContain('PostgreSQL');
      expect(problem.detail).not.toContain('Redis');
    } finally {
      await broken.close();
    }
  });
});

describe('every answer', () => {
  it('answers an unknown path with a 404 problem', async () => {
    await expectProblem(await fetch(`${api.url}/no/such/path`), 404, 'not_found');
    await expectProblem(await fetch(`${api.url}/api/nothing-here`, { method: 'DELETE' }), 404, 'not_found');
  });

  it("answers the browser's /favicon.ico with an empty, cacheable 204 (not a 404 on every page)", async () => {
    const response = await fetch(`${api.url}/favicon.ico`);
    expect(response.status).toBe(204);
    expect(response.headers.get('cache-control')).toContain('max-age=86400');
  });

  it('echoes a well-formed X-Request-Id', async () => {
    const response = await fetch(`${api.url}/healthz`, { headers: { 'x-request-id': 'abc-123_DEF.456' } });
    expect(response.headers.get('x-request-id')).toBe('abc-123_DEF.456');
  });

  it.each([
    ['no X-Request-Id', undefined],
    ['one that is too short', 'abc'],
    ['one that is too long', 'x'.repeat(65)],
    ['one with characters a log could be fooled by', 'abcdefgh{"level":60}'],
  ])('makes up a request id for a request with %s', async (_what, given) => {
    const response = await fetch(`${api.url}/healthz`, { headers: given ? { 'x-request-id': given } : {} });
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('carries the security headers, also on errors', async () => {
    for (const path of ['/healthz', '/no/such/path']) {
      const response = await fetch(`${api.url}${path}`);
      const headers = response.headers;
      expect(headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
      expect(headers.get('content-security-policy')).toMatch(/script-src 'self'/);
      expect(headers.get('content-security-policy')).toMatch(/default-src 'self'/);
      expect(headers.get('x-content-type-options')).toBe('nosniff');
      expect(headers.get('referrer-policy')).toBe('no-referrer');
      expect(headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(headers.get('x-powered-by')).toBeNull();
    }
  });
});

describe('API documentation', () => {
  interface OpenApi {
    openapi: string;
    paths: Record<string, Record<string, unknown>>;
    components: { schemas: Record<string, { properties?: Record<string, unknown>; required?: string[] }> };
  }

  it('publishes an OpenAPI 3.1 document with the campaign and signing paths', async () => {
    const response = await fetch(`${api.url}/api/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const doc = (await response.json()) as OpenApi;
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths['/api/campaigns/{slug}'] ?? {})).toContain('get');
    expect(Object.keys(doc.paths['/api/campaigns/{slug}/signatures'] ?? {})).toContain('post');
    expect(Object.keys(doc.paths['/api/confirmations'] ?? {})).toContain('post');
  });

  it('describes the signing request, consent included, and the problem shape', async () => {
    const doc = (await (await fetch(`${api.url}/api/openapi.json`)).json()) as OpenApi;
    const signing = doc.components.schemas.SigningRequest!;
    expect(Object.keys(signing.properties ?? {})).toEqual(expect.arrayContaining(['email', 'name', 'country', 'city', 'comment', 'consent']));
    expect(signing.required).toEqual(expect.arrayContaining(['email', 'name', 'consent']));
    const consent = signing.properties!.consent as { properties?: Record<string, unknown>; required?: string[] };
    expect(Object.keys(consent.properties ?? {})).toEqual(expect.arrayContaining(['updates', 'wording']));
    expect(Object.keys(doc.components.schemas.Problem!.properties ?? {})).toEqual(
      expect.arrayContaining(['type', 'title', 'status', 'detail', 'code', 'errors']),
    );
  });

  it('shows a readable reference page that lists the signing path', async () => {
    const response = await fetch(`${api.url}/api/docs`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain('/api/campaigns/{slug}/signatures');
    expect(html).toContain('SigningRequest');
  });
});
