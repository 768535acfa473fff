import { randomUUID } from 'node:crypto';
import { logIn, makeAccount, type AdminSessionCookie } from '../../support/admin';
import { createCampaign, type TestCampaign } from '../../support/fixtures';
import { freePort, osdiCall, osdiToken } from '../../support/osdi';
import { startTestStack, type TestApi, type TestStack } from '../../support/harness';
import type { SmtpRecorder } from '../../support/smtp-recorder';

/**
 * The OSDI helpers driven as a CRM would: from the entry point, following links to a petition and
 * its record_signature_helper, posting an OSDI signature, and finding the double opt-in email in
 * the person's own mailbox (the SMTP recorder).
 */

let stack: TestStack;
let api: TestApi;
let smtp: SmtpRecorder;
let owner: AdminSessionCookie;
const PER_TOKEN_PER_MINUTE = 10;

const tokenWith = (scopes: string[]) => osdiToken(api.url, owner, scopes);

const call = (method: 'GET' | 'POST', url: string, token: string, body?: unknown) => osdiCall(method, url, token, body);

/** The petition of `campaign`, reached from the AEP by links only. */
async function petitionFor(campaign: TestCampaign, token: string) {
  const aep = await call('GET', `${api.url}/api/osdi/v1`, token);
  let next: string | undefined = `${aep.body._links['osdi:petitions'].href}?per_page=100`;
  while (next) {
    const page = await call('GET', next, token);
    const found = (page.body._embedded['osdi:petitions'] as Array<Record<string, any>>).find((p) => p.name === campaign.slug);
    if (found) return { aep: aep.body, petition: found };
    next = page.body._links.next?.href;
  }
  throw new Error('petition not listed');
}

let counter = 0;
function osdiSignature(petition: Record<string, any>, overrides: Record<string, unknown> = {}) {
  counter += 1;
  return {
    person: {
      given_name: 'Aigerim',
      family_name: 'Bekova',
      email_addresses: [{ address: `crm-${counter}-${randomUUID().slice(0, 8)}@example.org`, primary: true }],
      postal_addresses: [{ country: 'KZ', locality: 'Almaty' }],
    },
    comments: 'Free them.',
    referrer_data: { source: 'crm-form' },
    'clarion:consent': { wording: petition['clarion:consent'].wording, updates: true },
    ...overrides,
  };
}

const addressOf = (body: ReturnType<typeof osdiSignature>) => body.person.email_addresses[0]!.address;

function confirmationPath(text: string): string {
  const match = /\/confirm\/[A-Za-z0-9._-]+/.exec(text);
  if (!match) throw new Error('no confirmation link');
  return match[0];
}

async function writesSoFar() {
  const db = api.platform.db;
  return {
    supporters: await db.supporter.count(),
    signatures: await db.signature.count(),
    attempts: await db.signingAttempt.count(),
    outbox: await db.outboxEvent.count(),
    audit: await db.auditEvent.count({ where: { action: 'osdi.signature.recorded' } }),
  };
}

beforeAll(async () => {
  const port = await freePort();
  stack = await startTestStack({ PUBLIC_BASE_URL: `http://127.0.0.1:${port}`, RATE_LIMIT_IP_PER_MINUTE: String(PER_TOKEN_PER_MINUTE) }, { port });
  ({ api, smtp } = stack);
  const account = await makeAccount(api.platform.db, 'owner');
  await api.platform.db.adminAccount.update({ where: { id: account.id }, data: { canExport: true } });
  owner = await logIn(api.url, account.email, account.password);
});

afterAll(() => stack.stop());

