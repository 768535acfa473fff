import { attemptForActionToken } from '../../support/tokens';
import { createCampaign, type TestCampaign } from '../../support/fixtures';
import { LogCollector, postJson, type TestApi, startTestStack, type TestStack } from '../../support/harness';
import type { SmtpRecorder } from '../../support/smtp-recorder';

let smtp: SmtpRecorder;
let api: TestApi;
let stack: TestStack;
let campaign: TestCampaign;
const logs = new LogCollector();

beforeAll(async () => {
  // Every level, so a leak at debug or trace would show too.
  stack = await startTestStack({ RATE_LIMIT_ENABLED: 'false', LOG_LEVEL: 'trace' }, { logStream: logs });
  ({ smtp, api } = stack);
  campaign = await createCampaign(api.platform.db);
});

afterAll(() => stack.stop());

/** A browser's form post: form encoding, and an Accept header that prefers HTML. */
async function postForm(path: string, fields: Record<string, string>) {
  const response = await fetch(`${api.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html,application/xhtml+xml,*/*;q=0.8' },
    body: new URLSearchParams(fields),
  });
  return { status: response.status, type: response.headers.get('content-type') ?? '', html: await response.text() };
}

function formFields(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    name: 'Aigerim Formtest',
    email: `form-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.org`,
    country: 'KZ',
    city: 'Almaty',
    comment: 'For my cousin.',
    'consent[updates]': 'true',
    'consent[wording]': campaign.wording,
    website: '',
    locale: 'en',
    ...overrides,
  };
}

async function footprint() {
  const db = api.platform.db;
  const [signatures, supporters, outbox, attempts] = await Promise.all([
    db.signature.count(),
    db.supporter.count(),
    db.outboxEvent.count(),
    db.signingAttempt.count(),
  ]);
  return { signatures, supporters, outbox, attempts };
}

describe('the no-JavaScript signing form', () => {
  it('gives the page back with what was typed and an error beside each wrong field, and stores nothing', async () => {
    const before = await footprint();
    const secretEmail = `not-an-address-${Date.now()}`;
    const { status, type, html } = await postForm(
      `/api/campaigns/${campaign.slug}/signatures`,
      formFields({ email: secretEmail, name: '', country: 'XX', utm_source: 'mail' }),
    );
    expect(status).toBe(400);
    expect(type).toMatch(/^text\/html/);
    expect(html).toContain('<title>Error: Test campaign');
    // The summary at the top links to each field.
    expect(html).toMatch(/<div class="error-summary" id="sign-errors" tabindex="-1" aria-labelledby="sign-errors-title" data-error-summary>/);
    expect(html).toContain('<a href="#sign-email">Enter your email address, like name@example.org.</a>');
    expect(html).toContain('<a href="#sign-name">Enter your name (at most 100 characters).</a>');
    expect(html).toContain('<a href="#sign-country">Choose a country from the list, or leave it empty.</a>');
    // Each field: its error, aria-invalid, described by the error.
    expect(html).toMatch(/<p class="field-error" id="sign-email-error" data-error-for="email" data-message="[^"]+">Enter your email address/);
    expect(html).toMatch(
      /<input id="sign-email" name="email" [^>]*value="not-an-address-\d+"\s+aria-describedby="sign-email-hint sign-email-error" aria-invalid="true">/,
    );
    expect(html).toMatch(/<input id="sign-name" [^>]*aria-invalid="true" aria-describedby="sign-name-error">/);
    expect(html).toMatch(/<select id="sign-country" name="country" autocomplete="country" aria-invalid="true" aria-describedby="sign-country-error">/);
    // What was typed is kept (the city and comment were fine), and so are the hidden values.
    expect(html).toMatch(/<input id="sign-city" [^>]*value="Almaty">/);
    expect(html).toContain('>For my cousin.</textarea>');
    expect(html).toMatch(/<input id="sign-updates" name="consent\[updates\]" type="checkbox" value="true" checked/);
    expect(html).toContain('<input type="hidden" name="utm_source" value="mail">');
    expect(html).not.toMatch(/id="sign-city-error"[^>]*>[^<]/);
    expect(await footprint()).toEqual(before);
    // The address typed never reaches a log line.
    expect(logs.text).toContain('signing form refused');
    expect(logs.text).not.toContain(secretEmail);
  });

  it('answers in the language of the form', async () => {
    const { status, html } = await postForm(`/api/campaigns/${campaign.slug}/signatures`, formFields({ email: 'nope', locale: 'kk' }));
    expect(status).toBe(400);
    expect(html).toContain('<html lang="kk">');
    expect(html).toContain('Электрондық пошта мекенжайыңызды енгізіңіз, мысалы: name@example.org.');
  });

  it('keeps the form start time, so fixing a mistake quickly is not taken for a bot', async () => {
    const fields = formFields({ email: 'nope', form_started: 'kept.token.value' });
    const { html } = await postForm(`/api/campaigns/${campaign.slug}/signatures`, fields);
    expect(html).toContain('<input type="hidden" name="form_started" value="kept.token.value">');
  });

  it('shows the closed page, without a form, when the campaign closed while the form was open', async () => {
    const closed = await createCampaign(api.platform.db, { status: 'closed' });
    const before = await footprint();
    const { status, html } = await postForm(`/api/campaigns/${closed.slug}/signatures`, formFields({ 'consent[wording]': closed.wording }));
    expect(status).toBe(409);
    expect(html).toContain('This campaign has closed');
    expect(html).not.toContain('data-signing-form');
    expect(await footprint()).toEqual(before);
  });

  it('answers an unknown campaign with the not-found page', async () => {
    const { status, html } = await postForm('/api/campaigns/no-such-campaign/signatures', formFields());
    expect(status).toBe(404);
    expect(html).toContain('There is no campaign here');
  });

  it("signs, explains the confirmation email and offers the letter step with this signing's token, remembering the language", async () => {
    const fields = formFields({ locale: 'ru' });
    const { status, html } = await postForm(`/api/campaigns/${campaign.slug}/signatures`, fields);
    expect(status).toBe(202);
    expect(html).toContain('<html lang="ru">');
    expect(html).toContain('Спасибо! Теперь проверьте почту');
    expect(html).toContain('Ссылка действует 14 дней.');
    expect(html).toContain('«Спам»');
    const token =
      /<form class="letter-offer" method="post" action="\/c\/[a-z0-9-]+\/write\?lang=ru">\s*<input type="hidden" name="actionToken" value="([^"]+)">/.exec(
        html,
      )?.[1];
    expect(token).toBeDefined();
    const attempt = await attemptForActionToken(api.platform, token!);
    expect(attempt.signature.campaign.slug).toBe(campaign.slug);
    const stored = await api.platform.db.signingAttempt.findUniqueOrThrow({ where: { id: attempt.id }, select: { locale: true } });
    expect(stored.locale).toBe('ru');
    await smtp.waitFor((m) => m.envelope.to.includes(fields.email!));
  });

  it('stores the language a JSON signing names, English when none is named, and refuses one it does not know', async () => {
    const email = `json-${Date.now()}@example.org`;
    const answer = await postJson(`${api.url}/api/campaigns/${campaign.slug}/signatures`, {
      email,
      name: 'A',
      consent: { updates: false, wording: campaign.wording },
      locale: 'kk',
    });
    expect(answer.status).toBe(202);
    const kk = await attemptForActionToken(api.platform, (answer.json as { actionToken: string }).actionToken);
    expect(kk.locale).toBe('kk');
    const unknown = await postJson(`${api.url}/api/campaigns/${campaign.slug}/signatures`, {
      email: `y${email}`,
      name: 'A',
      consent: { updates: false, wording: campaign.wording },
      locale: 'de',
    });
    expect(unknown.status).toBe(400);
    const other = await postJson(`${api.url}/api/campaigns/${campaign.slug}/signatures`, {
      email: `x${email}`,
      name: 'A',
      consent: { updates: false, wording: campaign.wording },
    });
    expect(other.status).toBe(202);
    expect((await attemptForActionToken(api.platform, (other.json as { actionToken: string }).actionToken)).locale).toBe('en');
  });
});
