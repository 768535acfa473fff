import { randomUUID } from 'node:crypto';
import { attemptForActionToken } from '../../support/tokens';
import { CONFIRM_TOKEN_PURPOSE } from '../../../src/modules/supporters/confirmations.service';
import { createCampaign, signingBody, type TestCampaign } from '../../support/fixtures';
import { eventually, postJson, type TestApi, startTestStack, type TestStack } from '../../support/harness';
import type { SmtpRecorder } from '../../support/smtp-recorder';

let smtp: SmtpRecorder;
let api: TestApi;
let stack: TestStack;
let campaign: TestCampaign;

beforeAll(async () => {
  stack = await startTestStack({ RATE_LIMIT_ENABLED: 'false' });
  ({ smtp, api } = stack);
  campaign = await createCampaign(api.platform.db);
});

afterAll(() => stack.stop());

async function sign(locale = 'en') {
  const body = signingBody(campaign, { locale });
  const answer = await postJson(`${api.url}/api/campaigns/${campaign.slug}/signatures`, body);
  expect(answer.status).toBe(202);
  const attempt = await attemptForActionToken(api.platform, (answer.json as { actionToken: string }).actionToken);
  return { email: body.email, attemptId: attempt.id, signatureId: attempt.signature.id, supporterId: attempt.signature.supporterId };
}

const validLink = (attemptId: string) => api.platform.tokens.sign(CONFIRM_TOKEN_PURPOSE, attemptId, new Date(Date.now() + 3600_000));
const expiredLink = (attemptId: string) => api.platform.tokens.sign(CONFIRM_TOKEN_PURPOSE, attemptId, new Date(Date.now() - 60_000));

async function open(token: string, method: 'GET' | 'POST' = 'GET', query = '') {
  const response = await fetch(`${api.url}/confirm/${encodeURIComponent(token)}${query}`, { method });
  return { status: response.status, html: await response.text() };
}

function offeredToken(html: string): string | undefined {
  return /<form class="letter-offer" method="post" action="\/c\/[a-z0-9-]+\/write\?lang=[a-z]+">\s*<input type="hidden" name="actionToken" value="([^"]+)">/.exec(
    html,
  )?.[1];
}

describe('the page after confirming', () => {
  it('confirms and offers the letter step for the confirmed signing', async () => {
    const signing = await sign();
    const { status, html } = await open(validLink(signing.attemptId), 'POST');
    expect(status).toBe(200);
    expect(html).toContain('Thank you: your signature is confirmed');
    expect(html).toContain('One more step: write to the delegations');
    const token = offeredToken(html);
    expect(token).toBeDefined();
    expect((await attemptForActionToken(api.platform, token!)).id).toBe(signing.attemptId);
    expect(html).toContain(`<a href="/c/${campaign.slug}?lang=en">Back to the campaign</a>`);
  });

  it('offers no letter step to a supporter who has written letters in this campaign', async () => {
    const signing = await sign();
    const target = await api.platform.db.target
      .create({
        data: { iso2: 'ZZ', country: 'Testland', unGroup: 'African', missionName: 'Mission of Testland', salutation: 'Excellency' },
        select: { id: true },
      })
      .catch(() => api.platform.db.target.findUniqueOrThrow({ where: { iso2: 'ZZ' }, select: { id: true } }));
    await api.platform.db.letter.create({
      data: { campaignId: campaign.id, supporterId: signing.supporterId, targetId: target.id, attemptId: signing.attemptId, status: 'held' },
    });
    const { html } = await open(validLink(signing.attemptId), 'POST');
    expect(html).toContain('your signature is confirmed');
    expect(offeredToken(html)).toBeUndefined();
  });

  it('speaks the language the supporter signed in, unless the link asks for another', async () => {
    const signing = await sign('ru');
    const link = validLink(signing.attemptId);
    const shown = await open(link);
    expect(shown.html).toContain('<html lang="ru">');
    expect(shown.html).toContain('Подтвердить подпись');
    expect(shown.html).toContain('<input type="hidden" name="locale" value="ru">');
    expect((await open(link, 'GET', '?lang=kk')).html).toContain('Қолымды растау');
    const confirmed = await open(link, 'POST');
    expect(confirmed.html).toContain('Спасибо! Ваша подпись подтверждена');
    expect(confirmed.html).toContain('Написать делегациям');
  });
});

