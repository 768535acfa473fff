import { parse } from 'csv-parse/sync';
import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { seedDefaultTemplate, seedTargets } from '../../../src/modules/letters';
import { makeAccount } from '../../support/admin';
import { launchBrowser, seriousAccessibilityViolations, type TestBrowser } from '../../support/browser';
import { createCampaign, type TestCampaign } from '../../support/fixtures';
import { eventually, startTestStack, type TestStack } from '../../support/harness';
import { confirmByEmail, sign } from '../../support/letters';
import { logInThroughPage } from './login-through-page';

/**
 * The dashboard in real headless Chromium: a staff member logs in through the page, and what the
 * page shows (counts, chart, countries, exports, retry) is checked against the database.
 */
jest.setTimeout(120_000);

let stack: TestStack;
let browser: TestBrowser;
let campaign: TestCampaign;
let staff: { email: string; password: string };
let page: Page;
let failedLetterId: string;
const signers: Array<{ email: string; country: string }> = [];
const confirmed = new Set<string>();

beforeAll(async () => {
  stack = await startTestStack({ RATE_LIMIT_ENABLED: 'false', LETTERS_CAP_DISABLED: 'true' });
  const { db } = stack.api.platform;
  campaign = await createCampaign(db);
  await seedTargets(db);
  await seedDefaultTemplate(db, campaign.id);
  staff = await makeAccount(db, 'editor');

  for (const country of ['KZ', 'KZ', 'FR', 'DE', 'KZ']) {
    const { email } = await sign(stack.api, campaign.slug, campaign.wording, { country });
    signers.push({ email, country });
  }
  for (const signer of signers.slice(0, 3)) {
    await confirmByEmail(stack.api, stack.smtp, signer.email);
    confirmed.add(signer.email);
  }

  // A letter the SMTP server refused for good, as the letters worker leaves it.
  const signature = await db.signature.findFirstOrThrow({ where: { campaignId: campaign.id, status: 'confirmed' }, select: { id: true, supporterId: true } });
  const attempt = await db.signingAttempt.findFirstOrThrow({ where: { signatureId: signature.id }, select: { id: true } });
  const target = await db.target.findFirstOrThrow({ where: { active: true }, orderBy: { iso2: 'asc' }, select: { id: true } });
  failedLetterId = (
    await db.letter.create({
      data: {
        campaignId: campaign.id,
        supporterId: signature.supporterId,
        targetId: target.id,
        attemptId: attempt.id,
        status: 'failed',
        attempts: 3,
        lastSmtpResponse: '550 5.1.1 Mailbox unavailable',
        failedAt: new Date(),
      },
      select: { id: true },
    })
  ).id;

  browser = await launchBrowser();
  page = await browser.newPage();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const db = () => stack.api.platform.db;
const statusCount = (status: 'confirmed' | 'pending' | 'invalidated') => db().signature.count({ where: { campaignId: campaign.id, status } });
const text = async (selector: string) => (await page.textContent(selector))?.trim();

async function dashboardLoaded(after = 0): Promise<void> {
  await eventually(async () => Number((await page.getAttribute('#dashboard', 'data-refreshes')) ?? 0) > after, 20_000, 'a refresh of the figures');
}

it('logs in through the login page and lists the campaign', async () => {
  await page.goto(`${stack.api.url}/admin/campaigns/${campaign.slug}`);
  // No session: the login page, which will come back here.
  await page.waitForURL(/\/admin\/login\?next=/);
  expect(await seriousAccessibilityViolations(page)).toEqual([]);

  await page.fill('#email', staff.email);
  await page.fill('#password', 'not the password');
  await page.click('button[type="submit"]');
  await page.waitForSelector('#login-error:not([hidden])');
  expect(await text('#login-error')).toContain('do not match');

  await page.fill('#password', staff.password);
  await page.click('button[type="submit"]');
  await page.waitForURL(`${stack.api.url}/admin/campaigns/${campaign.slug}`);

  await page.goto(`${stack.api.url}/admin`);
  expect(await page.locator(`tr[data-slug="${campaign.slug}"] a`).textContent()).toBe(`Test campaign ${campaign.slug.slice(5)}`);
  expect(await seriousAccessibilityViolations(page)).toEqual([]);
});

it('shows the counts, chart and countries the database holds', async () => {
  await page.click(`tr[data-slug="${campaign.slug}"] a`);
  await dashboardLoaded();

  expect(await text('#count-confirmed')).toBe(String(await statusCount('confirmed')));
  expect(await text('#count-pending')).toBe(String(await statusCount('pending')));
  expect(await text('#count-invalidated')).toBe(String(await statusCount('invalidated')));
  expect(await text('#goal-text')).toBe('3 of 100 (3%)');
  expect(await text('#funnel')).toBe('5 signed → 3 confirmed → 1 wrote to a delegation');

  // Page code as a string: this project's TypeScript has no DOM types.
  const sums = await page.evaluate<{ signed: number; confirmed: number; buckets: number }>(`(() => {
    const chart = Chart.getChart(document.getElementById('series-chart'));
    const sum = (label) => chart.data.datasets.find((d) => d.label === label).data.reduce((a, b) => a + b, 0);
    return { signed: sum('Signed'), confirmed: sum('Confirmed'), buckets: chart.data.datasets[0].data.length };
  })()`);
  expect(sums).toEqual({ signed: signers.length, confirmed: await statusCount('confirmed'), buckets: expect.any(Number) });
  expect(sums.buckets).toBeGreaterThanOrEqual(30);

  const shown: Array<[string | null, number, number]> = [];
  for (const row of await page.locator('#by-country tbody tr').all()) {
    shown.push([
      (await row.getAttribute('data-country')) || null,
      Number(await row.locator('[data-signed]').getAttribute('data-signed')),
      Number(await row.locator('[data-confirmed]').getAttribute('data-confirmed')),
    ]);
  }
  const inDb = await db().signature.groupBy({ by: ['country'], where: { campaignId: campaign.id, status: { not: 'invalidated' } }, _count: { _all: true } });
  const confirmedInDb = await db().signature.groupBy({ by: ['country'], where: { campaignId: campaign.id, status: 'confirmed' }, _count: { _all: true } });
  const expected = inDb.map((g) => [g.country, g._count._all, confirmedInDb.find((c) => c.country === g.country)?._count._all ?? 0]);
  expect(new Set(shown.map((r) => JSON.stringify(r)))).toEqual(new Set(expected.map((r) => JSON.stringify(r))));

  expect(await page.locator('#queues tbody tr[data-queue="email"]').count()).toBe(1);
  expect(await page.inputValue('#snippet-script')).toBe(`<script src="http://clarion.test/embed.js" data-campaign="${campaign.slug}" async></script>`);
  expect(await page.inputValue('#snippet-iframe')).toContain(`<iframe src="http://clarion.test/c/${campaign.slug}/embed"`);
  expect(await seriousAccessibilityViolations(page)).toEqual([]);
});

it('shows a new confirmation without a reload', async () => {
  await page.evaluate('window.sameDocument = true');
  const refreshes = Number(await page.getAttribute('#dashboard', 'data-refreshes'));
  await confirmByEmail(stack.api, stack.smtp, signers[3]!.email);
  confirmed.add(signers[3]!.email);
  await dashboardLoaded(refreshes);
  expect(await text('#count-confirmed')).toBe(String(await statusCount('confirmed')));
  expect(await text('#count-confirmed')).toBe('4');
  expect(await page.evaluate('window.sameDocument')).toBe(true);
});

it('downloads signatures.csv whose rows match the database, with and without a country filter', async () => {
  const download = async () => {
    const [file] = await Promise.all([page.waitForEvent('download'), page.click('#export-signatures')]);
    return parse(fs.readFileSync((await file.path())!, 'utf8'), { columns: true }) as Array<Record<string, string>>;
  };
  const all = await download();
  expect(all).toHaveLength(await statusCount('confirmed'));
  expect(new Set(all.map((r) => r.email))).toEqual(confirmed);
  expect(all.every((r) => r.status === 'confirmed')).toBe(true);

  await page.fill('#export-country', 'fr');
  const french = await download();
  expect(french.map((r) => [r.email, r.country])).toEqual(signers.filter((s) => s.country === 'FR' && confirmed.has(s.email)).map((s) => [s.email, 'FR']));
  expect(await page.getAttribute('#export-manifest', 'href')).toContain('country=FR');
});

it('retries a failed letter from its Retry button', async () => {
  const row = page.locator(`#failed-letters tr[data-letter-id="${failedLetterId}"]`);
  expect(await row.locator('td').first().textContent()).toBe('3');
  await row.getByRole('button', { name: /Retry/ }).click();
  await row.locator('.letter-state', { hasText: 'Queued' }).waitFor();
  expect(await text('#retry-message')).toContain('queued again');
  const letter = await eventually(
    async () => {
      const found = await db().letter.findUniqueOrThrow({ where: { id: failedLetterId }, select: { status: true } });
      return found.status !== 'failed' ? found : null;
    },
    10_000,
    'the letter leaves failed',
  );
  expect(['queued', 'sending', 'sent']).toContain(letter.status);
  expect(await db().auditEvent.count({ where: { action: 'letters.retry', subject: failedLetterId } })).toBe(1);
});

it("saves settings, and shows the API's reason when an embed origin is not one", async () => {
  await page.fill('#setting-goal', '250');
  await page.fill('#setting-origins', 'https://partner.example.org/petition');
  await page.click('#settings button[type="submit"]');
  await page.locator('#settings-message', { hasText: 'Not saved' }).waitFor();
  expect(await text('#settings-message')).toContain('embedOrigins.0');
  expect(await db().campaign.findUniqueOrThrow({ where: { id: campaign.id }, select: { signatureGoal: true } })).toEqual({ signatureGoal: 100 });

  await page.fill('#setting-origins', 'HTTPS://Partner.Example.org\nhttp://localhost:8080');
  await page.check('#setting-pow');
  await page.click('#settings button[type="submit"]');
  await page.locator('#settings-message', { hasText: 'Saved.' }).waitFor();
  expect(await page.inputValue('#setting-origins')).toBe('https://partner.example.org\nhttp://localhost:8080');
  expect(await db().campaign.findUniqueOrThrow({ where: { id: campaign.id }, select: { signatureGoal: true, embedOrigins: true, proofOfWork: true } })).toEqual(
    { signatureGoal: 250, embedOrigins: ['https://partner.example.org', 'http://localhost:8080'], proofOfWork: true },
  );

  // Closing signing reloads the page with the choices a closed campaign has.
  await page.selectOption('#setting-status', 'closed');
  await Promise.all([page.waitForEvent('load'), page.click('#settings button[type="submit"]')]);
  expect(await text('#status-label')).toBe('Closed: not accepting signatures');
  expect(await Promise.all((await page.locator('#setting-status option').all()).map((o) => o.getAttribute('value')))).toEqual(['closed', 'live']);
  expect(await db().auditEvent.count({ where: { action: 'campaigns.update', subject: campaign.slug } })).toBe(2);
});

it('offers a viewer without the export permission no export button or link, and the rest of the page still works', async () => {
  const viewer = await makeAccount(db(), 'viewer');
  const viewerPage = await browser.newPage();
  const errors: string[] = [];
  viewerPage.on('pageerror', (error) => errors.push(error.message));
  try {
    await logInThroughPage(viewerPage, stack.api.url, viewer, `/admin/campaigns/${campaign.slug}`);
    await eventually(async () => Number((await viewerPage.getAttribute('#dashboard', 'data-refreshes')) ?? 0) > 0, 20_000, 'a refresh of the figures');
    expect(await viewerPage.locator('#export-signatures, #export-manifest, #export-letters, #export-filters').count()).toBe(0);
    const hrefs = await viewerPage.locator('a[href]').evaluateAll((links) => links.map((a) => a.getAttribute('href') ?? ''));
    expect(hrefs.filter((href) => /signatures\.csv|letters\.csv|manifest\.json/.test(href))).toEqual([]);
    expect(await viewerPage.textContent('#exports-not-allowed')).toContain('need the export permission');
    expect(errors).toEqual([]);

    // Granted the permission, the same viewer gets the buttons.
    await db().adminAccount.update({ where: { email: viewer.email }, data: { canExport: true } });
    await viewerPage.reload();
    expect(await viewerPage.locator('#export-signatures').count()).toBe(1);
    expect(await viewerPage.getAttribute('#export-letters', 'href')).toContain('letters.csv');
  } finally {
    await viewerPage.context().close();
  }
});
