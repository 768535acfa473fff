import { logIn, makeAccount, makeToken } from '../../support/admin';
import { createCampaign, signingBody, type TestCampaign } from '../../support/fixtures';
import { startTestApi, type TestApi } from '../../support/harness';

/**
 * Input no route may see (NUL, unpaired surrogates, bytes that are not UTF-8) is refused at the
 * edge with one 400 for every operation; maps keyed by request text find nothing for `constructor`;
 * a wrong method is a 405 with Allow.
 */
let api: TestApi;
let campaign: TestCampaign;
let admin: Record<string, string>;

beforeAll(async () => {
  api = await startTestApi();
  campaign = await createCampaign(api.platform.db);
  const owner = await makeAccount(api.platform.db, 'owner');
  const session = await logIn(api.url, owner.email, owner.password);
  admin = { authorization: `Bearer ${(await makeToken(api.url, session, 'owner')).token}` };
});
afterAll(() => api.close());

async function raw(method: string, path: string, body?: Buffer | string, headers: Record<string, string> = {}) {
  const response = await fetch(`${api.url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await response.text();
  return {
    status: response.status,
    type: response.headers.get('content-type') ?? '',
    allow: response.headers.get('allow'),
    json: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : undefined,
  };
}

function expectRefused(answer: { status: number; type: string; json?: Record<string, unknown> }) {
  expect(answer.status).toBe(400);
  expect(answer.type).toMatch(/^application\/problem\+json/);
}

const NUL = 'a\u0000b';
const LONE = 'a\ud800b';

describe('NUL and unpaired surrogates', () => {
  it.each([
    ['NUL', NUL],
    ['a lone high surrogate', LONE],
    ['a lone low surrogate', '\udc00x'],
  ])('refuses %s in a signing body field and stores nothing', async (_what, bad) => {
    const body = signingBody(campaign, { consent: { updates: true, wording: bad } });
    const answer = await raw('POST', `/api/campaigns/${campaign.slug}/signatures`, JSON.stringify(body), { 'content-type': 'application/json' });
    expectRefused(answer);
    expect(answer.json?.errors).toEqual([{ field: 'consent.wording', message: expect.stringMatching(/NUL/) }]);
    expect(await api.platform.db.signature.count({ where: { campaignId: campaign.id } })).toBe(0);
  });

  it('refuses them in a form body, a field name, the query and the path', async () => {
    expectRefused(
      await raw('POST', `/api/campaigns/${campaign.slug}/signatures`, 'name=a%00b&email=x%40example.org', {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'text/html',
      }),
    );
    expectRefused(await raw('POST', '/api/admin/session', JSON.stringify({ [`e${NUL}`]: 'x', password: 'y' }), { 'content-type': 'application/json' }));
    expectRefused(
      await raw('POST', '/api/admin/session', JSON.stringify({ email: `a${LONE}@example.org`, password: 'y' }), { 'content-type': 'application/json' }),
    );
    expectRefused(await raw('GET', '/api/admin/letters?campaign=%00', undefined, admin));
    expectRefused(await raw('GET', '/api/admin/letters?campaign=%ED%A0%80', undefined, admin));
    expectRefused(await raw('GET', '/api/campaigns/a%00b', undefined));
    expectRefused(await raw('PATCH', '/api/admin/targets/Z%00A', JSON.stringify({ missionName: 'x' }), { ...admin, 'content-type': 'application/json' }));
  });

  it('refuses them deep inside admin bodies (PATCH campaign, template, invalidate)', async () => {
    const json = { ...admin, 'content-type': 'application/json' };
    expectRefused(await raw('PATCH', `/api/admin/campaigns/${campaign.slug}`, JSON.stringify({ title: NUL }), json));
    expectRefused(await raw('PATCH', `/api/admin/campaigns/${campaign.slug}`, JSON.stringify({ source: { organisation: LONE } }), json));
    expectRefused(
      await raw(
        'PUT',
        `/api/admin/campaigns/${campaign.slug}/letter-template`,
        JSON.stringify({ language: 'en', subject: NUL, html: '<p>x</p>', text: 'x' }),
        json,
      ),
    );
    expectRefused(await raw('POST', `/api/admin/campaigns/${campaign.slug}/signatures/invalidate`, JSON.stringify({ emailDomain: NUL, reason: 'x' }), json));
    const stored = await api.platform.db.campaign.findUniqueOrThrow({ where: { id: campaign.id } });
    expect(stored.title).not.toContain('\u0000');
  });

  it('refuses bodies that are not UTF-8', async () => {
    const json = Buffer.concat([Buffer.from('{"email":"a'), Buffer.from([0xff, 0xfe]), Buffer.from('@example.org","password":"x"}')]);
    const refused = await raw('POST', '/api/admin/session', json, { 'content-type': 'application/json' });
    expectRefused(refused);
    expect(refused.json?.code).toBe('malformed_body');
    const form = Buffer.concat([Buffer.from('email=a'), Buffer.from([0xc3]), Buffer.from('&name=x')]);
    expectRefused(await raw('POST', `/api/campaigns/${campaign.slug}/signatures`, form, { 'content-type': 'application/x-www-form-urlencoded' }));
    expectRefused(
      await raw('POST', `/api/campaigns/${campaign.slug}/signatures`, 'email=a%FF&name=x', { 'content-type': 'application/x-www-form-urlencoded' }),
    );
  });

  it('still accepts ordinary text outside the BMP (a surrogate pair)', async () => {
    const body = signingBody(campaign, { name: 'Aigerim 🌷' });
    expect((await raw('POST', `/api/campaigns/${campaign.slug}/signatures`, JSON.stringify(body), { 'content-type': 'application/json' })).status).toBe(202);
  });
});

describe('maps keyed by request text', () => {
  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])('GET /static/vendor/%s is a 404', async (name) => {
    const answer = await raw('GET', `/static/vendor/${name}`);
    expect(answer.status).toBe(404);
    expect(answer.type).toMatch(/^application\/problem\+json/);
  });
});

describe('wrong methods', () => {
  it.each([
    ['DELETE', `/api/campaigns/:slug`, 'GET, HEAD'],
    ['PUT', '/api/confirmations', 'POST'],
    ['GET', '/api/campaigns/:slug/signatures', 'POST'],
    ['POST', '/api/admin/targets', 'GET, HEAD'],
    ['PUT', '/api/admin/session', 'DELETE, GET, HEAD, POST'],
    ['POST', '/static/clarion.css', 'GET, HEAD'],
  ])('%s %s is a 405 with Allow', async (method, path, allow) => {
    const answer = await raw(method, path.replace(':slug', campaign.slug), undefined, admin);
    expect(answer.status).toBe(405);
    expect(answer.allow).toBe(allow);
    expect(answer.type).toMatch(/^application\/problem\+json/);
    expect(answer.json?.code).toBe('method_not_allowed');
  });

  it('an unknown path is still a 404', async () => {
    expect((await raw('DELETE', '/api/nothing-here')).status).toBe(404);
  });
});
