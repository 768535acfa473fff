import type { Page } from 'playwright-core';
import { confirmAttempt } from '../../../src/modules/supporters';
import { makeAccount } from '../../support/admin';
import { launchBrowser, seriousAccessibilityViolations, type TestBrowser } from '../../support/browser';
import { createCampaign, signingBody, type TestCampaign } from '../../support/fixtures';
import { eventually, postJson, startTestStack, type TestStack } from '../../support/harness';
import { WebhookReceiver } from '../../support/webhook-receiver';
import { logInThroughPage } from './login-through-page';

/**
 * The owner's webhooks page in real headless Chromium: add an endpoint (the secret shown once,
 * a bad URL named beside its field), see a delivery's attempts and the receiver's answers while
 * the receiver is down, replay it once it is back (the receiver verifies it with the secret the
 * page showed), and disable the endpoint.
 */
jest.setTimeout(120_000);

let stack: TestStack;
let browser: TestBrowser;
let page: Page;
let campaign: TestCampaign;
let receiver: WebhookReceiver;

beforeAll(async () => {
  stack = await startTestStack({
    RATE_LIMIT_ENABLED: 'false',
    WEBHOOKS_ALLOW_PRIVATE_HOSTS: '127.0.0.1',
    // No retry within the test: after the first failure only the page's replay sends it again.
    WEBHOOKS_RETRY_BASE_MS: '3600000',
  });
  campaign = await createCampaign(stack.api.platform.db);
  receiver = await WebhookReceiver.start();
  browser = await launchBrowser();
  page = await browser.newPage();
  await logInThroughPage(page, stack.api.url, await makeAccount(stack.api.platform.db, 'owner'));
});

afterAll(async () => {
  await receiver?.stop();
  await browser?.close();
  await stack?.stop();
});

const db = () => stack.api.platform.db;

/** A confirmed signature: the event an endpoint for `signature.confirmed` is sent. */
async function confirmedSignature(): Promise<string> {
  const body = signingBody(campaign);
  expect((await postJson(`${stack.api.url}/api/campaigns/${campaign.slug}/signatures`, body)).status).toBe(202);
  const attempt = await db().signingAttempt.findFirstOrThrow({
    where: { campaignId: campaign.id },
    orderBy: { createdAt: 'desc' },
    select: { id: true, signatureId: true },
  });
  await db().$transaction((tx) => confirmAttempt(tx, attempt.id, attempt.signatureId!));
  return attempt.signatureId!;
}

describe('the webhooks page', () => {
  it('adds an endpoint, shows a failed delivery with its answer, replays it to the receiver, and disables the endpoint', async () => {
    await page.click('nav[aria-label="Admin"] >> text=Webhooks');
    await page.waitForSelector('#endpoints-empty:not([hidden])');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    await page.fill('#wh-url', 'not a url');
    await page.click('#endpoint-create button[type="submit"]');
    await page.waitForSelector('#wh-url[aria-invalid="true"]');
    expect(await db().webhookEndpoint.count()).toBe(0);

    await page.fill('#wh-url', receiver.url);
    await page.click('#endpoint-create button[type="submit"]');
    await page.waitForSelector('#wh-secret:not([hidden])');
    receiver.secret = (await page.textContent('#wh-secret code'))!;
    expect(receiver.secret).toMatch(/^whsec_/);
    const row = page.locator('#endpoints tbody tr', { hasText: receiver.url });
    await row.locator('.state', { hasText: 'Active' }).waitFor();

    receiver.mode = 'down';
    const signatureId = await confirmedSignature();
    await eventually(async () => receiver.seen.length > 0 || null);
    await eventually(async () => ((await db().webhookDelivery.findFirst({ select: { attempts: true } }))?.attempts ?? 0) > 0 || null);

    await row.getByRole('button', { name: `Deliveries to ${receiver.url}` }).click();
    const delivery = page.locator('#delivery-list tbody tr', { hasText: 'signature.confirmed' });
    await delivery.locator('.attempts', { hasText: 'HTTP 503' }).waitFor();
    expect(receiver.accepted).toEqual([]);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    receiver.mode = 'up';
    await delivery.getByRole('button', { name: /^Replay signature\.confirmed/ }).click();
    await page.locator('#deliveries-message', { hasText: 'Queued again' }).waitFor();
    const arrived = await eventually(async () => receiver.acceptedOfType('signature.confirmed')[0] ?? null);
    expect(arrived.verified).toBe(true);
    expect(JSON.stringify(arrived.payload)).toContain(signatureId);

    await row.getByRole('button', { name: `Disable ${receiver.url}` }).click();
    await row.locator('.state', { hasText: 'Disabled' }).waitFor();
    expect(await db().webhookEndpoint.findFirstOrThrow({ select: { disabledAt: true, disabledReason: true } })).toEqual({
      disabledAt: expect.any(Date),
      disabledReason: 'owner',
    });
  });
});
