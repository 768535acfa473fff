import { randomUUID } from 'node:crypto';
import { logIn, makeAccount, makeToken } from '../../support/admin';
import { createCampaign } from '../../support/fixtures';
import { fuzz } from '../../support/fuzz/run';
import { operationsOf, type OpenApiDocument } from '../../support/fuzz/openapi';
import { LogCollector, startTestApi, type TestApi } from '../../support/harness';

/**
 * The API document is the contract: every documented operation, sent hostile variants (wrong
 * types, missing and unknown fields, 1 MB strings, deep nesting, prototype keys, NUL, lone
 * surrogates, bytes that are not UTF-8, wrong content types and methods), as an admin and
 * anonymously, answers no 5xx, a problem document for every error, a status and body the
 * document lists, and logs nothing at error level.
 *
 * `FUZZ_REQUESTS` (default 2,000 here) and `FUZZ_SEED` change the run; `npm run fuzz` is the long one.
 */
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 2000);
const SEED = Number(process.env.FUZZ_SEED ?? 20261206);
// About 10 ms a request alone, three times that beside the browser tests on two busy cores.
jest.setTimeout(Math.max(180_000, REQUESTS * 40));

let api: TestApi;
let document: OpenApiDocument;
const logs = new LogCollector();

beforeAll(async () => {
  api = await startTestApi({ RATE_LIMIT_ENABLED: 'false', LOG_LEVEL: 'warn' }, { logStream: logs });
  document = (await (await fetch(`${api.url}/api/openapi.json`)).json()) as OpenApiDocument;
});
afterAll(() => api.close());

describe('the API document', () => {
  it('gives every operation an operationId, tags and a security requirement; public ones say security: []', () => {
    const operations = operationsOf(document);
    expect(operations.length).toBeGreaterThan(40);
    const ids = operations.map(({ operation }) => operation.operationId);
    expect(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z0-9]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { method, path, operation } of operations) {
      expect({ method, path, tags: operation.tags?.length }).toEqual({ method, path, tags: expect.any(Number) });
      expect(Array.isArray(operation.security)).toBe(true);
      const isAdminPath = path.startsWith('/api/admin/') && !(method === 'POST' && path === '/api/admin/session');
      expect({ path, method, secured: (operation.security ?? []).length > 0 }).toEqual({
        path,
        method,
        secured: isAdminPath || path === '/metrics' || path.startsWith('/api/osdi/'),
      });
    }
    expect(document.paths['/metrics']!.get!.security).toEqual([{ metricsToken: [] }]);
    expect(document.components?.securitySchemes).toHaveProperty('metricsToken');
  });

  it('documents the answers the edge gives, on every operation', () => {
    for (const { method, path, operation } of operationsOf(document)) {
      const statuses = Object.keys(operation.responses);
      const expected = ['400', '405', '413', '415', '431', '503', ...(method === 'GET' ? ['304'] : []), ...(path.includes('{') ? ['404'] : [])];
      if ((operation.security ?? []).some((s) => 'adminToken' in s)) expected.push('401', '403');
      expect({ method, path, missing: expected.filter((s) => !statuses.includes(s)) }).toEqual({ method, path, missing: [] });
    }
    const signing = document.paths['/api/campaigns/{slug}/signatures']!.post!;
    expect(Object.keys(signing.responses['202']!.content!)).toContain('text/html');
  });

  it('holds patterns that are plain regular expressions (no leaked /flags)', () => {
    const patterns = JSON.stringify(document).match(/"pattern":"((?:[^"\\]|\\.)*)"/g) ?? [];
    expect(patterns.length).toBeGreaterThan(0);
    for (const match of patterns) {
      const pattern = JSON.parse(`{${match}}`).pattern as string;
      expect(pattern).not.toMatch(/\/[gimsuy]+$/);
      expect(() => new RegExp(pattern, 'u')).not.toThrow();
    }
    // The invalidate/restore ipHash pattern matches a hash in either case (it once ended in "/i").
    const ipHash = /"ipHash":\{[^{}]*"pattern":"([^"]+)"/.exec(JSON.stringify(document));
    expect(ipHash).not.toBeNull();
    expect(new RegExp(ipHash![1]!, 'u').test('0123456789ABCDEF0123456789abcdef')).toBe(true);
  });
});

describe('hostile requests from the document', () => {
  it(`${REQUESTS} requests: no 5xx, problem+json on every error, every answer as documented, no error-level log line`, async () => {
    const campaign = await createCampaign(api.platform.db);
    const owner = await makeAccount(api.platform.db, 'owner');
    const session = await logIn(api.url, owner.email, owner.password);
    const { token } = await makeToken(api.url, session, 'owner', 'fuzz');
    const report = await fuzz({
      baseUrl: api.url,
      document,
      known: {
        slug: campaign.slug,
        wording: campaign.wording,
        campaign: campaign.slug,
        iso2: 'KZ',
        country: 'KZ',
        lang: 'kk',
        language: 'en',
        id: randomUUID(),
        email: 'fuzz@example.org',
      },
      adminHeaders: { authorization: `Bearer ${token}` },
      requests: REQUESTS,
      seed: SEED,
    });
    console.log(`fuzz: ${report.sent} requests in ${(report.ms / 1000).toFixed(1)} s (seed ${SEED}); statuses ${JSON.stringify(report.byStatus)}`);
    expect(report.sent).toBe(REQUESTS);
    const errors = logs.lines.filter((line) => typeof line.level === 'number' && line.level >= 50);
    // Both at once, so a 5xx is shown with the log line that says why.
    expect({ failures: report.failures.slice(0, 15), errorLines: errors.slice(0, 5) }).toEqual({ failures: [], errorLines: [] });
  });
});
