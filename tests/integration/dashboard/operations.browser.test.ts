import type { Page } from 'playwright-core';
import { logIn, makeAccount } from '../../support/admin';
import { launchBrowser, seriousAccessibilityViolations, type TestBrowser } from '../../support/browser';
import { createCampaign, type TestCampaign } from '../../support/fixtures';
import { startTestApi, type TestApi } from '../../support/harness';
import { sign } from '../../support/letters';
import { seedTargets } from '../../../src/modules/letters';
import { logInThroughPage } from './login-through-page';

/**
 * The operational pages in real headless Chromium: delegations (edit one, import a file with an
 * error and then a good one), fraud clean-up (invalidate and restore by email domain), and the
 * owner's accounts, tokens and audit log.
 */
jest.setTimeout(120_000);

let api: TestApi;
let browser: TestBrowser;
let page: Page;
let campaign: TestCampaign;

beforeAll(async () => {
  api = await startTestApi({ RATE_LIMIT_ENABLED: 'false' });
  await seedTargets(api.platform.db);
  campaign = await createCampaign(api.platform.db);
  for (let i = 0; i < 3; i += 1) await sign(api, campaign.slug, campaign.wording);
  await sign(api, campaign.slug, campaign.wording, { email: `someone-${Date.now()}@other.example.com` });
  browser = await launchBrowser();
  page = await browser.newPage();
  await logInThroughPage(page, api.url, await makeAccount(api.platform.db, 'editor'));
});

afterAll(async () => {
  await browser?.close();
  await api?.close();
});

const db = () => api.platform.db;
const text = async (selector: string) => (await page.textContent(selector))?.trim();
const kazakhstan = () =>
  db().target.findUniqueOrThrow({
    where: { iso2: 'KZ' },
    select: { missionName: true, salutation: true, hourlyCap: true, addresses: { select: { email: true } } },
  });
const HEADER = 'iso2,country,un_group,council_member,term_ends,mission_name,time_zone,salutation,preferred_language,active,hourly_cap,emails';
const kzRow = (mission: string) => `KZ,Kazakhstan,Asia-Pacific,false,,${mission},Europe/Zurich,Your Excellency,ru,true,12,mission.kz@kz-mission.org`;

