import type { Page } from 'playwright-core';
import { KAZAKHSTAN_CONSENT_WORDING_ID, KAZAKHSTAN_SLUG, kazakhstanDemands, seedKazakhstanCampaign } from '../../../src/modules/campaigns';
import { seedDefaultTemplate, seedTargets } from '../../../src/modules/letters';
import { expectAccessible, launchBrowser, type TestBrowser } from '../../support/browser';
import { eventually, type TestApi, startTestStack, type TestStack } from '../../support/harness';
import { approvalLinkIn, lettersTo, sign } from '../../support/letters';
import type { SmtpRecorder } from '../../support/smtp-recorder';

jest.setTimeout(90_000);

let smtp: SmtpRecorder;
let api: TestApi;
let stack: TestStack;
let browser: TestBrowser;

beforeAll(async () => {
  stack = await startTestStack({ RATE_LIMIT_ENABLED: 'false', LETTERS_CAP_DISABLED: 'true' });
  ({ smtp, api } = stack);
  const campaignId = await seedKazakhstanCampaign(api.platform.db);
  await seedDefaultTemplate(api.platform.db, campaignId);
  await seedTargets(api.platform.db);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** A fresh page whose every wait fails after 15 s with what it waited for, well inside the test's time. */
const withoutJavaScript = new WeakSet<Page>();
async function newPage(options?: { javaScriptEnabled?: boolean; locale?: string }): Promise<Page> {
  const page = await browser.newPage(options);
  if (options?.javaScriptEnabled === false) withoutJavaScript.add(page);
  page.setDefaultTimeout(15_000);
  return page;
}

const EASTERN_EUROPEAN = ['AL', 'BG', 'CZ', 'EE', 'MK', 'SI'];
const PHONE = { width: 360, height: 740 };

/**
 * Opens the letter step the way the page after signing does: a form that posts the action token
 * in a hidden field (never in a URL).
 */
async function openLetterStep(page: Page, actionToken: string, lang?: string): Promise<void> {
  await page.setContent(`<form method="post" action="${api.url}/c/${KAZAKHSTAN_SLUG}/write">
    <input type="hidden" name="actionToken" value="${actionToken}">${lang ? `<input type="hidden" name="lang" value="${lang}">` : ''}
    <button type="submit">Write to the delegations</button></form>`);
  await Promise.all([page.waitForURL(`${api.url}/c/${KAZAKHSTAN_SLUG}/write`), page.click('button')]);
}

/** Checks the page as it is, or, for a page without JavaScript, its scriptless twin. */
async function expectPageAccessible(page: Page, what: string): Promise<void> {
  await expectAccessible(withoutJavaScript.has(page) ? await scriptlessTwin(page) : page, what);
  await page.setViewportSize({ width: 1280, height: 900 });
}

/**
 * axe needs timers, which never fire in a page without JavaScript. So a page without JavaScript is
 * checked as a twin: the same document at the same address with the same styles, in a page where
 * axe can run but the page's own script is refused, so nothing is enhanced.
 */
async function scriptlessTwin(page: Page): Promise<Page> {
  const html = await page.content();
  const address = page.url().split('#')[0]!;
  const twin = await newPage();
  await twin.route('**/*', (route) => {
    const url = route.request().url();
    if (url.endsWith('/write.js')) return route.abort();
    if (url === address) return route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html });
    return route.continue();
  });
  await twin.goto(address);
  return twin;
}

/** The id of the focused element (evaluated as a string: the tests compile without the DOM's types). */
const focusedId = (page: Page) => page.evaluate<string | undefined>('document.activeElement && document.activeElement.id');

