import { expectAccessible, launchBrowser, type TestBrowser } from '../../support/browser';
import { createCampaign, type TestCampaign } from '../../support/fixtures';
import { startTestStack, type TestStack } from '../../support/harness';
import { confirmByEmail, sign } from '../../support/letters';

jest.setTimeout(40_000);

let stack: TestStack;
let browser: TestBrowser;
let campaign: TestCampaign;

beforeAll(async () => {
  stack = await startTestStack({ RATE_LIMIT_ENABLED: 'false' });
  campaign = await createCampaign(stack.api.platform.db);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const db = () => stack.api.platform.db;

describe("erasing one's data through the pages", () => {
  it('asks for the address, mails a link, shows what goes, and erases on the button', async () => {
    const me = await sign(stack.api, campaign.slug, campaign.wording);
    await confirmByEmail(stack.api, stack.smtp, me.email);
    expect(await db().signature.count({ where: { campaignId: campaign.id } })).toBe(1);

    const page = await browser.newPage();
    await page.goto(`${stack.api.url}/c/${campaign.slug}`);
    // Every page's footer leads here.
    await Promise.all([page.waitForURL(/\/erase(\?|$)/), page.click('footer a[href^="/erase"]')]);
    await expectAccessible(page, 'erasure request page');

    await page.fill('#erase-email', 'not an address');
    await Promise.all([page.waitForLoadState(), page.click('form[action="/erase"] button[type="submit"]')]);
    await expect(page.locator('#erase-email').getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(page.locator('#erase-email-error').isVisible()).resolves.toBe(true);
    await expectAccessible(page, 'erasure request page with an error');

    await page.fill('#erase-email', me.email);
    const [requested] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.click('form[action="/erase"] button[type="submit"]'),
    ]);
    expect(requested.status()).toBe(202);
    await expectAccessible(page, 'erasure requested page');

    const message = await stack.smtp.waitFor((m) => m.envelope.to.includes(me.email) && m.subject.includes('delete your data'));
    const link = /http:\/\/clarion\.test(\/erase\/[A-Za-z0-9._-]+\?lang=\w+)/.exec(message.text)?.[1];
    expect(link).toBeDefined();
    await page.goto(`${stack.api.url}${link}`);
    await expectAccessible(page, 'erasure confirm page');
    // Opening the link erased nothing.
    expect(await db().signature.count({ where: { campaignId: campaign.id } })).toBe(1);

    const [erased] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.click('button.danger')]);
    expect(erased.status()).toBe(200);
    await expectAccessible(page, 'erased page');
    expect(await db().signature.count({ where: { campaignId: campaign.id } })).toBe(0);
    expect(await db().supporter.count({ where: { signatures: { some: { campaignId: campaign.id } } } })).toBe(0);
  });
});