describe('the OSDI signing helpers', () => {
  it('records a signature through the petition link, pending until the person confirms from their mailbox', async () => {
    const campaign = await createCampaign(api.platform.db);
    const token = await tokenWith(['osdi:read', 'osdi:write', 'osdi:people']);
    const { petition } = await petitionFor(campaign, token);
    expect(petition['clarion:consent']).toEqual({ wording: campaign.wording, text: 'I agree.' });
    const helper = petition._links['osdi:record_signature_helper'].href as string;
    const body = osdiSignature(petition);

    const answer = await call('POST', helper, token, body);
    expect(answer.status).toBe(202);
    expect(answer.type).toContain('application/hal+json');
    expect(answer.body['clarion:status']).toBe('received');
    expect(answer.body._links['osdi:petition'].href).toBe(petition._links.self.href);
    expect(answer.text).not.toMatch(/example\.org|Aigerim|identifiers/);

    const email = await smtp.waitFor((m) => m.envelope.to.includes(addressOf(body)));
    expect(email.subject).toContain('Please confirm your signature');
    expect(email.text).toContain('Aigerim Bekova');
    const listed = () => call('GET', petition._links['osdi:signatures'].href as string, token);
    expect((await listed()).body.total_records).toBe(0);

    const confirmed = await fetch(`${api.url}${confirmationPath(email.text)}`, { method: 'POST' });
    expect(confirmed.status).toBe(200);
    const after = await listed();
    expect(after.body.total_records).toBe(1);
    const signature = after.body._embedded['osdi:signatures'][0];
    expect(signature.comments).toBe('Free them.');
    expect(signature.referrer_data.source).toBe('crm-form');
    const person = await call('GET', signature._links['osdi:person'].href as string, token);
    expect(person.body).toMatchObject({ given_name: 'Aigerim', family_name: 'Bekova', postal_addresses: [{ country: 'KZ', locality: 'Almaty' }] });
    expect(person.body.email_addresses[0]).toMatchObject({ address: addressOf(body), status: 'subscribed' });
    const row = await api.platform.db.signature.findFirstOrThrow({
      where: { campaignId: campaign.id },
      select: { source: true, consentWordingId: true, ipHash: true },
    });
    expect(row).toEqual({ source: 'osdi', consentWordingId: campaign.wording, ipHash: null });
  });

  it('answers a second signing of the same address exactly like a fresh one, and audits both alike', async () => {
    const campaign = await createCampaign(api.platform.db);
    const token = await tokenWith(['osdi:read', 'osdi:write']);
    const { petition } = await petitionFor(campaign, token);
    const helper = petition._links['osdi:record_signature_helper'].href as string;
    const body = osdiSignature(petition);
    const first = await call('POST', helper, token, body);
    await smtp.waitFor((m) => m.envelope.to.includes(addressOf(body)) && m.subject.includes('Please confirm'));
    const again = await call('POST', helper, token, { ...body, person: { ...body.person, given_name: 'Someone', family_name: 'Else' } });
    const fresh = await call('POST', helper, token, osdiSignature(petition));
    expect(again.status).toBe(202);
    expect(again.text).toBe(first.text);
    expect(fresh.text).toBe(first.text);
    // The reminder goes to the mailbox that signed, nowhere else, and the first name stands.
    const reminder = await smtp.waitFor((m) => m.envelope.to.includes(addressOf(body)) && m.subject.includes('Your confirmation link'));
    expect(reminder.text).toContain('Aigerim Bekova');
    const audits = await api.platform.db.auditEvent.findMany({ where: { action: 'osdi.signature.recorded', subject: campaign.id }, select: { details: true } });
    expect(audits).toHaveLength(3);
    for (const { details } of audits) expect(Object.keys(details as object)).toEqual(['attempt']);
    expect(JSON.stringify(audits)).not.toMatch(/example\.org|Aigerim|Someone/);
  });

  it('signs up a person to the petition named in clarion:petition from the AEP helper, and refuses a signup naming none', async () => {
    const campaign = await createCampaign(api.platform.db);
    const token = await tokenWith(['osdi:read', 'osdi:write']);
    const { aep, petition } = await petitionFor(campaign, token);
    const helper = aep._links['osdi:person_signup_helper'].href as string;
    const body = osdiSignature(petition);
    const before = await writesSoFar();
    const refused = await call('POST', helper, token, body);
    expect(refused.status).toBe(400);
    expect(refused.type).toContain('application/problem+json');
    expect(refused.body.errors.map((e: { field: string }) => e.field)).toContain('clarion:petition');
    expect(await writesSoFar()).toEqual(before);

    const signed = await call('POST', helper, token, { ...body, 'clarion:petition': petition.identifiers[0] });
    expect(signed.status).toBe(202);
    expect(signed.body._links['osdi:petition'].href).toBe(petition._links.self.href);
    await smtp.waitFor((m) => m.envelope.to.includes(addressOf(body)) && m.subject.includes('Please confirm'));
    expect((await call('POST', helper, token, { ...osdiSignature(petition), 'clarion:petition': randomUUID() })).status).toBe(404);
  });

  it('refuses a token without osdi:write', async () => {
    const campaign = await createCampaign(api.platform.db);
    const reader = await tokenWith(['osdi:read', 'osdi:people']);
    const { aep, petition } = await petitionFor(campaign, reader);
    const before = await writesSoFar();
    const body = osdiSignature(petition);
    expect((await call('POST', petition._links['osdi:record_signature_helper'].href as string, reader, body)).status).toBe(403);
    expect(
      (await call('POST', aep._links['osdi:person_signup_helper'].href as string, reader, { ...body, 'clarion:petition': petition.identifiers[0] })).status,
    ).toBe(403);
    expect((await call('POST', petition._links['osdi:record_signature_helper'].href as string, 'clarion_not-a-token', body)).status).toBe(401);
    expect(await writesSoFar()).toEqual(before);
  });

  it('refuses bad input with 400 problem+json naming the OSDI field, and writes nothing', async () => {
    const campaign = await createCampaign(api.platform.db);
    const token = await tokenWith(['osdi:read', 'osdi:write']);
    const { petition } = await petitionFor(campaign, token);
    const helper = petition._links['osdi:record_signature_helper'].href as string;
    const good = osdiSignature(petition);
    const bad: Array<[unknown, string]> = [
      [{ ...good, person: { ...good.person, email_addresses: [{ address: 'not-an-address' }] } }, 'person.email_addresses.0.address'],
      // OSDI's email status and tags may not stand for consent: they are refused, not ignored.
      [{ ...good, person: { ...good.person, email_addresses: [{ address: addressOf(good), status: 'subscribed' }] } }, 'person.email_addresses.0.status'],
      [{ ...good, add_tags: ['volunteer'] }, 'add_tags'],
      [{ ...good, 'clarion:consent': undefined }, 'clarion:consent'],
      [{ ...good, person: { ...good.person, postal_addresses: [{ country: 'Kazakhstan' }] } }, 'person.postal_addresses.0.country'],
      [{ ...good, person: { ...good.person, given_name: ' ', family_name: undefined } }, 'person.given_name'],
      [{ ...good, referrer_data: { source: 'someone@example.org' } }, 'referrer_data.source'],
      [{ ...good, referrer_data: { website: 'javascript:alert(1)' } }, 'referrer_data.website'],
    ];
    const before = await writesSoFar();
    for (const [body, field] of bad) {
      const refused = await call('POST', helper, token, body);
      expect(refused.status).toBe(400);
      expect(refused.type).toContain('application/problem+json');
      expect(refused.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    // A wording the campaign never showed is the form's 422, named by the OSDI field.
    const unknown = await call('POST', helper, token, { ...good, 'clarion:consent': { wording: 'made-up', updates: true } });
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors[0].field).toBe('clarion:consent.wording');
    expect(await writesSoFar()).toEqual(before);
    expect(smtp.messages.some((m) => m.envelope.to.includes(addressOf(good)))).toBe(false);
  });

  it('skips proof of work for a token, but limits each token as the form limits a network', async () => {
    const campaign = await createCampaign(api.platform.db);
    await api.platform.db.campaign.update({ where: { id: campaign.id }, data: { proofOfWork: true } });
    const token = await tokenWith(['osdi:read', 'osdi:write']);
    const { petition } = await petitionFor(campaign, token);
    const helper = petition._links['osdi:record_signature_helper'].href as string;
    const body = osdiSignature(petition, { 'clarion:consent': { wording: campaign.wording } });
    expect((await call('POST', helper, token, body)).status).toBe(202);
    await smtp.waitFor((m) => m.envelope.to.includes(addressOf(body)));
    const row = await api.platform.db.signature.findFirstOrThrow({ where: { campaignId: campaign.id }, select: { consentUpdates: true } });
    expect(row.consentUpdates).toBe(false); // updates were not asked for: no consent is assumed
    // The browser form still needs the proof.
    const form = await fetch(`${api.url}/api/campaigns/${campaign.slug}/signatures`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `pow-${randomUUID()}@example.org`, name: 'A', consent: { wording: campaign.wording, updates: false } }),
    });
    expect(form.status).toBe(400);

    const statuses: number[] = [];
    for (let i = 1; i < PER_TOKEN_PER_MINUTE; i += 1) statuses.push((await call('POST', helper, token, { person: {} })).status);
    expect(new Set(statuses)).toEqual(new Set([400]));
    const limited = await call('POST', helper, token, osdiSignature(petition));
    expect(limited.status).toBe(429);
    expect(limited.type).toContain('application/problem+json');
    // Another token has its own count.
    expect((await call('POST', helper, await tokenWith(['osdi:write']), osdiSignature(petition))).status).toBe(202);
  });
});
