import type { SmtpRecorder } from '../../support/smtp-recorder';
import { createCampaign, signingBody, type TestCampaign } from '../../support/fixtures';
import { postJson, type TestApi, startTestStack, type TestStack } from '../../support/harness';

let smtp: SmtpRecorder;
let api: TestApi;
let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ RATE_LIMIT_ENABLED: 'false' });
  ({ smtp, api } = stack);
});

afterAll(() => stack.stop());

async function counts(slug: string) {
  const response = await fetch(`${api.url}/api/campaigns/${slug}`);
  return ((await response.json()) as { counts: { confirmed: number; pending?: number; public: number } }).counts;
}

function linkIn(text: string): string {
  const match = /http:\/\/clarion\.test\/confirm\/[A-Za-z0-9._-]+/.exec(text);
  if (!match) throw new Error(`no confirmation link in:\n${text}`);
  return match[0];
}

const localPath = (link: string) => link.replace('http://clarion.test', '');
const TOKEN = /^[0-9a-f-]{36}\.[0-9a-z]+\.[A-Za-z0-9_-]{32}$/;
/** The answer without its per-signing token: what must be identical for first and repeated signings. */
const publicPart = (text: string) => {
  const { actionToken, ...rest } = JSON.parse(text) as { actionToken: string };
  expect(actionToken).toMatch(TOKEN);
  return rest;
};