describe('delegations', () => {
  it('edits one delegation from its row, and shows a bad address beside its field', async () => {
    await page.click('nav[aria-label="Admin"] >> text=Delegations');
    await page.waitForSelector('#targets tr[data-iso2="KZ"]');
    expect(await page.textContent('#targets tr[data-iso2="KZ"]')).toContain('placeholder');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    await page.click('#targets tr[data-iso2="KZ"] button');
    expect(await page.evaluate('document.activeElement.id')).toBe('h-edit');
    await page.fill('#t-salutation', 'Your Excellency');
    await page.fill('#t-cap', '12');
    await page.fill('#t-emails', 'not an address');
    await page.click('#target-edit button[type="submit"]');
    await page.waitForSelector('#t-emails[aria-invalid="true"]');
    expect((await kazakhstan()).salutation).not.toBe('Your Excellency');

    await page.fill('#t-emails', 'mission.kz@kz-mission.org');
    await page.click('#target-edit button[type="submit"]');
    await page.locator('#targets-message', { hasText: 'Saved Kazakhstan' }).waitFor();
    expect(await page.textContent('#targets tr[data-iso2="KZ"] .cap')).toBe('12');
    expect(await kazakhstan()).toEqual({
      missionName: expect.any(String),
      salutation: 'Your Excellency',
      hourlyCap: 12,
      addresses: [{ email: 'mission.kz@kz-mission.org' }],
    });
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
  });

  it('imports nothing from a file with an error, listing it with line and column; then imports a good file', async () => {
    const before = await kazakhstan();
    const bad = [
      HEADER,
      kzRow('Mission of Kazakhstan renamed'),
      'FR,France,Western European and Others,true,2026,Mission of France,Mars/Olympus,Excellency,fr,true,,mission@fr-mission.org',
    ].join('\n');
    await page.setInputFiles('#import-file', { name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
    await page.click('#targets-import button[type="submit"]');
    await page.waitForSelector('#import-result .import-errors li');
    expect(await page.locator('#import-result .import-errors li').allTextContents()).toEqual([
      'Line 3, time_zone: must be an IANA time zone such as Europe/Zurich',
    ]);
    expect(await text('#import-result')).toContain('Nothing was imported');
    expect(await page.evaluate('document.activeElement.id')).toBe('import-result');
    expect(await kazakhstan()).toEqual(before);

    const good = [HEADER, kzRow('Permanent Mission of Kazakhstan (renamed)')].join('\n');
    await page.setInputFiles('#import-file', { name: 'good.csv', mimeType: 'text/csv', buffer: Buffer.from(good) });
    await page.click('#targets-import button[type="submit"]');
    await page.locator('#import-result', { hasText: 'Imported: 0 created, 1 updated, 0 unchanged.' }).waitFor();
    expect((await kazakhstan()).missionName).toBe('Permanent Mission of Kazakhstan (renamed)');
    await page.locator('#targets tr[data-iso2="KZ"]', { hasText: 'Permanent Mission of Kazakhstan (renamed)' }).waitFor();
    expect(await page.getAttribute('#targets-export', 'href')).toBe('/api/admin/targets.csv');
  });
});

describe('fraud clean-up', () => {
  const domainRow = () => page.locator('#by-domain tr[data-source="example.net"]');
  const counted = (status: 'confirmed' | 'pending' | 'invalidated') => db().signature.count({ where: { campaignId: campaign.id, status } });

  it("invalidates a domain's signatures after a reason in the confirm dialog, and the counts drop", async () => {
    await page.goto(`${api.url}/admin/campaigns/${campaign.slug}`);
    await page.click('text=Signing sources (fraud)');
    await page.waitForSelector('#by-domain tr[data-source="example.net"]');
    expect(await domainRow().locator('.signatures').textContent()).toBe('3');
    expect(await text('#counts')).toBe('0 confirmed, 4 pending, 0 invalidated');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    await domainRow()
      .getByRole('button', { name: /^Invalidate/ })
      .click();
    await page.waitForSelector('#invalidate-dialog[open]');
    expect(await page.evaluate('document.activeElement.id')).toBe('invalidate-reason');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    // No reason: refused, and nothing changes.
    await page.click('#invalidate-form button[type="submit"]');
    await page.waitForSelector('#invalidate-reason[aria-invalid="true"]');
    expect(await counted('invalidated')).toBe(0);

    await page.fill('#invalidate-reason', 'A burst of sign-ups from one test domain');
    await page.click('#invalidate-form button[type="submit"]');
    await page.locator('#sources-message', { hasText: '3 signatures from example.net invalidated.' }).waitFor();
    expect(await page.locator('#invalidate-dialog[open]').count()).toBe(0);
    await page.locator('#counts', { hasText: '0 confirmed, 1 pending, 3 invalidated' }).waitFor();
    expect(await domainRow().locator('.invalidated').textContent()).toBe('3');
    expect([await counted('pending'), await counted('invalidated')]).toEqual([1, 3]);
  });

  it('restores them', async () => {
    await domainRow()
      .getByRole('button', { name: /^Restore/ })
      .click();
    await page.locator('#sources-message', { hasText: '3 signatures from example.net restored.' }).waitFor();
    await page.locator('#counts', { hasText: '0 confirmed, 4 pending, 0 invalidated' }).waitFor();
    expect([await counted('pending'), await counted('invalidated')]).toEqual([4, 0]);
  });
});

describe('an owner', () => {
  let owner: Page;
  beforeAll(async () => {
    owner = await browser.newPage();
    await logInThroughPage(owner, api.url, await makeAccount(db(), 'owner'));
  });

  it('creates an account and sees its password once; the password logs in', async () => {
    await owner.click('nav[aria-label="Admin"] >> text=Accounts');
    await owner.waitForSelector('#accounts tbody tr');
    expect(await seriousAccessibilityViolations(owner)).toEqual([]);

    const email = `new-${Date.now()}@staff.example.org`;
    await owner.fill('#acc-email', 'not-an-email');
    await owner.click('#account-create button[type="submit"]');
    await owner.waitForSelector('#acc-email[aria-invalid="true"]');

    await owner.fill('#acc-email', email);
    await owner.selectOption('#acc-role', 'editor');
    await owner.click('#account-create button[type="submit"]');
    await owner.waitForSelector('#acc-secret:not([hidden])');
    const password = (await owner.textContent('#acc-secret code'))!;
    expect(password.length).toBeGreaterThanOrEqual(12);
    await owner.locator(`#accounts tr[data-account="${email}"]`).waitFor();
    expect((await logIn(api.url, email, password)).csrfToken).toEqual(expect.any(String));

    // Disable it from its row.
    await owner
      .locator(`#accounts tr[data-account="${email}"]`)
      .getByRole('button', { name: `Disable ${email}` })
      .click();
    await owner.locator(`#accounts tr[data-account="${email}"] .state`, { hasText: 'Disabled' }).waitFor();
    expect(await db().adminAccount.findUniqueOrThrow({ where: { email }, select: { role: true, disabledAt: true } })).toEqual({
      role: 'editor',
      disabledAt: expect.any(Date),
    });
    await owner.locator('#audit tr[data-action="accounts.create"]').first().waitFor();
  });

  it('creates an API token, sees it once, and revokes it', async () => {
    await owner.fill('#tok-name', 'export script');
    await owner.click('#token-create button[type="submit"]');
    await owner.waitForSelector('#tok-secret:not([hidden])');
    const token = (await owner.textContent('#tok-secret code'))!;
    expect(token).toMatch(/^clr_/);
    const works = await fetch(`${api.url}/api/admin/campaigns`, { headers: { authorization: `Bearer ${token}` } });
    expect(works.status).toBe(200);

    const row = owner.locator('#tokens tbody tr', { hasText: 'export script' });
    owner.once('dialog', (dialog) => void dialog.accept());
    await row.getByRole('button', { name: /Revoke/ }).click();
    await row.locator('.state', { hasText: 'Revoked' }).waitFor();
    expect((await fetch(`${api.url}/api/admin/campaigns`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    expect(await seriousAccessibilityViolations(owner)).toEqual([]);
  });
});
