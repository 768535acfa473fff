import { randomUUID } from 'node:crypto';
import { formStartedToken } from '../../../src/modules/supporters';
import { CONFIRM_TOKEN_PURPOSE } from '../../../src/modules/supporters/confirmations.service';
import { createCampaign, signingBody, type TestCampaign } from '../../support/fixtures';
import { postJson, type TestApi, startTestStack, type TestStack } from '../../support/harness';
import type { SmtpRecorder } from '../../support/smtp-recorder';

let smtp: SmtpRecorder;
let api: TestApi;
let stack: TestStack;
let campaign: TestCampaign;

beforeAll(async () => {
  stack = await startTestStack({ RATE_LIMIT_ENABLED: 'false', CONFIRMATION_TOKEN_TTL_HOURS: '48' });
  ({ smtp, api } = stack);
  campaign = await createCampaign(api.platform.db);
});

afterAll(() => stack.stop());

/** Signs with a fresh address; answers the signature and attempt ids and the address. */
async function sign() {
  const body = signingBody(campaign);
  const answer = await postJson(`${api.url}/api/campaigns/${campaign.slug}/signatures`, body);
  expect(answer.status).toBe(202);
  // Tests in a file run one after another, so the newest signature is this one.
  const signature = await api.platform.db.signature.findFirstOrThrow({
    where: { campaignId: campaign.id },
    orderBy: { createdAt: 'desc' },
    select: { id: true, attempts: { select: { id: true }, orderBy: { createdAt: 'desc' }, take: 1 } },
  });
  return {
    email: body.email,
    signatureId: signature.id,
    attemptId: signature.attempts[0]!.id,
    actionToken: (answer.json as { actionToken: string }).actionToken,
  };
}

async function state(signatureId: string) {
  const signature = await api.platform.db.signature.findUniqueOrThrow({ where: { id: signatureId }, select: { status: true, confirmedAt: true } });
  const counters = await api.platform.db.campaignCounter.aggregate({ where: { campaignId: campaign.id }, _sum: { pending: true, confirmed: true } });
  return { ...signature, pending: counters._sum.pending ?? 0, confirmed: counters._sum.confirmed ?? 0 };
}

function tokenIn(text: string): string {
  const match = /http:\/\/clarion\.test\/confirm\/([A-Za-z0-9._-]+)/.exec(text);
  if (!match) throw new Error(`no confirmation link in:\n${text}`);
  return match[1]!;
}

const page = (token: string, method: 'GET' | 'POST' = 'GET') => fetch(`${api.url}/confirm/${encodeURIComponent(token)}`, { method });
const confirmByApi = (token: unknown) => postJson(`${api.url}/api/confirmations`, { token });
const expired = (attemptId: string) => api.platform.tokens.sign(CONFIRM_TOKEN_PURPOSE, attemptId, new Date(Date.now() - 60_000));

async function expectLinkPage(response: Response, status: number, says: RegExp): Promise<string> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^text\/html/);
  expect(response.headers.get('cache-control')).toBe('no-store');
  const html = await response.text();
  expect(html).toMatch(says);
  // No confirming form; an expired link's page may offer the form that asks for a new link.
  expect(html.replace(/<form class="resend-form" method="post" action="\/c\/[a-z0-9-]+\/resend" novalidate>/, '')).not.toMatch(/<form/);
  return html;
}

function expectProblem(answer: Awaited<ReturnType<typeof postJson>>, status: number, code: string) {
  expect(answer.status).toBe(status);
  expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(answer.json).toEqual(
    expect.objectContaining({ type: `urn:clarion:problem:${code}`, status, code, title: expect.any(String), detail: expect.any(String) }),
  );
}