describe('signing a campaign', () => {
  let campaign: TestCampaign;
  beforeEach(async () => {
    campaign = await createCampaign(api.platform.db);
  });

  it('keeps a new signature pending until the emailed link is confirmed, then counts it once', async () => {
    const body = signingBody(campaign, { name: 'Aigerim <b>Bold</b>' });
    const signed = await postJson(`${api.url}/api/campaigns/${campaign.slug}/signatures`, body);
    expect(signed.status).toBe(202);
    expect(signed.json).toEqual({ status: 'received', message: expect.any(String), actionToken: expect.stringMatching(TOKEN) });
    expect(await counts(campaign.slug)).toEqual({ confirmed: 0, public: 0 });

    const email = await smtp.waitFor((m) => m.envelope.to.includes(body.email));
    expect(email.subject).toContain('Please confirm your signature');
    expect(email.html).toContain('Aigerim &lt;b&gt;Bold&lt;/b&gt;');
    const link = linkIn(email.text);

    const page = await fetch(`${api.url}${localPath(link)}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toMatch(/<form method="post" action="\/confirm\/[^"]+">/);
    expect(await counts(campaign.slug)).toEqual({ confirmed: 0, public: 0 });

    const confirmed = await fetch(`${api.url}${localPath(link)}`, { method: 'POST' });
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain('your signature is confirmed');
    expect(await counts(campaign.slug)).toEqual({ confirmed: 1, public: 1 });

    const again = await fetch(`${api.url}${localPath(link)}`, { method: 'POST' });
    expect(await again.text()).toContain('already confirmed');
    expect(await counts(campaign.slug)).toEqual({ confirmed: 1, public: 1 });
  });

  it('confirms through the JSON API with the token from the link', async () => {
    const body = signingBody(campaign);
    await postJson(`${api.url}/api/campaigns/${campaign.slug}/signatures`, body);
    const email = await smtp.waitFor((m) => m.envelope.to.includes(body.email));
    const token = linkIn(email.text).split('/confirm/')[1];
    const answer = await postJson(`${api.url}/api/confirmations`, { token });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ status: 'confirmed', campaign: { slug: campaign.slug, title: expect.any(String) } });
  });

  it('counts pending signatures publicly only when the campaign says so', async () => {
    const open = await createCampaign(api.platform.db, { countPendingPublicly: true });
    await postJson(`${api.url}/api/campaigns/${open.slug}/signatures`, signingBody(open));
    expect(await counts(open.slug)).toEqual({ confirmed: 0, pending: 1, public: 1 });
  });

  it('answers a repeated signing exactly like a first one and tells the supporter by email', async () => {
    const body = signingBody(campaign);
    const first = await postJson(`${api.url}/api/campaigns/${campaign.slug}/signatures`, body);
    await smtp.waitFor((m) => m.envelope.to.includes(body.email) && m.subject.includes('Please confirm'));
    const second = await postJson(`${api.url}/api/campaigns/${campaign.slug}/signatures`, { ...body, name: 'Someone Else' });
    expect(second.status).toBe(first.status);
    expect(publicPart(second.text)).toEqual(publicPart(first.text));
    expect(second.text.length).toBe(first.text.length);
    const reminder = await smtp.waitFor((m) => m.envelope.to.includes(body.email) && m.subject.includes('Your confirmation link'));
    expect(reminder.text).toContain('signed before but not yet confirmed');
    // The first signing's name stands: someone who knows an address cannot rewrite a signature.
    expect(reminder.text).toContain('Dear Aigerim Test');
    expect(await counts(campaign.slug)).toEqual({ confirmed: 0, public: 0 });
  });

  it('tells a supporter who had already confirmed that there is nothing more to do', async () => {
    const body = signingBody(campaign);
    await postJson(`${api.url}/api/campaigns/${campaign.slug}/signatures`, body);
    const email = await smtp.waitFor((m) => m.envelope.to.includes(body.email));
    await fetch(`${api.url}${localPath(linkIn(email.text))}`, { method: 'POST' });
    await postJson(`${api.url}/api/campaigns/${campaign.slug}/signatures`, body);
    const notice = await smtp.waitFor((m) => m.envelope.to.includes(body.email) && m.subject.includes('already signed'));
    expect(notice.text).not.toContain('/confirm/');
    expect(await counts(campaign.slug)).toEqual({ confirmed: 1, public: 1 });
  });

  it('makes one signature out of fifty identical concurrent signings', async () => {
    const body = signingBody(campaign);
    const answers = await Promise.all(Array.from({ length: 50 }, () => postJson(`${api.url}/api/campaigns/${campaign.slug}/signatures`, body)));
    expect(new Set(answers.map((a) => `${a.status} ${JSON.stringify(publicPart(a.text))}`))).toEqual(
      new Set([`202 ${JSON.stringify(publicPart(answers[0]!.text))}`]),
    );
    expect(await api.platform.db.signature.count({ where: { campaignId: campaign.id } })).toBe(1);
    expect(await counts(campaign.slug)).toEqual({ confirmed: 0, public: 0 });
  });

  it('treats addresses a mail provider delivers to one mailbox as one supporter', async () => {
    const local = `j.doe.${Date.now()}`;
    await postJson(`${api.url}/api/campaigns/${campaign.slug}/signatures`, signingBody(campaign, { email: `${local}+petition@GMAIL.com` }));
    await postJson(`${api.url}/api/campaigns/${campaign.slug}/signatures`, signingBody(campaign, { email: `${local.replace(/\./g, '')}@googlemail.com` }));
    expect(await api.platform.db.signature.count({ where: { campaignId: campaign.id } })).toBe(1);
    // The address as given is the one mailed.
    await smtp.waitFor((m) => m.envelope.to.includes(`${local}+petition@gmail.com`));
  });

  it('accepts the no-JavaScript form post and answers with a page', async () => {
    const body = signingBody(campaign);
    const form = new URLSearchParams({
      email: body.email,
      name: body.name,
      country: 'kz',
      city: '',
      'consent[updates]': 'on',
      'consent[wording]': campaign.wording,
      website: '',
    });
    const response = await fetch(`${api.url}/api/campaigns/${campaign.slug}/signatures`, {
      method: 'POST',
      body: form,
      headers: { accept: 'text/html,application/xhtml+xml' },
    });
    expect(response.status).toBe(202);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(await response.text()).toContain('Thank you');
    const signature = await api.platform.db.signature.findFirstOrThrow({ where: { campaignId: campaign.id } });
    expect(signature).toMatchObject({ country: 'KZ', consentUpdates: true, consentWordingId: campaign.wording, cityEncrypted: null });
  });

  it('records consent as evidence: what was agreed, when, and the wording version shown', async () => {
    await postJson(`${api.url}/api/campaigns/${campaign.slug}/signatures`, signingBody(campaign, { consent: { updates: false, wording: campaign.wording } }));
    const signature = await api.platform.db.signature.findFirstOrThrow({ where: { campaignId: campaign.id }, include: { consentWording: true } });
    expect(signature.consentUpdates).toBe(false);
    expect(signature.consentWording.text).toBe('I agree.');
    expect(Date.now() - signature.consentedAt.getTime()).toBeLessThan(60_000);
  });
});