describe('a link that does not work', () => {
  it('says an expired link has expired and offers a form for a new one, for its campaign', async () => {
    const signing = await sign();
    const { status, html } = await open(expiredLink(signing.attemptId));
    expect(status).toBe(410);
    expect(html).toContain('This confirmation link has expired');
    expect(html).toContain('Confirmation links work for 14 days');
    expect(html).toContain(`<form class="resend-form" method="post" action="/c/${campaign.slug}/resend" novalidate>`);
    expect(html).toMatch(/<input id="resend-email" name="email" type="email"/);
  });

  it('says a broken link is not valid and points to the campaigns, with no form', async () => {
    for (const token of ['garbage', validLink(randomUUID())]) {
      const { status, html } = await open(token);
      expect(status).toBe(400);
      expect(html).toContain('This confirmation link is not valid');
      expect(html).toContain(`href="/c/${campaign.slug}?lang=en"`);
      expect(html).not.toContain('<form');
    }
  });
});

describe('asking for a new link', () => {
  async function resend(email: string, locale = 'en') {
    const response = await fetch(`${api.url}/c/${campaign.slug}/resend`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body: new URLSearchParams({ email, locale }),
    });
    return { status: response.status, html: await response.text() };
  }

  const toAddress = (email: string) => smtp.messages.filter((m) => m.envelope.to.includes(email));
  // The request is looked up by a job (so the answer's time tells nothing); what it queued is an email row.
  const confirmationRows = () => api.platform.db.outboxEvent.count({ where: { jobName: 'supporters.send.confirmation' } });
  const requestsResolved = () => eventually(async () => (await api.platform.db.addressRequest.count()) === 0, 5_000, 'address requests resolved');

  it('queues exactly one fresh link for a pending signature, and the link confirms it', async () => {
    const signing = await sign();
    await smtp.waitFor((m) => m.envelope.to.includes(signing.email));
    const outboxBefore = await confirmationRows();
    const answer = await resend(signing.email);
    expect(answer.status).toBe(202);
    expect(answer.html).toContain('If this address has signed this petition and not yet confirmed');
    await requestsResolved();
    expect(await confirmationRows()).toBe(outboxBefore + 1);
    const fresh = await smtp.waitFor((m) => m.envelope.to.includes(signing.email) && m.subject.startsWith('Your confirmation link'));
    // Asking again within the hour sends nothing more.
    expect((await resend(signing.email)).status).toBe(202);
    await requestsResolved();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(toAddress(signing.email)).toHaveLength(2);
    expect(await confirmationRows()).toBe(outboxBefore + 1);

    const link = /\/confirm\/[A-Za-z0-9._-]+/.exec(fresh.text)![0];
    const confirmed = await fetch(`${api.url}${link}`, { method: 'POST' });
    expect(await confirmed.text()).toContain('your signature is confirmed');
    expect((await api.platform.db.signature.findUniqueOrThrow({ where: { id: signing.signatureId } })).status).toBe('confirmed');
  });

  it('answers an unknown or confirmed address exactly as a known one, and sends nothing', async () => {
    const known = await sign();
    const confirmed = await sign();
    await open(validLink(confirmed.attemptId), 'POST');
    const unknownEmail = `nobody-${Date.now()}@example.org`;
    const outboxBefore = await confirmationRows();
    const answers = await Promise.all([resend(unknownEmail), resend(confirmed.email)]);
    const knownAnswer = await resend(known.email);
    for (const answer of answers) expect(answer).toEqual(knownAnswer);
    await smtp.waitFor((m) => m.envelope.to.includes(known.email) && m.subject.startsWith('Your confirmation link'));
    await requestsResolved();
    expect(await confirmationRows()).toBe(outboxBefore + 1);
    expect(toAddress(unknownEmail)).toEqual([]);
  });

  it('gives the form back with an error for something that is not an address', async () => {
    const outboxBefore = await api.platform.db.outboxEvent.count();
    const { status, html } = await resend('not an address', 'ru');
    expect(status).toBe(400);
    expect(html).toContain('<html lang="ru">');
    expect(html).toContain('<a href="#resend-email">Введите адрес электронной почты, с которым вы подписали петицию');
    expect(html).toMatch(/<input id="resend-email" [^>]*value="not an address" aria-invalid="true" aria-describedby="resend-email-error">/);
    expect(await api.platform.db.outboxEvent.count()).toBe(outboxBefore);
  });

  it('answers the JSON endpoint the same for known and unknown addresses', async () => {
    const known = await sign();
    const a = await postJson(`${api.url}/api/campaigns/${campaign.slug}/confirmations/resend`, { email: known.email });
    const b = await postJson(`${api.url}/api/campaigns/${campaign.slug}/confirmations/resend`, { email: `nobody-${Date.now()}@example.org` });
    expect(a.status).toBe(202);
    expect(a.json).toEqual(b.json);
    const bad = await postJson(`${api.url}/api/campaigns/${campaign.slug}/confirmations/resend`, { email: 'x', extra: 1 });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const missing = await postJson(`${api.url}/api/campaigns/no-such-campaign/confirmations/resend`, { email: known.email });
    expect(missing.status).toBe(404);
  });
});