describe('a confirmation link that is not valid', () => {
  it.each([
    ['garbage', 'garbage'],
    ['three parts of garbage', 'a.b.c'],
    ['a cut-off link', () => 'deadbeef.tpjuwz'],
    ['a very long token', () => 'x'.repeat(500)],
    ['odd characters', '<script>alert(1)</script>'],
  ])('shows a page saying the link is not valid for %s', async (_what, token) => {
    const value = typeof token === 'function' ? token() : token;
    const html = await expectLinkPage(await page(value), 400, /This confirmation link is not valid/);
    expect(html).not.toContain('<script>alert');
  });

  it('shows the same page, and confirms nothing, when the not-valid link is posted', async () => {
    await expectLinkPage(await page('garbage', 'POST'), 400, /This confirmation link is not valid/);
    await expectLinkPage(await page('x'.repeat(500), 'POST'), 400, /This confirmation link is not valid/);
  });

  it('refuses a correctly signed token for a signing that does not exist', async () => {
    const token = api.platform.tokens.sign(CONFIRM_TOKEN_PURPOSE, randomUUID(), new Date(Date.now() + 3600_000));
    await expectLinkPage(await page(token), 400, /not valid/);
    await expectLinkPage(await page(token, 'POST'), 400, /not valid/);
    expectProblem(await confirmByApi(token), 400, 'token_invalid');
  });

  it('refuses a correctly signed token whose payload is not an id', async () => {
    const token = api.platform.tokens.sign(CONFIRM_TOKEN_PURPOSE, 'not-a-uuid', new Date(Date.now() + 3600_000));
    await expectLinkPage(await page(token), 400, /not valid/);
    expectProblem(await confirmByApi(token), 400, 'token_invalid');
  });

  it('refuses other tokens of the same signing (the action token, a form token) as confirmation links', async () => {
    const signing = await sign();
    const before = await state(signing.signatureId);
    const impostors = [
      signing.actionToken,
      formStartedToken(api.platform),
      api.platform.tokens.sign('confirm-signature', signing.signatureId, new Date(Date.now() + 3600_000)),
    ];
    for (const token of impostors) {
      await expectLinkPage(await page(token, 'POST'), 400, /not valid/);
      expectProblem(await confirmByApi(token), 400, 'token_invalid');
    }
    expect(await state(signing.signatureId)).toEqual(before);
    expect(before.status).toBe('pending');
  });

  it.each([
    ['a missing token', {}, 400, 'validation_failed'],
    ['an empty token', { token: '' }, 400, 'validation_failed'],
    ['a token that is not a string', { token: 42 }, 400, 'validation_failed'],
    ['an overlong token', { token: 'x'.repeat(201) }, 400, 'validation_failed'],
    ['an unknown field', { token: 'a.b.c', signatureId: 'x' }, 400, 'validation_failed'],
    ['a garbage token', { token: 'garbage' }, 400, 'token_invalid'],
  ])('answers %s at the JSON API with a problem', async (_what, body, status, code) => {
    expectProblem(await postJson(`${api.url}/api/confirmations`, body), status, code);
  });

  it('refuses a text/plain confirmation with 415', async () => {
    const response = await fetch(`${api.url}/api/confirmations`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"token":"a.b.c"}' });
    expect(response.status).toBe(415);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});

describe('an expired confirmation link', () => {
  it('shows a page that says it expired and how to get a new link, and confirms nothing', async () => {
    const signing = await sign();
    const before = await state(signing.signatureId);
    const token = expired(signing.attemptId);

    const html = await expectLinkPage(await page(token), 410, /This confirmation link has expired/);
    expect(html).toMatch(/sign the petition again with the same email address/i);
    expect(html).toContain('2 days'); // CONFIRMATION_TOKEN_TTL_HOURS=48

    await expectLinkPage(await page(token, 'POST'), 410, /has expired/);
    expectProblem(await confirmByApi(token), 410, 'token_expired');
    expect(await state(signing.signatureId)).toEqual(before);
  });

  it('does not make a valid link of an expired one by changing its expiry', async () => {
    const signing = await sign();
    const [payload, , mac] = expired(signing.attemptId).split('.');
    const forged = `${payload}.${Math.floor(Date.now() / 1000 + 86_400).toString(36)}.${mac}`;
    await expectLinkPage(await page(forged, 'POST'), 400, /not valid/);
    expect((await state(signing.signatureId)).status).toBe('pending');
  });
});

describe('a valid confirmation link', () => {
  it('is shown as often as a mail scanner likes without confirming anything', async () => {
    const signing = await sign();
    const token = tokenIn((await smtp.waitFor((m) => m.envelope.to.includes(signing.email))).text);
    const before = await state(signing.signatureId);
    for (let i = 0; i < 3; i++) {
      const response = await page(token);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain(`<form method="post" action="/confirm/${token}">`);
      const head = await fetch(`${api.url}/confirm/${token}`, { method: 'HEAD' });
      expect(head.status).toBe(200);
    }
    expect(await state(signing.signatureId)).toEqual(before);
    expect(before.status).toBe('pending');

    const confirmed = await page(token, 'POST');
    expect(confirmed.status).toBe(200);
    const after = await state(signing.signatureId);
    expect(after).toMatchObject({ status: 'confirmed', pending: before.pending - 1, confirmed: before.confirmed + 1 });

    // Once confirmed, the page says so and offers no button; showing it still changes nothing.
    const shown = await page(token);
    const html = await shown.text();
    expect(html).toContain('already confirmed');
    expect(html).not.toMatch(/<form/);
    expect(await state(signing.signatureId)).toEqual(after);
  });
});
