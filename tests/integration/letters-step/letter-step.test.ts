import { KAZAKHSTAN_CONSENT_WORDING_ID, KAZAKHSTAN_SLUG, kazakhstanDemands, seedKazakhstanCampaign } from '../../../src/modules/campaigns';
import { seedDefaultTemplate, seedTargets } from '../../../src/modules/letters';
import { createCampaign } from '../../support/fixtures';
import { type TestApi, startTestStack, type TestStack } from '../../support/harness';
import { confirmationLinkIn, sign } from '../../support/letters';
import type { SmtpRecorder } from '../../support/smtp-recorder';
import { decode, lettersOfToken, postForm, textOf } from './step-helpers';

let smtp: SmtpRecorder;
let api: TestApi;
let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ RATE_LIMIT_ENABLED: 'false', LETTERS_CAP_DISABLED: 'true' });
  ({ smtp, api } = stack);
  const campaignId = await seedKazakhstanCampaign(api.platform.db);
  await seedDefaultTemplate(api.platform.db, campaignId);
  await seedTargets(api.platform.db);
});

afterAll(() => stack.stop());

const EASTERN_EUROPEAN = ['Albania', 'Bulgaria', 'Czechia', 'Estonia', 'North Macedonia', 'Slovenia'];
const write = (step: '' | '/preview' | '/send', fields: Record<string, string | string[]>, headers?: Record<string, string>) =>
  postForm(api, `/c/${KAZAKHSTAN_SLUG}/write${step}`, fields, headers);
// `locale`, as the signing page sends it.
const signKazakhstan = (overrides: Record<string, unknown> = {}) => sign(api, KAZAKHSTAN_SLUG, KAZAKHSTAN_CONSENT_WORDING_ID, { locale: 'en', ...overrides });

