import { createCampaign, signingBody, type TestCampaign } from '../../support/fixtures';
import { eventually, postJson, startTestStack, type TestStack } from '../../support/harness';
import { approvalLinkIn, approveByEmail, confirmByEmail, confirmationLinkIn, lettersTo } from '../../support/letters';
import { attemptForActionToken } from '../../support/tokens';
import { seedTargets } from '../../../src/modules/letters';

/**
 * Plays the adversary of the README's Privacy section: someone who holds activists' addresses,
 * calls every public endpoint and page, and reads every answer, but cannot read those mailboxes.
 * Whatever they see must be the same for an address that never signed and for one that signed
 * (this campaign or another, pending or confirmed); and nothing they prepare is ever sent.
 */
let stack: TestStack;
let campaign: TestCampaign;
let other: TestCampaign;

beforeAll(async () => {
  // Rate limits are per network and domain, never per address; off here so one test can probe at length.
  stack = await startTestStack({ RATE_LIMIT_ENABLED: 'false', LETTERS_CAP_DISABLED: 'true' });
  await seedTargets(stack.api.platform.db);
  campaign = await createCampaign(stack.api.platform.db);
  other = await createCampaign(stack.api.platform.db);
});
afterAll(() => stack.stop());

const url = (path: string) => `${stack.api.url}${path}`;
const address = (label: string) => `victim-${label}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.org`;

/** The signing a real supporter made earlier, left pending or confirmed through their own mailbox. */
async function realSigning(on: TestCampaign, email: string, confirm: boolean) {
  const answer = await postJson(url(`/api/campaigns/${on.slug}/signatures`), signingBody(on, { email, name: 'Real Victim', country: 'FR', city: 'Lyon' }));
  expect(answer.status).toBe(202);
  if (confirm) await confirmByEmail(stack.api, stack.smtp, email);
  else await stack.smtp.waitFor((m) => m.envelope.to.includes(email));
}

/** Random per-request values (tokens, ids, the form's signed time) removed, so answers can be compared. */
function normalise(text: string): string {
  return text
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.[0-9a-z]+\.[A-Za-z0-9_-]{32}/g, '<token>')
    .replace(/name="form_started" value="[^"]*"/g, 'name="form_started" value="<t>"');
}

function form(fields: Record<string, string>) {
  return { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, body: new URLSearchParams(fields) };
}

async function observe(method: string, path: string, init: RequestInit) {
  const response = await fetch(url(path), { method, ...init });
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    cache: response.headers.get('cache-control'),
    body: normalise(await response.text()),
  };
}

/** Everything the adversary can see when they use an address, in order. */
async function whatTheAdversarySees(email: string) {
  const before = await observe('GET', `/api/campaigns/${campaign.slug}`, {});
  const json = { 'content-type': 'application/json' };
  const signingBodyOf = { ...signingBody(campaign, { email, name: 'Typed By Adversary', country: 'RU' }) };
  const signingAnswer = await fetch(url(`/api/campaigns/${campaign.slug}/signatures`), { method: 'POST', headers: json, body: JSON.stringify(signingBodyOf) });
  const signingText = await signingAnswer.text();
  const token = (JSON.parse(signingText) as { actionToken: string }).actionToken;
  const seen = {
    signing: { status: signingAnswer.status, type: signingAnswer.headers.get('content-type'), body: normalise(signingText) },
    signingPage: await observe(
      'POST',
      `/api/campaigns/${campaign.slug}/signatures`,
      form({
        email,
        name: 'Typed By Adversary',
        country: 'RU',
        'consent[wording]': campaign.wording,
        'consent[updates]': 'true',
      }),
    ),
    step: await observe('POST', `/c/${campaign.slug}/write`, form({ actionToken: token })),
    preview: await observe('POST', `/c/${campaign.slug}/write/preview`, form({ actionToken: token, choice: 'own', paragraph: 'ADVERSARY TEXT' })),
    ownLetters: await observe('POST', `/api/campaigns/${campaign.slug}/letters`, {
      headers: json,
      body: JSON.stringify({ actionToken: token, targets: { own: true }, paragraph: 'ADVERSARY TEXT' }),
    }),
    allLetters: await observe('POST', `/api/campaigns/${campaign.slug}/letters`, {
      headers: json,
      body: JSON.stringify({ actionToken: token, targets: { all: true }, paragraph: 'ADVERSARY TEXT' }),
    }),
    sendPage: await observe(
      'POST',
      `/c/${campaign.slug}/write/send`,
      form({ actionToken: token, choice: 'group', group: 'African', paragraph: 'ADVERSARY TEXT' }),
    ),
    resend: await observe('POST', `/api/campaigns/${campaign.slug}/confirmations/resend`, { headers: json, body: JSON.stringify({ email }) }),
    resendPage: await observe('POST', `/c/${campaign.slug}/resend`, form({ email })),
    erasure: await observe('POST', '/api/erasure-requests', { headers: json, body: JSON.stringify({ email }) }),
    erasurePage: await observe('POST', '/erase', form({ email })),
    after: await observe('GET', `/api/campaigns/${campaign.slug}`, {}),
  };
  return { seen, before, token };
}

