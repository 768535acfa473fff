import { partnerOf } from '../../../src/modules/supporters';
import { createCampaign, signingBody, type TestCampaign } from '../../support/fixtures';
import { postJson, startTestApi, type TestApi } from '../../support/harness';

const PARTNER = 'https://partner.example.org';
const OTHER_PARTNER = 'http://127.0.0.1:8123';
const STRANGER = 'https://evil.example.net';

let api: TestApi;
let campaign: TestCampaign;

beforeAll(async () => {
  api = await startTestApi({ RATE_LIMIT_ENABLED: 'false' });
  campaign = await createCampaign(api.platform.db);
  await api.platform.db.campaign.update({ where: { id: campaign.id }, data: { embedOrigins: [PARTNER, OTHER_PARTNER] } });
});

afterAll(() => api.close());

const signaturesUrl = () => `${api.url}/api/campaigns/${campaign.slug}/signatures`;

function corsHeaders(headers: Headers): Record<string, string> {
  return Object.fromEntries([...headers.entries()].filter(([name]) => name.startsWith('access-control-')));
}

describe('CORS on the campaign API', () => {
  it('lets a listed partner origin read the answers, echoing exactly that origin, never * and never with credentials', async () => {
    const signed = await postJson(signaturesUrl(), signingBody(campaign), { origin: PARTNER });
    expect(signed.status).toBe(202);
    expect(signed.headers.get('access-control-allow-origin')).toBe(PARTNER);
    expect(signed.headers.get('access-control-allow-credentials')).toBeNull();
    expect(signed.headers.get('vary')).toMatch(/origin/i);

    const read = await fetch(`${api.url}/api/campaigns/${campaign.slug}`, { headers: { origin: OTHER_PARTNER } });
    expect(read.headers.get('access-control-allow-origin')).toBe(OTHER_PARTNER);
  });

  it('answers a listed origin’s preflight for the signing API', async () => {
    const preflight = await fetch(signaturesUrl(), {
      method: 'OPTIONS',
      headers: { origin: PARTNER, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(corsHeaders(preflight.headers)).toEqual({
      'access-control-allow-origin': PARTNER,
      'access-control-allow-methods': 'GET, POST',
      'access-control-allow-headers': 'Content-Type, Accept, Accept-Language',
      'access-control-max-age': '600',
    });
  });

  it('gives a refused origin no CORS header at all, on the preflight and on the request', async () => {
    for (const origin of [STRANGER, `${PARTNER}.evil.example`, 'https://partner.example.org:8443', 'null', 'http://partner.example.org']) {
      const preflight = await fetch(signaturesUrl(), { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
      expect(preflight.status).toBe(204);
      expect(corsHeaders(preflight.headers)).toEqual({});
      const read = await fetch(`${api.url}/api/campaigns/${campaign.slug}`, { headers: { origin } });
      expect(corsHeaders(read.headers)).toEqual({});
    }
  });

  it('does not answer CORS for another campaign that does not list the origin', async () => {
    const other = await createCampaign(api.platform.db);
    const read = await fetch(`${api.url}/api/campaigns/${other.slug}`, { headers: { origin: PARTNER } });
    expect(read.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('the embed page', () => {
  it('may be framed by exactly the campaign’s origins and itself, with no X-Frame-Options to contradict that', async () => {
    const response = await fetch(`${api.url}/c/${campaign.slug}/embed?partner=${encodeURIComponent(PARTNER)}`);
    expect(response.status).toBe(200);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp.split(';').filter((d) => d.startsWith('frame-ancestors'))).toEqual([`frame-ancestors 'self' ${PARTNER} ${OTHER_PARTNER}`]);
    expect(csp).toContain("script-src 'self'");
    expect(response.headers.get('x-frame-options')).toBeNull();
    const html = await response.text();
    expect(html).toContain('name="partner"');
    expect(html).toContain('name="source" value="embed"');
  });

  it('keeps every other page unframeable', async () => {
    const response = await fetch(`${api.url}/api/campaigns/${campaign.slug}`);
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
  });

  it('answers a page for a campaign nobody may see, framed by nobody', async () => {
    const draft = await createCampaign(api.platform.db, { status: 'draft' });
    const response = await fetch(`${api.url}/c/${draft.slug}/embed`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });

  it('issues no partner field for an origin the campaign does not list', async () => {
    const html = await (await fetch(`${api.url}/c/${campaign.slug}/embed?partner=${encodeURIComponent(STRANGER)}`)).text();
    expect(html).not.toContain('name="partner"');
  });

  it('serves the partner script so other origins may load it', async () => {
    const response = await fetch(`${api.url}/embed.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('javascript');
    expect(response.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(response.headers.get('set-cookie')).toBeNull();
    expect(await response.text()).toContain('event.origin !== clarion');
  });
});

describe('the partner of a signature', () => {
  async function partnerFieldFor(origin: string): Promise<string> {
    const html = await (await fetch(`${api.url}/c/${campaign.slug}/embed?partner=${encodeURIComponent(origin)}`)).text();
    return /name="partner" value="([^"]+)"/.exec(html)![1]!;
  }

  async function storedSignature(email: string) {
    const all = await api.platform.db.signature.findMany({
      where: { campaignId: campaign.id },
      select: { partner: true, source: true, createdAt: true },
      orderBy: { createdAt: 'desc' },
      take: 1,
    });
    expect(email).toBeTruthy();
    return all[0]!;
  }

  it('records the listed origin the embedded form was issued for, and embed as the source', async () => {
    const body = signingBody(campaign, { partner: await partnerFieldFor(PARTNER) });
    expect((await postJson(signaturesUrl(), body)).status).toBe(202);
    expect(await storedSignature(body.email)).toMatchObject({ partner: PARTNER, source: 'embed' });
  });

  it('records no partner for a forged, foreign or since-removed partner field, and still takes the signature', async () => {
    const forged = signingBody(campaign, { partner: Buffer.from(`${campaign.id} ${STRANGER}`).toString('base64url') + '.zz.forged' });
    expect((await postJson(signaturesUrl(), forged)).status).toBe(202);
    expect((await storedSignature(forged.email)).partner).toBeNull();

    const token = await partnerFieldFor(OTHER_PARTNER);
    const other = await createCampaign(api.platform.db);
    expect(partnerOf(api.platform, { id: other.id, embedOrigins: [OTHER_PARTNER] }, token)).toBeNull();

    await api.platform.db.campaign.update({ where: { id: campaign.id }, data: { embedOrigins: [PARTNER] } });
    try {
      const removed = signingBody(campaign, { partner: token });
      expect((await postJson(signaturesUrl(), removed)).status).toBe(202);
      expect((await storedSignature(removed.email)).partner).toBeNull();
    } finally {
      await api.platform.db.campaign.update({ where: { id: campaign.id }, data: { embedOrigins: [PARTNER, OTHER_PARTNER] } });
    }
  });

  it('lets the no-JavaScript answer page show inside the partner’s frame', async () => {
    const form = new URLSearchParams({ email: `embed-${Date.now()}@example.org`, name: 'Framed', 'consent[wording]': campaign.wording, locale: 'en' });
    const response = await fetch(signaturesUrl(), { method: 'POST', body: form, headers: { accept: 'text/html', origin: api.url } });
    expect(response.headers.get('content-security-policy')).toContain(`frame-ancestors 'self' ${PARTNER} ${OTHER_PARTNER}`);
  });
});