describe('limits', () => {
  it('limits asking for new links like signing, per network, and says so on a page', async () => {
    const limited = await startTestStack({ RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_IP_PER_MINUTE: '2' });
    try {
      const answers: Array<{ status: number; html: string; retryAfter: string | null }> = [];
      for (let i = 0; i < 3; i++) {
        const response = await fetch(`${limited.api.url}/c/${campaign.slug}/resend`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ email: `someone${i}@example.org`, locale: 'ru' }),
        });
        answers.push({ status: response.status, html: await response.text(), retryAfter: response.headers.get('retry-after') });
      }
      expect(answers.map((a) => a.status)).toEqual([202, 202, 429]);
      const page = answers[2]!;
      expect(page.retryAfter).toMatch(/^\d+$/);
      expect(page.html).toContain('<html lang="ru">');
      expect(page.html).toContain(`Попробуйте снова через ${page.retryAfter} `);
      // The JSON endpoint shares the count and answers with the problem.
      const json = await postJson(`${limited.api.url}/api/campaigns/${campaign.slug}/confirmations/resend`, { email: 'x@example.org' });
      expect(json.status).toBe(429);
      expect(json.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    } finally {
      await limited.stop();
    }
  });

  it("answers a browser's signing form that hits the limit with a page, and a script with the problem", async () => {
    const limited = await startTestStack({ RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_IP_PER_MINUTE: '1' });
    try {
      const form = (email: string) => new URLSearchParams({ email, name: 'A', 'consent[wording]': campaign.wording });
      const post = (email: string, accept: string) =>
        fetch(`${limited.api.url}/api/campaigns/${campaign.slug}/signatures`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', accept },
          body: form(email),
        });
      expect((await post(`first-${Date.now()}@example.org`, 'text/html')).status).toBe(202);
      const page = await post(`second-${Date.now()}@example.org`, 'text/html');
      expect(page.status).toBe(429);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await page.text()).toContain('Please wait a moment');
      const problem = await post(`third-${Date.now()}@example.org`, 'application/json');
      expect(problem.status).toBe(429);
      expect(problem.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    } finally {
      await limited.stop();
    }
  });
});
