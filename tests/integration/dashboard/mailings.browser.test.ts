import type { Page } from 'playwright-core';
import { makeAccount } from '../../support/admin';
import { expectAccessible, launchBrowser, type TestBrowser } from '../../support/browser';
import { createCampaign, type TestCampaign } from '../../support/fixtures';
import { eventually, startTestStack, type TestStack } from '../../support/harness';
import { mailingMessages, seedSupporters, type SeededSupporter } from '../../support/mailings';
import { logInThroughPage } from './login-through-page';

/**
 * Campaign updates from the dashboard in real headless Chromium, through the real outbox, queues,
 * workers and SMTP recorder: an editor writes an update (after a template error shown beside its
 * field), previews it, sends a test to themself (one message, to their own address only), sends
 * it, pauses and resumes it, and watches the counts reach sent = recipients.
 */
jest.setTimeout(180_000);

const RECIPIENTS = 200;
let stack: TestStack;
let browser: TestBrowser;
let page: Page;
let campaign: TestCampaign;
let editor: { email: string; password: string };
let supporters: SeededSupporter[];

beforeAll(async () => {
  // 1,200 a minute: 200 recipients take about ten seconds, time enough to pause in the middle.
  stack = await startTestStack({ RATE_LIMIT_ENABLED: 'false', MAILINGS_PER_MINUTE: '1200' });
  campaign = await createCampaign(stack.api.platform.db);
  supporters = await seedSupporters(stack.api.platform, campaign, [...Array<'eligible'>(RECIPIENTS).fill('eligible'), 'no_consent', 'unsubscribed']);
  editor = await makeAccount(stack.api.platform.db, 'editor');
  browser = await launchBrowser();
  page = await browser.newPage();
  await logInThroughPage(page, stack.api.url, editor, `/admin/campaigns/${campaign.slug}/mailings`);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const db = () => stack.api.platform.db;
const text = async (selector: string) => (await page.textContent(selector))?.trim();
const cell = (name: string) => text(`#mailings tbody tr >> nth=0 >> .count-${name}`);
const button = (action: string) => page.locator(`#mailings tbody tr >> nth=0 >> button[data-action="${action}"]`);
const supporterAddresses = () => new Set(supporters.map((s) => s.email));

it('shows a template error beside its field and saves nothing', async () => {
  await page.waitForSelector('#mailings-empty:not([hidden])');
  await expectAccessible(page, 'mailings page');
  await page.fill('#m-subject', 'News for {{supporter.name}}');
  await page.fill('#m-text', 'Dear {{supporter.name}},\n{{campaign.titel}}');
  await page.click('#mailing-form button[type="submit"]');
  await page.waitForSelector('#m-subject[aria-invalid="true"]');
  expect(await text('#mailing-form .error-summary')).toMatch(/Subject: line 1: /);
  expect(await page.getAttribute('#m-text', 'aria-invalid')).toBe('true');
  expect(await db().mailing.count({ where: { campaignId: campaign.id } })).toBe(0);
});

it('saves a draft with a Russian version and previews it in a sandbox with sample data', async () => {
  await page.fill('#m-subject', 'News from {{campaign.title}}');
  await page.fill('#m-text', 'Dear {{supporter.name}},\n\nThe Council heard us.');
  await page.fill('#m-html', '<p>Dear {{supporter.name}},</p><p><strong>The Council heard us.</strong></p>');
  await page.click('#m-tr-ru summary');
  await page.fill('#m-tr-ru-subject', 'Новости: {{campaign.title}}');
  await page.fill('#m-tr-ru-text', 'Здравствуйте, {{supporter.name}}!\n\nСовет нас услышал.');
  await page.click('#mailing-form button[type="submit"]');
  await page.locator('#mailing-form .form-message', { hasText: 'Saved as a draft' }).waitFor();
  await page.waitForSelector('#mailings tbody tr .status-draft');
  expect(await cell('recipients')).toBe('0');
  const saved = await db().mailing.findFirstOrThrow({ where: { campaignId: campaign.id }, select: { status: true, versions: { select: { language: true } } } });
  expect({ status: saved.status, languages: saved.versions.map((v) => v.language).sort() }).toEqual({ status: 'draft', languages: ['en', 'ru'] });

  await button('preview').click();
  await page.waitForSelector('#preview:not([hidden])');
  expect(await text('#pv-subject')).toBe(`News from Test campaign ${campaign.slug.slice(5)}`);
  expect(await text('#pv-text')).toContain('Dear Aigerim,');
  expect(await page.getAttribute('#pv-html', 'sandbox')).toBe('');
  expect(await page.frameLocator('#pv-html').locator('strong').textContent()).toBe('The Council heard us.');

  await page.selectOption('#pv-language', 'ru');
  await button('preview').click();
  await page.locator('#pv-subject', { hasText: 'Новости' }).waitFor();
  await page.selectOption('#pv-language', 'en');
  await expectAccessible(page, 'mailings page with a draft and its preview');
});

it("sends a test to the editor's own address only: one message, marked [TEST], a demo unsubscribe link", async () => {
  const before = stack.smtp.messages.length;
  await button('test').click();
  await page.locator('#mailings-message', { hasText: 'Test queued' }).waitFor();
  await eventually(() => stack.smtp.messages.length > before, 20_000, 'the test message');
  // Give a wrong second copy, or a copy to someone else, the time to arrive before counting.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const arrived = stack.smtp.messages.slice(before);
  expect(arrived.map((m) => m.envelope.to)).toEqual([[editor.email]]);
  const test = arrived[0]!;
  expect(test.subject).toBe(`[TEST] News from Test campaign ${campaign.slug.slice(5)}`);
  expect(test.text).toContain('Dear Aigerim,');
  const demo = `${stack.api.platform.config.PUBLIC_BASE_URL}/unsubscribe/preview`;
  expect(test.headers.get('list-unsubscribe')).toBe(`<${demo}>`);
  expect(test.text).toContain(demo);
  expect(test.headers.get('x-clarion-mailing')).toBeUndefined();
  const mailing = await db().mailing.findFirstOrThrow({ where: { campaignId: campaign.id }, select: { id: true, status: true } });
  expect(mailing.status).toBe('draft');
  expect(await db().mailingRecipient.count({ where: { mailingId: mailing.id } })).toBe(0);
  expect(await db().auditEvent.count({ where: { action: 'mailings.test', subject: mailing.id } })).toBe(1);
});

it('sends the update, pauses and resumes it, and the counts reach sent = recipients', async () => {
  const mailing = await db().mailing.findFirstOrThrow({ where: { campaignId: campaign.id }, select: { id: true } });
  page.once('dialog', (dialog) => void dialog.accept());
  await button('send').click();
  await page.locator('#mailings tbody tr >> nth=0 >> .status', { hasText: 'Sending' }).waitFor();
  expect(await cell('recipients')).toBe(String(RECIPIENTS));

  await button('pause').click();
  await page.locator('#mailings tbody tr >> nth=0 >> .status', { hasText: 'Paused' }).waitFor();
  // Messages in flight finish; after that nothing more goes out while paused.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const whilePaused = mailingMessages(stack.smtp, mailing.id).length;
  await new Promise((resolve) => setTimeout(resolve, 2500));
  expect(mailingMessages(stack.smtp, mailing.id).length).toBe(whilePaused);
  expect(whilePaused).toBeLessThan(RECIPIENTS);
  // The page's counts are the API's, polled while paused too.
  await eventually(async () => (await cell('sent')) === String(whilePaused), 10_000, 'the paused counts on the page');

  await button('resume').click();
  await page.locator('#mailings tbody tr >> nth=0 >> .status', { hasText: 'Done' }).waitFor({ timeout: 60_000 });
  expect(await cell('sent')).toBe(String(RECIPIENTS));
  expect(await cell('queued')).toBe('0');
  expect(await cell('failed')).toBe('0');
  const delivered = mailingMessages(stack.smtp, mailing.id).map((m) => m.envelope.to[0]!);
  expect(delivered.length).toBe(RECIPIENTS);
  expect(new Set(delivered).size).toBe(RECIPIENTS);
  const eligible = new Set(supporters.filter((s) => s.kind === 'eligible').map((s) => s.email));
  expect(delivered.every((to) => eligible.has(to))).toBe(true);
  expect(delivered).not.toContain(editor.email);
  // Only the one test ever went to staff; no supporter ever got a [TEST].
  expect(stack.smtp.messages.filter((m) => m.envelope.to.includes(editor.email)).length).toBe(1);
  expect(stack.smtp.messages.filter((m) => m.subject.startsWith('[TEST]') && m.envelope.to.some((to) => supporterAddresses().has(to)))).toEqual([]);
  expect(await button('pause').count()).toBe(0);
  expect(await button('send').count()).toBe(0);
});

it('shows a viewer the updates and their counts, without a form or a button', async () => {
  const viewerPage = await browser.newPage();
  await logInThroughPage(viewerPage, stack.api.url, await makeAccount(db(), 'viewer'), `/admin/campaigns/${campaign.slug}/mailings`);
  await viewerPage.locator('#mailings tbody tr >> nth=0 >> .status', { hasText: 'Done' }).waitFor();
  expect((await viewerPage.textContent('#mailings tbody tr >> nth=0 >> .count-sent'))?.trim()).toBe(String(RECIPIENTS));
  expect(await viewerPage.locator('#mailing-form').count()).toBe(0);
  expect(await viewerPage.locator('#mailings button').count()).toBe(0);
  expect(await viewerPage.textContent('main')).toContain('needs the editor role');
});