/** Opens the approval email's link as the supporter would, checks what it shows, and presses the button. */
async function approveInBrowser(page: Page, email: string): Promise<void> {
  const message = await smtp.waitFor((m) => m.envelope.to.includes(email) && m.subject.includes('approve your letters'));
  await page.goto(`${api.url}${approvalLinkIn(message)}`);
  expect(await page.locator('h1').textContent()).toBe('Approve your letters');
  expect(await page.locator('ul.delegations li').count()).toBe(EASTERN_EUROPEAN.length);
  expect(lettersTo(smtp, email)).toHaveLength(0); // opening the link sends nothing
  await expectPageAccessible(page, 'approval');
  await Promise.all([page.waitForURL(/\/letters\/approve\//), page.getByRole('button', { name: 'Send these letters' }).click()]);
  expect(await page.locator('h1').textContent()).toBe('Your letters are on their way');
}

/** The letters that reached the SMTP server: exactly the group's delegations, each quoting every demand and the paragraph. */
async function expectLettersDelivered(email: string, paragraph: string): Promise<void> {
  const letters = await eventually(() => (lettersTo(smtp, email).length >= EASTERN_EUROPEAN.length ? lettersTo(smtp, email) : null), 20_000, 'the letters');
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(lettersTo(smtp, email)).toHaveLength(EASTERN_EUROPEAN.length);
  expect(letters.flatMap((m) => m.envelope.to).sort()).toEqual(EASTERN_EUROPEAN.map((code) => `mission.${code.toLowerCase()}@delegations.example.org`));
  for (const letter of letters) {
    for (const demand of kazakhstanDemands) expect(letter.text).toContain(demand.quote);
    expect(letter.text).toContain(paragraph);
    expect(letter.replyTo).toContain(email);
  }
}

describe('the letter step in Chromium with JavaScript', () => {
  it('counts, previews in place, sends without reloading, and the group receives the letters once approved from the mailbox', async () => {
    const { email, actionToken } = await sign(api, KAZAKHSTAN_SLUG, KAZAKHSTAN_CONSENT_WORDING_ID, { locale: 'en' });
    const page = await newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('response', (response) => {
      if (response.status() >= 400 && !response.url().endsWith('/favicon.ico')) errors.push(`${response.status()} ${response.url()}`);
    });
    await openLetterStep(page, actionToken);
    expect(page.url()).not.toContain(actionToken.slice(0, 16));
    await expectPageAccessible(page, 'step page');

    const count = page.locator('#letter-count');
    await page.getByLabel('All members of the Human Rights Council').check();
    await expect(count.textContent()).resolves.toBe('47 letters will be sent.');
    await page.getByLabel('Regional group', { exact: true }).selectOption('Eastern European');
    await expect(page.getByLabel('A UN regional group').isChecked()).resolves.toBe(true);
    await expect(count.textContent()).resolves.toBe('6 letters will be sent.');

    const paragraph = 'I have followed these trials from Almaty, and I ask you to raise them.';
    await page.getByLabel('Your own paragraph (optional)').fill(paragraph);
    await page.getByRole('button', { name: 'Preview the letter' }).first().click();
    const heading = page.locator('#preview-heading');
    await heading.waitFor({ state: 'visible' });
    expect(await heading.textContent()).toBe('Your letter to Albania');
    expect(await focusedId(page)).toBe('preview-heading');
    expect(await page.locator('#preview-recipients li').allTextContents()).toEqual([
      'Albania',
      'Bulgaria',
      'Czechia',
      'Estonia',
      'North Macedonia',
      'Slovenia',
    ]);
    expect(await page.locator('#preview-frame').getAttribute('sandbox')).toBe('');
    const letterBody = page.frameLocator('#preview-frame').locator('body');
    await expect(letterBody.textContent()).resolves.toContain('My name is Aigerim Writer');
    const letterText = (await letterBody.textContent()) ?? '';
    for (const demand of kazakhstanDemands) expect(letterText.replace(/\s+/g, ' ')).toContain(demand.quote.replace(/\s+/g, ' '));
    expect(letterText).toContain(paragraph);
    await expectPageAccessible(page, 'preview');

    const before = page.url();
    await page.locator('#send-button').click();
    const result = page.locator('#result-heading');
    await result.waitFor({ state: 'visible' });
    expect(page.url()).toBe(before);
    expect(await page.locator('#result-recorded').textContent()).toBe('6 delegations have a letter from you:');
    expect(await page.locator('#result-status').textContent()).toMatch(/^We have emailed you these letters to approve/);
    expect(await focusedId(page)).toBe('result-heading');
    await expectPageAccessible(page, 'result');
    expect(errors).toEqual([]);

    expect(lettersTo(smtp, email)).toHaveLength(0);
    await approveInBrowser(page, email);
    await expectLettersDelivered(email, paragraph);
  });

  it('shows errors beside their field without a round trip, and keeps the choices across a language switch', async () => {
    const { actionToken } = await sign(api, KAZAKHSTAN_SLUG, KAZAKHSTAN_CONSENT_WORDING_ID, { locale: 'en' });
    const page = await newPage({ locale: 'en-GB' });
    await openLetterStep(page, actionToken);
    await page.locator('#send-button').click();
    await expect(page.locator('#choice-error').textContent()).resolves.toBe('Choose who should receive your letter.');
    expect(await focusedId(page)).toBe('choice-all');
    await expectPageAccessible(page, 'step page with an error');

    await page.locator('#countries-list summary').click();
    await page.getByLabel('France', { exact: true }).check();
    await page.locator('#country-KZ').check();
    await expect(page.getByLabel('Delegations I choose').isChecked()).resolves.toBe(true);
    await expect(page.locator('#letter-count').textContent()).resolves.toBe('2 letters will be sent.');
    await page.getByLabel('Your own paragraph (optional)').fill('Свобода слова.');

    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Русский' }).click()]);
    await page.locator('html[lang="ru"]').waitFor();
    expect(await page.locator('h1').textContent()).toBe('Написать делегациям');
    expect(await page.getByLabel('Франция', { exact: true }).isChecked()).toBe(true);
    expect(await page.locator('#country-KZ').isChecked()).toBe(true);
    expect(await page.locator('#paragraph').inputValue()).toBe('Свобода слова.');
    await expect(page.locator('#letter-count').textContent()).resolves.toBe('Будет отправлено 2 письма.');
    await expectPageAccessible(page, 'step page in Russian');

    await page.getByRole('button', { name: 'Қазақша' }).click();
    await page.locator('html[lang="kk"]').waitFor();
    expect(await page.locator('h1').textContent()).toBe('Делегацияларға жазу');
    await page.locator('#send-button').click();
    await page.locator('#result-heading').waitFor({ state: 'visible' });
    expect(await page.locator('#result-recorded').textContent()).toBe('Сіздің хатыңыз 2 делегацияда бар:');
  });
});

describe('the letter step in Chromium without JavaScript', () => {
  it('previews and sends by plain form posts, and the group receives the letters once approved from the mailbox', async () => {
    const { email, actionToken } = await sign(api, KAZAKHSTAN_SLUG, KAZAKHSTAN_CONSENT_WORDING_ID, { locale: 'en' });
    const page = await newPage({ javaScriptEnabled: false });
    await page.setViewportSize(PHONE);
    await openLetterStep(page, actionToken);

    await page.getByLabel('A UN regional group').check();
    await page.getByLabel('Regional group', { exact: true }).selectOption('Eastern European');
    const paragraph = 'Written without JavaScript, from a phone.';
    await page.getByLabel('Your own paragraph (optional)').fill(paragraph);
    await Promise.all([
      page.waitForURL(`${api.url}/c/${KAZAKHSTAN_SLUG}/write/preview#preview`),
      page.getByRole('button', { name: 'Preview the letter' }).click(),
    ]);
    expect(await page.locator('#preview-heading').textContent()).toBe('Your letter to Albania');
    expect(await page.locator('#preview-count').textContent()).toBe('6 letters will be sent.');
    // (Playwright cannot look inside a sandboxed frame of a page without JavaScript: the frame's source and the text version it is.)
    expect(await page.locator('#preview-frame').getAttribute('srcdoc')).toContain(`<p>${paragraph}</p>`);
    expect(await page.locator('#preview-text').textContent()).toContain(paragraph);
    expect(await page.locator('#paragraph').inputValue()).toBe(paragraph);
    expect(await page.getByLabel('A UN regional group').isChecked()).toBe(true);
    await expectPageAccessible(page, 'preview without JavaScript');

    await Promise.all([page.waitForURL(`${api.url}/c/${KAZAKHSTAN_SLUG}/write/send`), page.locator('#preview .send-again').click()]);
    expect(await page.locator('h1').textContent()).toBe('Your letters are recorded');
    expect(await page.locator('#result-recorded').textContent()).toBe('6 delegations have a letter from you:');
    await expectPageAccessible(page, 'result without JavaScript');

    await approveInBrowser(page, email);
    await expectLettersDelivered(email, paragraph);
  });

  it('switches language with a form that keeps the token, and shows errors beside the field', async () => {
    const { actionToken } = await sign(api, KAZAKHSTAN_SLUG, KAZAKHSTAN_CONSENT_WORDING_ID, { locale: 'en' });
    const page = await newPage({ javaScriptEnabled: false, locale: 'ru-RU' });
    await openLetterStep(page, actionToken);
    expect(await page.locator('html').getAttribute('lang')).toBe('ru');
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'English' }).click()]);
    expect(await page.locator('h1').textContent()).toBe('Write to the delegations');

    await page.getByLabel('A UN regional group').check();
    await Promise.all([page.waitForLoadState('load'), page.locator('#send-button').click()]);
    expect(await page.locator('#group-error').textContent()).toBe('Choose a regional group.');
    await expectPageAccessible(page, 'error without JavaScript');
    expect(
      await api.platform.db.letter.count({
        where: { attempt: { id: (api.platform.tokens.verify('signing-action', actionToken) as { payload: string }).payload } },
      }),
    ).toBe(0);

    const expired = await newPage({ javaScriptEnabled: false });
    await openLetterStep(expired, 'no-longer-valid');
    expect(await expired.locator('h1').textContent()).toBe('This page cannot be used');
    await expectPageAccessible(expired, 'problem page');
  });
});
