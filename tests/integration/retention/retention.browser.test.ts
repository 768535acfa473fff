import type { Page } from 'playwright-core';
import { makeAccount } from '../../support/admin';
import { launchBrowser, seriousAccessibilityViolations, type TestBrowser } from '../../support/browser';
import { createCampaign } from '../../support/fixtures';
import { postJson, startTestApi, type TestApi } from '../../support/harness';
import { logInThroughPage } from '../dashboard/login-through-page';

/** The retention page in real headless Chromium: the dry run per campaign, and an owner's Run now. */
jest.setTimeout(120_000);

let api: TestApi;
let browser: TestBrowser;
let page: Page;

beforeAll(async () => {
  api = await startTestApi({ RATE_LIMIT_ENABLED: 'false' });
  browser = await launchBrowser();
  page = await browser.newPage();
  await logInThroughPage(page, api.url, await makeAccount(api.platform.db, 'owner'));
});

afterAll(async () => {
  await browser?.close();
  await api?.close();
});

it('shows what the next run would remove, and Run now removes it', async () => {
  const db = api.platform.db;
  const campaign = await createCampaign(db);
  for (let i = 0; i < 3; i += 1) {
    const signed = await postJson(`${api.url}/api/campaigns/${campaign.slug}/signatures`, {
      email: `browser-retention-${i}-${Date.now()}@example.net`,
      name: 'Browser Retention',
      country: 'KZ',
      consent: { updates: false, wording: campaign.wording },
    });
    expect(signed.status).toBe(202);
  }
  // Never confirmed, 31 days ago (the hourly rollup is not read here).
  await db.$executeRaw`UPDATE signatures SET created_at = created_at - interval '31 days' WHERE campaign_id = ${campaign.id}::uuid`;

  await page.goto(`${api.url}/admin`);
  await page.click('nav >> text=Retention');
  await page.waitForURL(`${api.url}/admin/retention`);
  expect(await seriousAccessibilityViolations(page)).toEqual([]);
  const row = page.locator(`#retention-preview tr[data-slug="${campaign.slug}"]`);
  expect((await row.locator('td').allTextContents()).map((t) => t.trim())).toEqual(['No', '3', '0', '0', '0']);

  await page.click('#retention-run button[type="submit"]');
  await page.locator('#retention-run .form-message', { hasText: 'Done: 3 unconfirmed signatures deleted' }).waitFor();
  expect(await db.signature.count({ where: { campaignId: campaign.id } })).toBe(0);
  await page.reload();
  expect(await page.locator(`#retention-preview tr[data-slug="${campaign.slug}"]`).count()).toBe(0);
});
