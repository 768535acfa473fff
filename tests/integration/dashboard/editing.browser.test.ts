import type { Page } from 'playwright-core';
import { makeAccount } from '../../support/admin';
import { launchBrowser, seriousAccessibilityViolations, type TestBrowser } from '../../support/browser';
import { eventually, startTestApi, type TestApi } from '../../support/harness';
import { seedTargets } from '../../../src/modules/letters';
import { getWithSession, logInThroughPage } from './login-through-page';

/**
 * Running a campaign from the dashboard in real headless Chromium: an editor creates a campaign
 * through the form (after seeing a field error), edits its texts, translates it, edits and previews
 * its letter template; a viewer gets the same pages without a single form.
 */
jest.setTimeout(120_000);

let api: TestApi;
let browser: TestBrowser;
let page: Page;
const slug = `form-${Date.now().toString(36)}`;

beforeAll(async () => {
  api = await startTestApi({ RATE_LIMIT_ENABLED: 'false' });
  await seedTargets(api.platform.db);
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
const STATEMENT = 'The Council must act now. Release every journalist held for their work. Allow independent monitors into the country.';

it("creates a campaign through the form, after showing a bad slug's error beside the field", async () => {
  await page.click('#new-campaign');
  await page.waitForURL(`${api.url}/admin/new-campaign`);
  expect(await seriousAccessibilityViolations(page)).toEqual([]);

  await page.fill('#new-title', 'Free the journalists');
  await page.fill('#new-slug', 'Not A Slug!');
  await page.fill('#new-statement', STATEMENT);
  await page.fill('#new-source-org', 'Test Watch');
  await page.fill('#new-source-url', 'https://watch.example.org/statement');
  await page.fill('#new-goal', '500');
  await page.fill('#new-sender-name', 'Free the journalists');
  await page.fill('#new-sender-email', 'campaign@clarion.example');
  await page.fill('#demands-list-title-0', 'Release the journalists');
  await page.fill('#demands-list-quote-0', 'Release every journalist held for their work.');
  await page.click('.add-demand');
  // The new row's title has the focus, so the keyboard user types straight into it.
  expect(await page.evaluate('document.activeElement.id')).toBe('demands-list-title-1');
  await page.keyboard.type('Let monitors in');
  await page.fill('#demands-list-quote-1', 'Allow independent monitors into the country.');
  await page.fill('#new-consent', 'I agree that Test Watch may keep my signature for this petition.');
  await page.click('#campaign-new button[type="submit"]');

  await page.waitForSelector('#new-slug[aria-invalid="true"]');
  const describedBy = (await page.getAttribute('#new-slug', 'aria-describedby'))!.split(' ');
  expect(describedBy).toContain('slug-help');
  const errorId = describedBy.find((id) => id.startsWith('err-'))!;
  expect(await text(`#${errorId}`)).toContain('must be a campaign slug');
  expect(await page.evaluate('document.activeElement.classList.contains("error-summary")')).toBe(true);
  expect(await text('#campaign-new .error-summary')).toContain('Address name (slug): must be a campaign slug');
  expect(await db().campaign.count({ where: { title: 'Free the journalists' } })).toBe(0);
  expect(await seriousAccessibilityViolations(page)).toEqual([]);

  await page.fill('#new-slug', slug);
  await Promise.all([page.waitForURL(`${api.url}/admin/campaigns/${slug}`), page.click('#campaign-new button[type="submit"]')]);
  const saved = await db().campaign.findUniqueOrThrow({
    where: { slug },
    select: { status: true, signatureGoal: true, sourceUrl: true, demands: { select: { position: true, title: true }, orderBy: { position: 'asc' } } },
  });
  expect(saved).toEqual({
    status: 'draft',
    signatureGoal: 500,
    sourceUrl: 'https://watch.example.org/statement',
    demands: [
      { position: 1, title: 'Release the journalists' },
      { position: 2, title: 'Let monitors in' },
    ],
  });
});

it("edits the texts, refusing a statement that drops a demand's quote", async () => {
  await page.goto(`${api.url}/admin/campaigns/${slug}/edit`);
  await page.waitForSelector('#edit-demands-list-title-1');
  expect(await seriousAccessibilityViolations(page)).toEqual([]);

  await page.fill('#edit-statement', 'The Council must act now.');
  await page.click('#campaign-texts button[type="submit"]');
  await page.waitForSelector('#edit-statement[aria-invalid="true"]');
  expect(await text('#campaign-texts .error-summary')).toContain('verbatim');

  await page.fill('#edit-statement', `${STATEMENT} We stand with them.`);
  await page.fill('#edit-goal', '750');
  await page.check('#edit-test-mode');
  await page.click('#campaign-texts button[type="submit"]');
  await page.locator('#campaign-texts .form-message', { hasText: 'Saved.' }).waitFor();
  expect(await page.getAttribute('#edit-statement', 'aria-invalid')).toBeNull();
  expect(await db().campaign.findUniqueOrThrow({ where: { slug }, select: { signatureGoal: true, letterTestMode: true, statement: true } })).toEqual({
    signatureGoal: 750,
    letterTestMode: true,
    statement: `${STATEMENT} We stand with them.`,
  });
});

it('replaces the demands, showing a quote that is not in the statement beside its field', async () => {
  await page.fill('#edit-demands-list-quote-1', 'Words nobody said.');
  await page.click('#campaign-demands button[type="submit"]');
  await page.waitForSelector('#edit-demands-list-quote-1[aria-invalid="true"]');
  expect(await text('#campaign-demands .error-summary')).toContain('must appear verbatim in the statement');
  expect(await page.getAttribute('#edit-demands-list-quote-0', 'aria-invalid')).toBeNull();

  await page.fill('#edit-demands-list-quote-1', 'Allow independent monitors into the country.');
  await page.click('#edit-demands .add-demand');
  await page.fill('#edit-demands-list-title-2', 'Stand with them');
  await page.fill('#edit-demands-list-quote-2', 'We stand with them.');
  // Removing the first row renumbers the others: the API gets positions 1..3 in the new order.
  await page.click('#edit-demands .remove-demand >> nth=0');
  await page.click('#edit-demands .add-demand');
  await page.fill('#edit-demands-list-title-2', 'Release the journalists');
  await page.fill('#edit-demands-list-quote-2', 'Release every journalist held for their work.');
  await page.click('#campaign-demands button[type="submit"]');
  await page.locator('#campaign-demands .form-message', { hasText: 'Saved.' }).waitFor();
  expect((await db().demand.findMany({ where: { campaign: { slug } }, orderBy: { position: 'asc' }, select: { title: true } })).map((d) => d.title)).toEqual([
    'Let monitors in',
    'Stand with them',
    'Release the journalists',
  ]);
  // Back to the order the translation test below expects.
  await page.reload();
  await page.waitForSelector('#edit-demands-list-title-2');
  await page.click('#edit-demands .remove-demand >> nth=2');
  await page.click('#edit-demands .remove-demand >> nth=1');
  await page.click('#edit-demands .add-demand');
  await page.fill('#edit-demands-list-title-1', 'Let monitors in');
  await page.fill('#edit-demands-list-quote-1', 'Allow independent monitors into the country.');
  await page.fill('#edit-demands-list-title-0', 'Release the journalists');
  await page.fill('#edit-demands-list-quote-0', 'Release every journalist held for their work.');
  await page.click('#campaign-demands button[type="submit"]');
  await page.locator('#campaign-demands .form-message', { hasText: 'Saved.' }).waitFor();
  await page.reload();
  await page.waitForSelector('#tr-ru-d2-title');
});

it('saves a new consent wording and keeps the old one', async () => {
  await page.fill('#edit-consent', 'I agree that Test Watch keeps my signature until the petition is handed over.');
  await page.click('#campaign-consent button[type="submit"]');
  await page.locator('#campaign-consent .form-message', { hasText: `${slug}-consent-v2` }).waitFor();
  const wordings = await db().consentWording.findMany({ where: { campaign: { slug } }, select: { id: true } });
  expect(wordings.map((w) => w.id).sort()).toEqual([`${slug}-consent-v1`, `${slug}-consent-v2`]);
});

it('adds a Russian translation that the public API then serves', async () => {
  await page.fill('#tr-ru-title', 'Освободите журналистов');
  await page.fill('#tr-ru-d1-title', 'Освободить журналистов');
  await page.fill('#tr-ru-d1-quote', 'Освободить всех журналистов, задержанных за их работу.');
  await page.click('#translation-ru button[type="submit"]');
  await page.locator('#translation-ru .form-message', { hasText: 'Saved.' }).waitFor();

  // Open signing from the campaign page's settings, so the public API shows it.
  await page.goto(`${api.url}/admin/campaigns/${slug}`);
  await page.selectOption('#setting-status', 'live');
  await Promise.all([page.waitForEvent('load'), page.click('#settings button[type="submit"]')]);
  const answer = await fetch(`${api.url}/api/campaigns/${slug}?lang=ru`);
  expect(answer.status).toBe(200);
  const campaign = (await answer.json()) as { language: string; title: string; demands: Array<{ title: string; quoteTranslation?: { text: string } }> };
  expect(campaign.language).toBe('ru');
  expect(campaign.title).toBe('Освободите журналистов');
  expect(campaign.demands[0]!.title).toBe('Освободить журналистов');
  expect(campaign.demands[0]!.quoteTranslation?.text).toBe('Освободить всех журналистов, задержанных за их работу.');
  expect(campaign.demands[1]!.title).toBe('Let monitors in');
});

it('deletes a translation after the confirm dialog', async () => {
  await page.goto(`${api.url}/admin/campaigns/${slug}/edit`);
  page.once('dialog', (dialog) => void dialog.accept());
  await Promise.all([page.waitForEvent('load'), page.click('#translation-ru .delete-translation')]);
  expect(await db().campaignTranslation.count({ where: { campaign: { slug } } })).toBe(0);
  expect(await text('#h-tr-ru')).toContain('none yet');
});

it('edits the letter template: shows errors with part and line, previews in a sandbox, saves', async () => {
  await page.goto(`${api.url}/admin/campaigns/${slug}/letter-template`);
  // Not page.waitForFunction: its string predicate is an eval, which the page's CSP refuses.
  await eventually(async () => (await page.inputValue('#tpl-subject')).length > 0, 10_000, 'the saved template');
  expect(await text('#template-page details')).toContain('supporter.name');
  expect(await seriousAccessibilityViolations(page)).toEqual([]);

  await page.fill('#tpl-subject', 'From {{supporter.name}}');
  await page.fill('#tpl-text', 'Dear {{delegation.salutation}},\n{{campaign.titel}}\n{{supporter.name}}');
  await page.click('#template-form button[type="submit"]');
  await page.waitForSelector('#tpl-subject[aria-invalid="true"]');
  const summary = await text('#template-form .error-summary');
  expect(summary).toMatch(/Subject: line 1: /);
  expect(summary).toMatch(/Plain-text body: line 2: /);
  expect(await db().letterTemplate.count({ where: { campaign: { slug } } })).toBe(0);

  await page.fill('#tpl-subject', 'About {{campaign.title}}');
  await page.fill('#tpl-text', 'Dear {{delegation.salutation}},\n{{campaign.title}}\n{{supporter.name}}');
  await page.fill('#tpl-html', '<p>Dear {{delegation.salutation}},</p><p><strong>{{campaign.title}}</strong></p><p>{{supporter.name}}</p>');
  await page.selectOption('#pv-iso2', 'FR');
  await page.click('#tpl-preview');
  await page.waitForSelector('#preview:not([hidden])');
  expect(await text('#pv-subject')).toBe('About Free the journalists');
  expect(await text('#pv-text')).toContain('Aigerim Sample');
  expect(await page.getAttribute('#pv-html', 'sandbox')).toBe('');
  const frame = page.frameLocator('#pv-html');
  expect(await frame.locator('strong').textContent()).toBe('Free the journalists');

  await page.click('#template-form button[type="submit"]');
  await page.locator('#template-form .form-message', { hasText: 'Saved.' }).waitFor();
  expect(await db().letterTemplate.findFirstOrThrow({ where: { campaign: { slug }, language: 'en' }, select: { subject: true } })).toEqual({
    subject: 'About {{campaign.title}}',
  });
  expect(await seriousAccessibilityViolations(page)).toEqual([]);
});

describe('a viewer', () => {
  let viewerPage: Page;
  beforeAll(async () => {
    viewerPage = await browser.newPage();
    await logInThroughPage(viewerPage, api.url, await makeAccount(db(), 'viewer'));
  });

  it('sees no New campaign button, and is refused the form', async () => {
    expect(await viewerPage.locator('#new-campaign').count()).toBe(0);
    const refused = await viewerPage.goto(`${api.url}/admin/new-campaign`);
    expect(refused?.status()).toBe(403);
    expect((await viewerPage.goto(`${api.url}/admin/accounts`))?.status()).toBe(403);
  });

  it.each(['edit', 'letter-template', 'sources'])("reads the campaign's %s page without any form", async (path) => {
    await viewerPage.goto(`${api.url}/admin/campaigns/${slug}/${path}`);
    await viewerPage.waitForLoadState('networkidle');
    expect(await viewerPage.locator('form').count()).toBe(0);
    expect(await viewerPage.locator('button:not(#logout)').count()).toBe(0);
    expect(await seriousAccessibilityViolations(viewerPage)).toEqual([]);
    if (path === 'edit') expect(await viewerPage.textContent('main')).toContain('Release the journalists');
    if (path === 'letter-template') expect(await viewerPage.textContent('#ro-subject')).toBe('About {{campaign.title}}');
  });

  it('reads the delegations without any form or edit button', async () => {
    await viewerPage.goto(`${api.url}/admin/targets`);
    await viewerPage.waitForSelector('#targets tr[data-iso2="FR"]');
    expect(await viewerPage.locator('form').count()).toBe(0);
    expect(await viewerPage.locator('#targets button').count()).toBe(0);
    expect(await seriousAccessibilityViolations(viewerPage)).toEqual([]);
    const answer = await getWithSession<{ targets: unknown[] }>(viewerPage, '/api/admin/targets');
    expect(await viewerPage.locator('#targets tbody tr').count()).toBe(answer.body.targets.length);
  });
});