describe('the letter step page', () => {
  it('explains the letter and offers every choice, with the token only in a hidden field', async () => {
    const { actionToken } = await signKazakhstan();
    const page = await write('', { actionToken });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.html).toContain('<h1 id="write-heading" tabindex="-1">Write to the delegations</h1>');
    expect(page.html).toContain('The letter is signed with your name.');
    expect(page.html).toContain('reply address');
    expect(page.html).toContain('We will email you these letters to approve.');
    expect(page.html).toContain(`<input type="hidden" name="actionToken" value="${actionToken}">`);
    // The language switch is forms that post the token: a link (the layout's switcher) would lose it.
    expect(page.html).not.toMatch(/<a [^>]*hreflang/);
    expect(page.html).toMatch(/<button type="submit" class="link-button" name="lang" value="ru" lang="ru">Русский<\/button>/);
    expect(page.html).not.toMatch(new RegExp(`(action|href)="[^"]*${actionToken.slice(0, 20)}`));
    expect(page.html).toMatch(/id="choice-all"[\s\S]*All members of the Human Rights Council <span class="muted">\(47 delegations\)/);
    for (const group of [
      'African Group (13)',
      'Asia-Pacific Group (13)',
      'Eastern European Group (6)',
      'Latin American and Caribbean Group (8)',
      'Western European and Others Group (7)',
    ]) {
      expect(page.html).toContain(`>${group}</option>`);
    }
    expect(page.html).toContain('My own country&#x27;s delegation: Kazakhstan');
    expect(page.html).toMatch(/id="country-KZ"><label for="country-KZ">Kazakhstan <span class="muted">\(not a Council member\)/);
    expect(page.html).toContain('maxlength="2000"');
    expect(page.html).toContain('at most 2,000 characters');
    expect(page.html).toContain('<script src="/assets/write/write.js" defer></script>');
    expect(Buffer.byteLength(page.html)).toBeLessThan(100_000);
  });

  it('speaks the language of the lang field, then of Accept-Language, and names countries in it', async () => {
    const { actionToken } = await signKazakhstan();
    const russian = await write('', { actionToken, lang: 'ru' });
    expect(russian.html).toContain('<html lang="ru">');
    expect(russian.html).toContain('Написать делегациям');
    expect(russian.html).toContain('Делегация моей страны: Казахстан');
    expect(russian.html).toContain('<input type="hidden" name="lang" value="ru">');
    const kazakh = await write('', { actionToken }, { 'accept-language': 'kk-KZ, ru;q=0.5' });
    expect(kazakh.html).toContain('<html lang="kk">');
    expect(kazakh.html).toContain('Делегацияларға жазу');
    const fromSigningPage = await write('', { actionToken, locale: 'kk' });
    expect(fromSigningPage.html).toContain('<html lang="kk">');
  });

  it('serves its script and stylesheet itself', async () => {
    const script = await fetch(`${api.url}/assets/write/write.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect(await script.text()).toContain("getElementById('write-form')");
    expect((await fetch(`${api.url}/assets/write/write.css`)).status).toBe(200);
    expect((await fetch(`${api.url}/assets/write/nothing.js`)).status).toBe(404);
  });

  it('answers a token that is invalid, expired, for another campaign, or a closed campaign with a page that says so', async () => {
    const invalid = await write('', { actionToken: 'not-a-token' });
    expect(invalid.status).toBe(400);
    expect(invalid.html).toContain('This page cannot be used');
    expect(decode(invalid.html)).toContain(`href="/c/${KAZAKHSTAN_SLUG}?lang=en"`);
    expect((await write('', {})).status).toBe(400);

    const { actionToken } = await signKazakhstan();
    const attemptId = (api.platform.tokens.verify('signing-action', actionToken) as { payload: string }).payload;
    const expired = await write('', { actionToken: api.platform.tokens.sign('signing-action', attemptId, new Date(Date.now() - 1000)) });
    expect(expired.status).toBe(410);
    expect(expired.html).toContain('This page has expired');

    const other = await createCampaign(api.platform.db);
    const elsewhere = await postForm(api, `/c/${other.slug}/write`, { actionToken });
    expect(elsewhere.status).toBe(400);

    const closing = await createCampaign(api.platform.db);
    const signed = await sign(api, closing.slug, closing.wording, { locale: 'en' });
    await api.platform.db.campaign.update({ where: { id: closing.id }, data: { status: 'closed' } });
    const closed = await postForm(api, `/c/${closing.slug}/write/send`, { actionToken: signed.actionToken, choice: 'all' });
    expect(closed.status).toBe(409);
    expect(closed.html).toContain('This campaign has closed');
    expect(await lettersOfToken(api, signed.actionToken)).toBe(0);

    const unknown = await postForm(api, '/c/No Such/write', { actionToken });
    expect(unknown.status).toBe(404);
    expect(unknown.html).toContain('Campaign not found');
  });

  it('refuses a body that is not a form', async () => {
    const response = await fetch(`${api.url}/c/${KAZAKHSTAN_SLUG}/write/send`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(response.status).toBe(415);
  });
});

describe('previewing without JavaScript', () => {
  it('shows the letter the first delegation of the group will receive, and all the delegations that get one', async () => {
    const { actionToken } = await signKazakhstan();
    const paragraph = 'My brother was detained in Almaty.\r\n\r\n<b>Please</b> ask about him & the others.';
    const page = await write('/preview', { actionToken, choice: 'group', group: 'Eastern European', paragraph });
    expect(page.status).toBe(200);
    expect(textOf(page.html, 'preview-heading')).toBe('Your letter to Albania');
    expect(textOf(page.html, 'preview-count')).toBe('6 letters will be sent.');
    expect(textOf(page.html, 'preview-recipients').split(' ').join(' ')).toBe(EASTERN_EUROPEAN.join(' '));
    const frame = /<iframe id="preview-frame" class="letter" sandbox="" referrerpolicy="no-referrer" srcdoc="([^"]*)" title="([^"]*)"><\/iframe>/.exec(
      page.html,
    );
    expect(frame).not.toBeNull();
    expect(decode(frame![2]!)).toBe('The letter as the delegation of Albania will receive it');
    const letterHtml = decode(frame![1]!);
    expect(letterHtml).toContain('My name is Aigerim Writer, and I write to you from Almaty, Kazakhstan');
    for (const demand of kazakhstanDemands) expect(letterHtml).toContain(demand.quote.replace(/&/g, '&amp;').replace(/'/g, '&#x27;'));
    expect(letterHtml).toContain('&lt;b&gt;Please&lt;/b&gt; ask about him &amp; the others.');
    expect(letterHtml).not.toContain('<b>Please');
    const text = textOf(page.html, 'preview-text');
    expect(text).toContain('<b>Please</b> ask about him & the others.');
    expect(textOf(page.html, 'preview-subject')).toMatch(/^Subject: .+/);
    // The choices are kept for sending.
    expect(page.html).toMatch(/value="group" id="choice-group" checked/);
    expect(page.html).toContain('<option value="Eastern European" data-count="6" selected>');
    expect(page.html).toContain('<b>Please</b> ask about him &amp; the others.</textarea>'.replace('<b>', '&lt;b&gt;').replace('</b>', '&lt;/b&gt;'));
    expect(Buffer.byteLength(page.html)).toBeLessThan(100_000);
    expect(await lettersOfToken(api, actionToken)).toBe(0);
  });

  it('previews chosen countries for the first of them by code', async () => {
    const { actionToken } = await signKazakhstan();
    const page = await write('/preview', { actionToken, choice: 'countries', countries: ['FR', 'KZ', 'CH'] });
    expect(page.status).toBe(200);
    expect(textOf(page.html, 'preview-heading')).toBe('Your letter to Switzerland');
    expect(textOf(page.html, 'preview-count')).toBe('3 letters will be sent.');
    expect(page.html).toMatch(/id="country-FR" checked/);
    expect(page.html).toMatch(/<details class="choice-detail" id="countries-list" open>/);
  });

  it.each([
    ['nothing chosen', {}, 400, 'choice-error', 'Choose who should receive your letter.'],
    ['a group without the group', { choice: 'group', group: '' }, 400, 'group-error', 'Choose a regional group.'],
    ['a group that does not exist', { choice: 'group', group: 'Arctic' }, 400, 'group-error', 'Choose a regional group.'],
    ['chosen countries without any', { choice: 'countries' }, 400, 'countries-error', 'Tick at least one delegation in the list.'],
    [
      'a paragraph over the limit',
      { choice: 'all', paragraph: 'x'.repeat(2001) },
      400,
      'paragraph-error',
      'Your paragraph has 2,001 characters; shorten it to at most 2,000.',
    ],
  ])('re-renders the form for %s, with the message beside the field', async (_what, fields, status, errorId, message) => {
    const { actionToken } = await signKazakhstan();
    for (const step of ['/preview', '/send'] as const) {
      const page = await write(step, { actionToken, ...fields });
      expect(page.status).toBe(status);
      expect(textOf(page.html, errorId)).toBe(message);
      expect(textOf(page.html, 'error-summary')).toContain(message);
      expect(page.html).toContain(`<input type="hidden" name="actionToken" value="${actionToken}">`);
    }
    expect(await lettersOfToken(api, actionToken)).toBe(0);
  });

  it('keeps a too-long paragraph in the field so it can be shortened', async () => {
    const { actionToken } = await signKazakhstan();
    const paragraph = `${'word '.repeat(420)}end`;
    const page = await write('/send', { actionToken, choice: 'all', paragraph });
    expect(page.status).toBe(400);
    expect(page.html).toContain(`${paragraph}</textarea>`);
    expect(page.html).toMatch(/<textarea id="paragraph"[^>]*aria-invalid="true"/);
  });

  it('says so when "my own country" names no delegation (no country on the signature)', async () => {
    const { actionToken } = await signKazakhstan({ country: undefined });
    const step = await write('', { actionToken });
    expect(step.html).not.toContain('id="choice-own"');
    const page = await write('/send', { actionToken, choice: 'own' });
    expect(page.status).toBe(422);
    expect(textOf(page.html, 'choice-error')).toBe('No delegation we can write to matches this choice. Please choose another.');
    expect(await lettersOfToken(api, actionToken)).toBe(0);
  });
});

describe('sending without JavaScript', () => {
  it('records one letter per delegation, waiting for the confirmation, and counts repeats honestly', async () => {
    const { actionToken } = await signKazakhstan();
    const first = await write('/send', { actionToken, choice: 'group', group: 'Eastern European', paragraph: 'In my own words.' });
    expect(first.status).toBe(200);
    expect(first.html).toContain('<h1>Your letters are recorded</h1>');
    expect(textOf(first.html, 'result-recorded')).toBe('6 delegations have a letter from you:');
    expect(textOf(first.html, 'result-delegations')).toBe(EASTERN_EUROPEAN.join(' '));
    expect(textOf(first.html, 'result-status')).toMatch(/^We have emailed you these letters to approve/);
    expect(first.html).not.toContain('already had your letter');
    expect(await lettersOfToken(api, actionToken)).toBe(6);

    // A signing's token is not told what the address wrote before (that would tell who signed);
    // a delegation still never gets two letters.
    const again = await write('/send', { actionToken, choice: 'group', group: 'Eastern European' });
    expect(again.status).toBe(200);
    expect(again.html).not.toContain('already had your letter');
    expect(await lettersOfToken(api, actionToken)).toBe(6);

    const more = await write('/send', { actionToken, choice: 'countries', countries: ['AL', 'FR'] });
    expect(textOf(more.html, 'result-recorded')).toBe('2 delegations have a letter from you:');
    expect(await lettersOfToken(api, actionToken)).toBe(7);
  });

  it("says the letters are on their way when written from the confirmation link's page, and tells what went before", async () => {
    const { email, actionToken } = await signKazakhstan();
    const message = await smtp.waitFor((m) => m.envelope.to.includes(email) && m.subject.includes('Please confirm'));
    const confirmed = await postForm(api, confirmationLinkIn(message), {});
    const verified = /name="actionToken" value="([^"]+)"/.exec(confirmed.html)?.[1];
    expect(verified).toBeDefined();
    const step = await write('', { actionToken: verified! });
    expect(step.html).not.toContain('We will email you these letters to approve.');
    const page = await write('/send', { actionToken: verified!, choice: 'own', lang: 'ru' });
    expect(page.status).toBe(200);
    expect(textOf(page.html, 'result-recorded')).toBe('Ваше письмо есть у 1 делегации:');
    expect(textOf(page.html, 'result-delegations')).toBe('Казахстан');
    expect(textOf(page.html, 'result-status')).toMatch(/^Они уже в пути/);
    const again = await write('/send', { actionToken: verified!, choice: 'countries', countries: ['KZ', 'FR'] });
    expect(again.html).toContain('1 of them already had your letter from before, so it receives no second one.');
    // The signing's own token still only prepares letters, confirmed or not.
    const prepared = await write('/send', { actionToken, choice: 'countries', countries: ['CH'] });
    expect(textOf(prepared.html, 'result-status')).toMatch(/^We have emailed you these letters to approve/);
  });

  it('accepts up to 60 ticked countries in one form', async () => {
    const { actionToken } = await signKazakhstan();
    const codes = (await api.platform.db.target.findMany({ where: { active: true }, select: { iso2: true } })).map((t) => t.iso2);
    const page = await write('/send', { actionToken, choice: 'countries', countries: codes });
    expect(page.status).toBe(200);
    expect(textOf(page.html, 'result-recorded')).toBe(`${codes.length} delegations have a letter from you:`);
  });
});

describe('a signing with an address that had signed before', () => {
  it('never shows the name, city or country given by the first signing, nor which delegations it wrote to', async () => {
    const email = `returning-${Date.now()}@example.net`;
    const original = await signKazakhstan({ email, name: 'Original Person', city: 'Secretville', country: 'KZ' });
    await write('/send', { actionToken: original.actionToken, choice: 'countries', countries: ['FR'] });
    const repeat = await signKazakhstan({ email, name: 'Someone Else', city: 'Elsewhere', country: 'FR' });

    // The page shows what this signing typed, exactly as it would for an address never seen before.
    const step = await write('', { actionToken: repeat.actionToken });
    expect(step.status).toBe(200);
    expect(step.html).toContain('My own country&#x27;s delegation: France');
    for (const secret of ['Original Person', 'Secretville', 'Kazakhstan</label>']) expect(step.html).not.toContain(secret);

    const preview = await write('/preview', { actionToken: repeat.actionToken, choice: 'countries', countries: ['FR'] });
    expect(decode(preview.html)).toContain('My name is Someone Else, and I write to you from Elsewhere, France, in support of');
    expect(decode(preview.html)).not.toContain('Original Person');
    expect(preview.html).not.toContain('Secretville');

    const sent = await write('/send', { actionToken: repeat.actionToken, choice: 'countries', countries: ['FR', 'CH'] });
    expect(sent.status).toBe(200);
    expect(textOf(sent.html, 'result-recorded')).toBe('2 delegations have a letter from you:');
    expect(sent.html).not.toContain('already had your letter');
    expect(sent.html).toContain('A delegation never receives two letters from you for this campaign.');
  });
});