describe('what the adversary sees', () => {
  it('is the same for a fresh address and for addresses that signed here or elsewhere, pending or confirmed', async () => {
    const pendingHere = address('pending');
    const confirmedHere = address('confirmed');
    const confirmedElsewhere = address('elsewhere');
    await realSigning(campaign, pendingHere, false);
    await realSigning(campaign, confirmedHere, true);
    await realSigning(other, confirmedElsewhere, true);

    const fresh = await whatTheAdversarySees(address('fresh'));
    expect(fresh.seen.signing.status).toBe(202);
    expect(fresh.seen.step.status).toBe(200);
    expect(fresh.seen.step.body).toContain('Typed By Adversary');
    // Public counts do not move: pending signatures are not shown unless the campaign chose to.
    expect(fresh.seen.after.body).toBe(fresh.before.body);
    expect(JSON.parse(fresh.seen.after.body).counts).not.toHaveProperty('pending');

    for (const known of [pendingHere, confirmedHere, confirmedElsewhere]) {
      const probe = await whatTheAdversarySees(known);
      expect(probe.seen.after.body).toBe(probe.before.body);
      const { after: _a, ...seen } = probe.seen;
      const { after: _b, ...expected } = fresh.seen;
      expect(seen).toEqual(expected);
      // Nothing of the real signing (name, city, country) reached the adversary's pages.
      for (const answer of Object.values(seen)) {
        expect(answer.body).not.toContain('Real Victim');
        expect(answer.body).not.toContain('Lyon');
        expect(answer.body).not.toContain('delegation: France');
      }
    }
  });
});

