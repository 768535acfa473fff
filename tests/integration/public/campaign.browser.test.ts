import type { Page, Response } from 'playwright-core';
import { seedKazakhstanCampaign } from '../../../src/modules/campaigns';
import { attemptForActionToken } from '../../support/tokens';
import { CONFIRM_TOKEN_PURPOSE } from '../../../src/modules/supporters/confirmations.service';
import { expectAccessible, launchBrowser, type TestBrowser } from '../../support/browser';
import { createCampaign, type TestCampaign } from '../../support/fixtures';
import { eventually, type TestApi, startTestStack, type TestStack } from '../../support/harness';
import { confirmationLinkIn, confirmByEmail, sign } from '../../support/letters';
import type { SmtpRecorder } from '../../support/smtp-recorder';

jest.setTimeout(40_000);

let smtp: SmtpRecorder;
let api: TestApi;
let stack: TestStack;
let browser: TestBrowser;
let campaign: TestCampaign;

beforeAll(async () => {
  stack = await startTestStack({ RATE_LIMIT_ENABLED: 'false' });
  ({ smtp, api } = stack);
  campaign = await createCampaign(api.platform.db);
  await seedKazakhstanCampaign(api.platform.db);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** The form's minimum fill time (form-timing.ts) is real here: a quicker form would be silently discarded. */
const FILL_TIME_MS = 3_200;

const newAddress = (what: string) => `${what}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.org`;

/**
 * axe runs as a script, which a page without JavaScript cannot run: the same HTML, with its styles
 * from the server, is checked in a page that can (its script only listens; it changes nothing).
 */
async function expectAccessibleWithoutScript(page: Page, response: Response | null, what: string): Promise<void> {
  const html = await response!.text();
  const url = page.url().split('#')[0]!;
  const checker = await browser.newPage();
  await checker.route(url, (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }));
  await checker.goto(url);
  await expectAccessible(checker, what);
  await checker.close();
}

/** Opens the campaign page and returns when it was shown, for the minimum fill time. */
async function openCampaign(page: Page, slug: string, query = ''): Promise<number> {
  const response = await page.goto(`${api.url}/c/${slug}${query}`);
  expect(response?.status()).toBe(200);
  return Date.now();
}

async function fillForm(page: Page, fields: { name: string; email: string; country?: string; city?: string; updates?: boolean }): Promise<void> {
  await page.fill('#sign-name', fields.name);
  await page.fill('#sign-email', fields.email);
  if (fields.country) await page.selectOption('#sign-country', fields.country);
  if (fields.city) await page.fill('#sign-city', fields.city);
  if (fields.updates) await page.check('#sign-updates');
}

async function waitForFillTime(shownAt: number): Promise<void> {
  const left = shownAt + FILL_TIME_MS - Date.now();
  if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
}

const focusedText = (page: Page) => page.evaluate('document.activeElement && document.activeElement.textContent.trim()') as Promise<string>;

async function signatureFor(email: string) {
  const message = await smtp.waitFor((m) => m.envelope.to.includes(email) && m.subject.startsWith('Please confirm'));
  return { message, link: confirmationLinkIn(message) };
}

describe('signing with JavaScript', () => {
  it('stays on the page, says to check the email, offers the letter step, and the emailed link confirms', async () => {
    const page = await browser.newPage();
    const shownAt = await openCampaign(page, campaign.slug, '?utm_source=browser-test');
    await expectAccessible(page, 'campaign page');
    const email = newAddress('js');
    await fillForm(page, { name: 'Aigerim Browser', email, country: 'KZ', city: 'Almaty', updates: true });
    await waitForFillTime(shownAt);
    await page.click('button[type="submit"]');

    await page.waitForSelector('[data-signed-heading]');
    expect(page.url()).toBe(`${api.url}/c/${campaign.slug}?utm_source=browser-test`);
    expect(await focusedText(page)).toBe('Thank you: now check your email');
    expect(await page.textContent('.signed')).toContain('The link works for 14 days.');
    const actionToken = await page.inputValue('form.letter-offer input[name="actionToken"]');
    const attempt = await attemptForActionToken(api.platform, actionToken);
    expect(await page.getAttribute('form.letter-offer', 'action')).toBe(`/c/${campaign.slug}/write?lang=en`);
    const signature = await api.platform.db.signature.findUniqueOrThrow({ where: { id: attempt.signature.id } });
    expect(signature).toMatchObject({ country: 'KZ', consentUpdates: true, utmSource: 'browser-test', status: 'pending' });
    await expectAccessible(page, 'signed message');

    // The link from the email: a page with one button, then the confirmed page with the letter offer.
    const { link } = await signatureFor(email);
    await page.goto(`${api.url}${link}`);
    await expectAccessible(page, 'confirm page');
    await Promise.all([page.waitForNavigation(), page.click('text=Confirm my signature')]);
    expect(await page.textContent('h1')).toBe('Thank you: your signature is confirmed');
    const offered = await page.inputValue('form.letter-offer input[name="actionToken"]');
    expect((await attemptForActionToken(api.platform, offered)).id).toBe(attempt.id);
    expect(await page.isVisible('text=Write to the delegations')).toBe(true);
    await expectAccessible(page, 'confirmed page');
    expect((await api.platform.db.signature.findUniqueOrThrow({ where: { id: attempt.signature.id } })).status).toBe('confirmed');
  });

  it("shows each field's error beside it, moves focus to the summary, and signs once corrected", async () => {
    const page = await browser.newPage();
    const shownAt = await openCampaign(page, campaign.slug);
    const before = await api.platform.db.signature.count();
    await page.fill('#sign-email', 'not an address');
    await page.click('button[type="submit"]');

    await page.waitForSelector('#sign-errors:not([hidden])');
    expect(await page.evaluate('document.activeElement.id')).toBe('sign-errors');
    expect(await page.textContent('#sign-errors')).toContain('Enter your email address, like name@example.org.');
    expect(await page.textContent('#sign-name-error')).toBe('Enter your name (at most 100 characters).');
    expect(await page.getAttribute('#sign-email', 'aria-invalid')).toBe('true');
    expect(await page.getAttribute('#sign-email', 'aria-describedby')).toBe('sign-email-hint sign-email-error');
    expect(await page.isVisible('#sign-city-error')).toBe(false);
    await expectAccessible(page, 'campaign page with errors');
    // A link in the summary takes the focus to its field.
    await page.click('#sign-errors a[href="#sign-name"]');
    expect(await page.evaluate('document.activeElement.id')).toBe('sign-name');
    expect(await api.platform.db.signature.count()).toBe(before);

    const email = newAddress('corrected');
    await fillForm(page, { name: 'Aigerim Corrected', email });
    await waitForFillTime(shownAt);
    await page.click('button[type="submit"]');
    await page.waitForSelector('[data-signed-heading]');
    await signatureFor(email);
  });
});

describe('signing without JavaScript', () => {
  it('shows the errors on a page of their own, keeps what was typed, then signs', async () => {
    const page = await browser.newPage({ javaScriptEnabled: false });
    const shownAt = await openCampaign(page, campaign.slug);
    await fillForm(page, { name: 'Aigerim Noscript', email: 'aigerim@', city: 'Shymkent' });
    const refused = await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
    expect(refused[0]?.status()).toBe(400);
    expect(await page.title()).toMatch(/^Error: /);
    expect(await page.textContent('#sign-errors')).toContain('Enter your email address, like name@example.org.');
    expect(await page.textContent('#sign-email-error')).toBe('Enter your email address, like name@example.org.');
    expect(await page.getAttribute('#sign-email', 'aria-invalid')).toBe('true');
    expect(await page.inputValue('#sign-name')).toBe('Aigerim Noscript');
    expect(await page.inputValue('#sign-city')).toBe('Shymkent');
    expect(await page.inputValue('#sign-email')).toBe('aigerim@');
    await expectAccessibleWithoutScript(page, refused[0], 'refused form page');

    const email = newAddress('nojs');
    await page.fill('#sign-email', email);
    await waitForFillTime(shownAt);
    const signed = await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
    expect(signed[0]?.status()).toBe(202);
    expect(await page.textContent('h1')).toBe('Thank you: now check your email');
    expect(await page.inputValue('form.letter-offer input[name="actionToken"]')).not.toBe('');
    await expectAccessibleWithoutScript(page, signed[0], 'signed page');
    await signatureFor(email);
  });
});

describe('the live count', () => {
  it('moves when a signature is confirmed, without reloading', async () => {
    const counted = await createCampaign(api.platform.db);
    const page = await browser.newPage();
    await page.clock.install();
    await openCampaign(page, counted.slug);
    expect(await page.textContent('[data-count-number]')).toBe('0');
    const { email } = await sign(api, counted.slug, counted.wording);
    await confirmByEmail(api, smtp, email);
    await page.clock.runFor(21_000);
    await eventually(async () => (await page.textContent('[data-count-number]')) === '1', 5_000, 'the count to move');
    expect(await page.textContent('[data-count-label]')).toBe('signature');
    expect(await page.getAttribute('[data-count-progress]', 'value')).toBe('1');
  });
});

describe('a confirmation link that has expired', () => {
  it('offers a form for a new link, which arrives by email and confirms', async () => {
    const { email, actionToken } = await sign(api, campaign.slug, campaign.wording);
    const attempt = await attemptForActionToken(api.platform, actionToken);
    await signatureFor(email);
    const expired = api.platform.tokens.sign(CONFIRM_TOKEN_PURPOSE, attempt.id, new Date(Date.now() - 60_000));
    const page = await browser.newPage({ javaScriptEnabled: false });
    const response = await page.goto(`${api.url}/confirm/${expired}`);
    expect(response?.status()).toBe(410);
    expect(await page.textContent('h1')).toBe('This confirmation link has expired');
    await expectAccessibleWithoutScript(page, response, 'expired link page');
    await page.fill('#resend-email', email);
    const [sent] = await Promise.all([page.waitForNavigation(), page.click('text=Send me a new link')]);
    expect(await page.textContent('h1')).toBe('Check your email');
    await expectAccessibleWithoutScript(page, sent, 'new link sent page');

    const fresh = await smtp.waitFor((m) => m.envelope.to.includes(email) && m.subject.startsWith('Your confirmation link'));
    await page.goto(`${api.url}${confirmationLinkIn(fresh)}`);
    await Promise.all([page.waitForNavigation(), page.click('text=Confirm my signature')]);
    expect(await page.textContent('h1')).toBe('Thank you: your signature is confirmed');
  });

  it('says a broken link is not valid and points to the campaigns', async () => {
    const page = await browser.newPage();
    const response = await page.goto(`${api.url}/confirm/not-a-real-link`);
    expect(response?.status()).toBe(400);
    expect(await page.textContent('h1')).toBe('This confirmation link is not valid');
    expect(await page.isVisible('a[href="/c/kazakhstan?lang=en"]')).toBe(true);
    await expectAccessible(page, 'broken link page');
  });
});

describe('languages', () => {
  it('switches between English, Russian and Kazakh, and keeps the language through signing', async () => {
    const page = await browser.newPage();
    await openCampaign(page, 'kazakhstan');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await page.textContent('#signing-heading')).toBe('Sign the petition');

    await Promise.all([page.waitForNavigation(), page.click('nav.languages a[hreflang="ru"]')]);
    expect(await page.getAttribute('html', 'lang')).toBe('ru');
    expect(await page.textContent('#signing-heading')).toBe('Подпишите петицию');
    expect(await page.textContent('label[for="sign-email"]')).toBe('Адрес электронной почты');
    expect(await page.getAttribute('nav.languages a[aria-current="page"]', 'hreflang')).toBe('ru');
    await expectAccessible(page, 'campaign page in Russian');

    await Promise.all([page.waitForNavigation(), page.click('nav.languages a[hreflang="kk"]')]);
    const shownAt = Date.now();
    expect(await page.getAttribute('html', 'lang')).toBe('kk');
    expect(await page.textContent('#signing-heading')).toBe('Петицияға қол қойыңыз');
    await expectAccessible(page, 'campaign page in Kazakh');

    // Errors and the answer come in Kazakh too, and the signing remembers it.
    await page.click('button[type="submit"]');
    await page.waitForSelector('#sign-errors:not([hidden])');
    expect(await page.textContent('#sign-errors h2')).toBe('Форманы тексеріңіз');
    const email = newAddress('kk');
    await fillForm(page, { name: 'Айгерім', email });
    await waitForFillTime(shownAt);
    await page.click('button[type="submit"]');
    await page.waitForSelector('[data-signed-heading]');
    expect(await focusedText(page)).toBe('Рахмет! Енді поштаңызды тексеріңіз');
    const attempt = await attemptForActionToken(api.platform, await page.inputValue('form.letter-offer input[name="actionToken"]'));
    expect(attempt.locale).toBe('kk');
  });

  it("starts in the browser's language", async () => {
    const page = await browser.newPage({ locale: 'ru-RU' });
    await openCampaign(page, 'kazakhstan');
    expect(await page.getAttribute('html', 'lang')).toBe('ru');
    expect(await page.textContent('h2#demands-heading')).toBe('О чём мы просим Совет ООН по правам человека');
  });

  it('shows a not-found page that is accessible too', async () => {
    const page = await browser.newPage();
    const response = await page.goto(`${api.url}/c/no-such-campaign?lang=kk`);
    expect(response?.status()).toBe(404);
    expect(await page.getAttribute('html', 'lang')).toBe('kk');
    await expectAccessible(page, 'not-found page');
  });
});
