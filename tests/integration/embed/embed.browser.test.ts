import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { launchBrowser, seriousAccessibilityViolations, type TestBrowser } from '../../support/browser';
import { createCampaign, type TestCampaign } from '../../support/fixtures';
import { eventually, startTestApi, type TestApi } from '../../support/harness';

/**
 * A partner's page, served from its own origin (another port on 127.0.0.1: origins differ by
 * port), embeds the signing form with the one-line script, in real headless Chromium.
 */
let api: TestApi;
let browser: TestBrowser;
let campaign: TestCampaign;
const servers: http.Server[] = [];

async function partnerSite(slug: () => string): Promise<string> {
  const server = http.createServer((_req, res) => {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Partner</title></head><body>
<main><h1>A partner organisation</h1><p>Please sign:</p>
<script src="${api.url}/embed.js" data-campaign="${slug()}" async></script>
</main></body></html>`);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

let allowed: string;
let refused: string;

beforeAll(async () => {
  api = await startTestApi({ RATE_LIMIT_ENABLED: 'false' });
  campaign = await createCampaign(api.platform.db);
  allowed = await partnerSite(() => campaign.slug);
  refused = await partnerSite(() => campaign.slug);
  await api.platform.db.campaign.update({ where: { id: campaign.id }, data: { embedOrigins: [allowed] } });
  browser = await launchBrowser();
}, 30_000);

afterAll(async () => {
  await browser?.close();
  for (const server of servers) await new Promise((resolve) => server.close(resolve));
  await api.close();
});

const signaturesOf = () => api.platform.db.signature.findMany({ where: { campaignId: campaign.id }, select: { partner: true, source: true } });

describe('the embedded signing form', () => {
  it('signs inside the frame on an allowed partner site and records that partner', async () => {
    const page = await browser.newPage();
    await page.goto(allowed);
    const iframe = page.locator('iframe');
    await iframe.waitFor();
    const frame = page.frameLocator('iframe');
    await frame.locator('#embed-name').fill('Framed Supporter');
    await frame.locator('#embed-email').fill(`framed-${Date.now()}@example.org`);
    // The frame tells the partner page its height, and the script fits the iframe to it.
    await eventually(
      async () => (await iframe.evaluate((el) => (el as unknown as { style: { height: string } }).style.height)) !== '36rem',
      5_000,
      'iframe resized',
    );
    expect(await seriousAccessibilityViolations((await (await iframe.elementHandle())!.contentFrame())! as never)).toEqual([]);
    // A person takes more than the form's minimum fill time.
    await page.waitForTimeout(3_200);
    await frame.locator('button[type="submit"]').click();
    const stored = await eventually(async () => (await signaturesOf()).find((s) => s.partner === allowed), 10_000, 'a signature from the partner');
    expect(stored).toEqual({ partner: allowed, source: 'embed' });
    // The script stays on the partner's page: the frame shows the answer, the page did not move.
    expect(page.url()).toBe(`${allowed}/`);
  }, 30_000);

  it('is blocked by the browser on a refused site, whose direct calls to the signing API are blocked too', async () => {
    const before = (await signaturesOf()).length;
    const page = await browser.newPage();
    await page.goto(refused);
    const iframe = page.locator('iframe');
    await iframe.waitFor();
    await page.waitForTimeout(1_000);
    const frame = await (await iframe.elementHandle())!.contentFrame();
    // frame-ancestors: Chromium replaces the refused document with an error page; no form in it.
    expect(await frame!.locator('form').count()).toBe(0);

    const outcome = await page.evaluate(
      async ({ url, wording }) => {
        try {
          const response = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ email: `refused-${Date.now()}@example.org`, name: 'Refused', consent: { updates: false, wording } }),
          });
          return `answered ${response.status}`;
        } catch (error) {
          return `blocked: ${String(error)}`;
        }
      },
      { url: `${api.url}/api/campaigns/${campaign.slug}/signatures`, wording: campaign.wording },
    );
    expect(outcome).toMatch(/^blocked: TypeError/);
    await page.waitForTimeout(300);
    expect((await signaturesOf()).length).toBe(before);
  }, 30_000);

  it('lets the allowed partner call the signing API directly and read the answer', async () => {
    const page = await browser.newPage();
    await page.goto(allowed);
    const outcome = await page.evaluate(
      async ({ url, wording }) => {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: `direct-${Date.now()}@example.org`, name: 'Direct', consent: { updates: false, wording } }),
        });
        return { status: response.status, body: (await response.json()) as { status: string } };
      },
      { url: `${api.url}/api/campaigns/${campaign.slug}/signatures`, wording: campaign.wording },
    );
    expect(outcome).toMatchObject({ status: 202, body: { status: 'received' } });
  }, 30_000);
});