describe("letters in someone else's name", () => {
  it('are never sent when the victim confirms their own signature through the real email link', async () => {
    const victim = address('letters');
    const token = (await postJson(url(`/api/campaigns/${campaign.slug}/signatures`), signingBody(campaign, { email: victim, name: 'Victim Name' }))).json as {
      actionToken: string;
    };
    const written = await postJson(url(`/api/campaigns/${campaign.slug}/letters`), {
      actionToken: token.actionToken,
      targets: { all: true },
      paragraph: 'ADVERSARY TEXT',
    });
    expect(written.status).toBe(202);
    expect(written.json).toMatchObject({ status: 'waiting_for_confirmation' });
    const recorded = (written.json as { recorded: number }).recorded;

    // The victim receives the approval email: it shows the delegations, the paragraph and the name.
    const approval = await stack.smtp.waitFor((m) => m.envelope.to.includes(victim) && m.subject.includes('approve your letters'));
    expect(approval.text).toContain('ADVERSARY TEXT');
    expect(approval.text).toContain('Victim Name');
    expect(approval.text).toContain('France');
    expect(approval.text).toContain(`${recorded} letters`);
    expect(approval.text).toMatch(/\/not-me\//);

    // The victim confirms the signature (their own choice) and ignores the approval email.
    await confirmByEmail(stack.api, stack.smtp, victim);
    const db = stack.api.platform.db;
    await eventually(async () => (await db.signature.count({ where: { supporter: { letters: { some: {} } }, status: 'confirmed' } })) > 0);
    // Give the workers time to do anything they would do, then look at the SMTP server.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(lettersTo(stack.smtp, victim)).toHaveLength(0);
    const letters = await db.letter.findMany({
      where: { supporter: { signatures: { some: { campaignId: campaign.id } } }, paragraphEncrypted: { not: null } },
      select: { status: true },
    });
    expect(letters.length).toBeGreaterThan(0);
    expect(new Set(letters.map((l) => l.status))).toEqual(new Set(['held']));

    // A new link asked for with the victim's address concerns only the signature (it is confirmed: nothing is sent).
    await postJson(url(`/api/campaigns/${campaign.slug}/confirmations/resend`), { email: victim });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(lettersTo(stack.smtp, victim)).toHaveLength(0);
  });

  it('go out once the owner of the mailbox approves them from the email that showed them', async () => {
    const supporter = address('approves');
    const token = (
      (await postJson(url(`/api/campaigns/${campaign.slug}/signatures`), signingBody(campaign, { email: supporter, name: 'Real Supporter', country: 'KZ' })))
        .json as { actionToken: string }
    ).actionToken;
    const written = await postJson(url(`/api/campaigns/${campaign.slug}/letters`), {
      actionToken: token,
      targets: { countries: ['FR', 'CH'] },
      paragraph: 'My own words.',
    });
    expect(written.json).toMatchObject({ recorded: 2, status: 'waiting_for_confirmation' });

    const message = await stack.smtp.waitFor((m) => m.envelope.to.includes(supporter) && m.subject.includes('approve your letters'));
    const page = await fetch(url(approvalLinkIn(message)));
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('France');
    expect(html).toContain('Switzerland');
    expect(html).toContain('My own words.');
    expect(lettersTo(stack.smtp, supporter)).toHaveLength(0); // GET changes nothing

    await approveByEmail(stack.api, stack.smtp, supporter);
    await eventually(() => lettersTo(stack.smtp, supporter).length === 2, 10_000, 'two letters');
    const sent = lettersTo(stack.smtp, supporter);
    expect(sent.every((m) => m.text.includes('My own words.'))).toBe(true);
    expect(sent[0]!.from).toContain('Real Supporter via Test Campaign');
    // Approving proved the mailbox, so it confirmed the signature too. The letters' sent mark is
    // written just after the SMTP server has their bytes, so wait for it rather than race it.
    const approvedSignature = {
      campaignId: campaign.id,
      attempts: { some: { letters: { some: {} } } },
      supporter: { letters: { some: { status: 'sent' as const, paragraphEncrypted: { not: null } } } },
    };
    await eventually(async () => (await stack.api.platform.db.signature.count({ where: approvedSignature })) > 0, 10_000, 'letters marked sent');
    const signature = await stack.api.platform.db.signature.findFirstOrThrow({ where: approvedSignature });
    expect(signature.status).toBe('confirmed');
  });

  it('go out at once when written from the page of the confirmation link, the first time it is used', async () => {
    const supporter = address('verified');
    await postJson(url(`/api/campaigns/${campaign.slug}/signatures`), signingBody(campaign, { email: supporter, name: 'Link Owner' }));
    const message = await stack.smtp.waitFor((m) => m.envelope.to.includes(supporter) && m.subject.includes('Please confirm'));
    const link = confirmationLinkIn(message);
    const first = await (await fetch(url(link), { method: 'POST' })).text();
    const verified = /name="actionToken" value="([^"]+)"/.exec(first)?.[1];
    expect(verified).toBeDefined();
    // The same link used again confirms nothing more and hands out no token.
    const again = await (await fetch(url(link), { method: 'POST' })).text();
    expect(again).not.toContain('name="actionToken"');

    const written = await postJson(url(`/api/campaigns/${campaign.slug}/letters`), { actionToken: verified, targets: { countries: ['FR'] } });
    expect(written.json).toMatchObject({ recorded: 1, status: 'queued' });
    await eventually(() => lettersTo(stack.smtp, supporter).length === 1, 10_000, 'the letter');
  });
});

