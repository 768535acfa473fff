import { launchBrowser, type TestBrowser } from '../../support/browser';
import { createCampaign, type TestCampaign } from '../../support/fixtures';
import { eventually, startTestApi, type TestApi } from '../../support/harness';

let api: TestApi;
let browser: TestBrowser;
let campaign: TestCampaign;

beforeAll(async () => {
  api = await startTestApi({ RATE_LIMIT_ENABLED: 'false' });
  campaign = await createCampaign(api.platform.db);
  await api.platform.db.campaign.update({ where: { id: campaign.id }, data: { proofOfWork: true } });
  browser = await launchBrowser();
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await api.close();
});

describe('the proof-of-work widget in a real browser', () => {
  it.each([
    ['the campaign page', '', 'sign'],
    ['the embeddable form', '/embed', 'embed'],
  ])(
    'on %s, solves the challenge while the supporter fills the form, and the signing is accepted',
    async (_where, suffix, prefix) => {
      const before = await api.platform.db.signature.count({ where: { campaignId: campaign.id } });
      const page = await browser.newPage();
      const refused: string[] = [];
      page.on('console', (message) => {
        if (/Content Security Policy|Refused to/i.test(message.text())) refused.push(message.text());
      });
      await page.goto(`${api.url}/c/${campaign.slug}${suffix}`);
      await page.locator(`#${prefix}-name`).fill('Solver Supporter');
      await page.locator(`#${prefix}-email`).fill(`solver-${prefix}-${Date.now()}@example.org`);
      // Focusing the form starts the widget; the solution lands in its hidden field.
      const solved = await eventually(
        async () =>
          page.locator('input[name="altcha"]').evaluateAll((inputs) => (inputs as unknown as Array<{ value: string }>).map((i) => i.value).find(Boolean)),
        15_000,
        'the widget solved the challenge',
      );
      expect(JSON.parse(Buffer.from(solved, 'base64').toString('utf8'))).toMatchObject({
        challenge: { parameters: { algorithm: 'SHA-256' } },
        solution: { counter: expect.any(Number) },
      });
      await page.waitForTimeout(3_200);
      await page.locator('form[data-signing-form] button[type="submit"]').click();
      await eventually(
        async () => (await api.platform.db.signature.count({ where: { campaignId: campaign.id } })) === before + 1,
        10_000,
        'the signature stored',
      );
      expect(refused).toEqual([]);
    },
    40_000,
  );

  it.each(['', '/embed'])(
    'tells a supporter without JavaScript that signing needs it (page %p)',
    async (suffix) => {
      const page = await browser.newPage({ javaScriptEnabled: false });
      await page.goto(`${api.url}/c/${campaign.slug}${suffix}`);
      await expect(page.locator('.pow-no-script').textContent()).resolves.toContain('needs JavaScript');
    },
    20_000,
  );
});