describe('discarded (bot) signings', () => {
  it('get a token the letter step and the letters endpoint answer like a real one, and nothing is sent', async () => {
    const email = address('bot');
    const real = await postJson(
      url(`/api/campaigns/${campaign.slug}/signatures`),
      signingBody(campaign, { email: address('human'), name: 'Same Name', country: 'KZ' }),
    );
    const bot = await postJson(
      url(`/api/campaigns/${campaign.slug}/signatures`),
      signingBody(campaign, { email, name: 'Same Name', country: 'KZ', website: 'http://spam.example' }),
    );
    expect(bot.status).toBe(real.status);
    expect(normalise(bot.text)).toBe(normalise(real.text));

    const ask = (token: string) => postJson(url(`/api/campaigns/${campaign.slug}/letters`), { actionToken: token, targets: { own: true } });
    const realAnswer = await ask((real.json as { actionToken: string }).actionToken);
    const botAnswer = await ask((bot.json as { actionToken: string }).actionToken);
    expect(botAnswer.status).toBe(202);
    expect(botAnswer.json).toEqual(realAnswer.json);
    const step = (token: string) => observe('POST', `/c/${campaign.slug}/write`, form({ actionToken: token }));
    expect(await step((bot.json as { actionToken: string }).actionToken)).toEqual(await step((real.json as { actionToken: string }).actionToken));

    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(stack.smtp.messages.filter((m) => m.envelope.to.includes(email))).toHaveLength(0);
  });
});

describe('flooding an inbox', () => {
  it('"this wasn\'t me" stops every further email to the address and cancels letters waiting in its name', async () => {
    const victim = address('notme');
    const first = (await postJson(url(`/api/campaigns/${campaign.slug}/signatures`), signingBody(campaign, { email: victim }))).json as { actionToken: string };
    const message = await stack.smtp.waitFor((m) => m.envelope.to.includes(victim));
    const notMe = /http:\/\/clarion\.test(\/not-me\/[A-Za-z0-9._-]+)/.exec(message.text)?.[1];
    expect(notMe).toBeDefined();
    await postJson(url(`/api/campaigns/${campaign.slug}/letters`), { actionToken: first.actionToken, targets: { countries: ['FR'] } });
    await stack.smtp.waitFor((m) => m.envelope.to.includes(victim) && m.subject.includes('approve your letters'));

    expect((await fetch(url(notMe!))).status).toBe(200);
    const stopped = await fetch(url(notMe!), { method: 'POST' });
    expect(await stopped.text()).toContain('no more email');
    const received = stack.smtp.messages.filter((m) => m.envelope.to.includes(victim)).length;

    // The adversary goes on: another campaign, more letters, new links, an erasure link.
    const again = (await postJson(url(`/api/campaigns/${other.slug}/signatures`), signingBody(other, { email: victim }))).json as { actionToken: string };
    await postJson(url(`/api/campaigns/${other.slug}/letters`), { actionToken: again.actionToken, targets: { all: true } });
    await postJson(url(`/api/campaigns/${campaign.slug}/confirmations/resend`), { email: victim });
    await postJson(url('/api/erasure-requests'), { email: victim });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(stack.smtp.messages.filter((m) => m.envelope.to.includes(victim))).toHaveLength(received);
    const { signature } = await attemptForActionToken(stack.api.platform, first.actionToken);
    const letters = await stack.api.platform.db.letter.findMany({ where: { supporterId: signature.supporterId }, select: { status: true } });
    expect(letters.filter((l) => l.status === 'held')).toHaveLength(letters.length - 1); // only the new request's, on the other campaign
    expect(letters.filter((l) => l.status === 'cancelled')).toHaveLength(1);

    // Undo: the owner wants Clarion's email again.
    expect((await fetch(url(`${notMe!}/undo`), { method: 'POST' })).status).toBe(200);
    await postJson(url(`/api/campaigns/${other.slug}/letters`), { actionToken: again.actionToken, targets: { countries: ['CH'] } });
    await stack.smtp.waitFor((m) => m.envelope.to.includes(victim) && m.subject.includes('approve your letters') && m.text.includes('Switzerland'));
  });
});
