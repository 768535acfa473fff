// @queue-backends both: npm test runs this file on Redis and on PostgreSQL queues (scripts/test.mjs).
import { kazakhstanDemands, KAZAKHSTAN_CONSENT_WORDING_ID, KAZAKHSTAN_SLUG, seedKazakhstanCampaign } from '../../../src/modules/campaigns';
import { seedDefaultTemplate, seedTargets } from '../../../src/modules/letters';
import { createCampaign } from '../../support/fixtures';
import { eventually, postJson, type TestApi, startTestStack, type TestStack } from '../../support/harness';
import { approveByEmail, confirmByEmail, lettersTo, sign } from '../../support/letters';
import type { SmtpRecorder } from '../../support/smtp-recorder';

const ADMIN = 'a'.repeat(40);
let smtp: SmtpRecorder;
let api: TestApi;
let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({
    RATE_LIMIT_ENABLED: 'false',
    ADMIN_API_TOKEN: ADMIN,
    LETTERS_CAP_DISABLED: 'true',
    LETTERS_RETRY_BASE_MS: '100',
    LETTERS_MAX_ATTEMPTS: '3',
    LETTERS_COPY_PASTE_THRESHOLD: '3',
  });
  ({ smtp, api } = stack);
  const campaignId = await seedKazakhstanCampaign(api.platform.db);
  await seedDefaultTemplate(api.platform.db, campaignId);
  await seedTargets(api.platform.db);
});

afterAll(() => stack.stop());

const write = (slug: string, body: unknown) => postJson(`${api.url}/api/campaigns/${slug}/letters`, body);

describe('letters to delegations', () => {
  it('holds letters until the supporter approves them from the mailbox (confirming alone sends nothing), then delivers one to each delegation of the group with every demand quoted', async () => {
    const paragraph = 'My cousin was arrested in January 2022.\n\n<script>alert("x")</script> & we still wait for answers.';
    const { email, actionToken } = await sign(api, KAZAKHSTAN_SLUG, KAZAKHSTAN_CONSENT_WORDING_ID);
    const answer = await write(KAZAKHSTAN_SLUG, { actionToken, targets: { group: 'Eastern European' }, paragraph });
    expect(answer.status).toBe(202);
    expect(answer.json).toMatchObject({ recorded: 6, status: 'waiting_for_confirmation' });
    expect((answer.json as { delegations: Array<{ iso2: string }> }).delegations.map((d) => d.iso2).sort()).toEqual(['AL', 'BG', 'CZ', 'EE', 'MK', 'SI']);

    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(lettersTo(smtp, email)).toHaveLength(0);

    await confirmByEmail(api, smtp, email);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(lettersTo(smtp, email)).toHaveLength(0);
    await approveByEmail(api, smtp, email);
    const letters = await eventually(() => (lettersTo(smtp, email).length === 6 ? lettersTo(smtp, email) : null), 15_000, 'six letters');
    const albania = letters.find((m) => m.envelope.to.includes('mission.al@delegations.example.org'))!;
    expect(albania).toBeDefined();
    for (const demand of kazakhstanDemands) {
      expect(albania.text).toContain(demand.quote);
      expect(albania.html).toContain(demand.quote.replace(/&/g, '&amp;').replace(/'/g, '&#x27;'));
    }
    expect(albania.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(albania.html).not.toContain('<script>');
    expect(albania.text).toContain('<script>alert("x")</script> & we still wait');
    expect(albania.replyTo).toContain(email);
    expect(albania.from).toContain('Aigerim Writer via Clarion');
    expect(albania.from).toContain('kazakhstan@campaigns.example.org');
    expect(albania.envelope.from).not.toBe(email);
    expect(albania.messageId).toMatch(/^<letter-[0-9a-f-]{36}@campaigns\.example\.org>$/);
    // The server records a message before it answers 250; the row says `sent` only after that answer.
    const rows = await eventually(
      async () => {
        const sent = await api.platform.db.letter.findMany({ where: { status: 'sent', messageId: { in: letters.map((m) => m.messageId) } } });
        return sent.length === 6 ? sent : null;
      },
      5_000,
      'six sent rows',
    );
    expect(rows.every((r) => r.sentAt && r.attempts === 1 && r.lastSmtpResponse?.startsWith('250'))).toBe(true);
  });

  it('never sends a second letter to the same delegation when asked again', async () => {
    const { email } = await sign(api, KAZAKHSTAN_SLUG, KAZAKHSTAN_CONSENT_WORDING_ID);
    const actionToken = await confirmByEmail(api, smtp, email);
    const first = await write(KAZAKHSTAN_SLUG, { actionToken, targets: { countries: ['FR', 'CH'] } });
    expect(first.json).toMatchObject({ recorded: 2, status: 'queued' });
    await eventually(() => lettersTo(smtp, email).length === 2, 10_000, 'two letters');
    const again = await write(KAZAKHSTAN_SLUG, { actionToken, targets: { countries: ['FR', 'CH'] } });
    expect(again.status).toBe(202);
    const third = await write(KAZAKHSTAN_SLUG, { actionToken, targets: { group: 'Western European and Others' } });
    expect(third.json).toMatchObject({ recorded: 7 });
    await eventually(() => lettersTo(smtp, email).length === 7, 10_000, 'seven letters');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const perDelegation = new Map<string, number>();
    for (const m of lettersTo(smtp, email)) perDelegation.set(m.envelope.to.join(), (perDelegation.get(m.envelope.to.join()) ?? 0) + 1);
    expect([...perDelegation.values()].every((n) => n === 1)).toBe(true);
    expect(perDelegation.size).toBe(7);
  });

  it("writes to the supporter's own country's delegation, and refuses when no country was given", async () => {
    const { email } = await sign(api, KAZAKHSTAN_SLUG, KAZAKHSTAN_CONSENT_WORDING_ID);
    const actionToken = await confirmByEmail(api, smtp, email);
    const own = await write(KAZAKHSTAN_SLUG, { actionToken, targets: { own: true } });
    expect(own.json).toMatchObject({ recorded: 1, delegations: [{ iso2: 'KZ' }] });
    await eventually(() => lettersTo(smtp, email).some((m) => m.envelope.to.includes('mission.kz@delegations.example.org')), 10_000, 'letter to KZ');

    const stateless = await sign(api, KAZAKHSTAN_SLUG, KAZAKHSTAN_CONSENT_WORDING_ID, { country: undefined });
    const refused = await write(KAZAKHSTAN_SLUG, { actionToken: stateless.actionToken, targets: { own: true } });
    expect(refused.status).toBe(422);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
  });

  it('asks a supporter who had confirmed before to approve, from the mailbox, the letters of a new signing', async () => {
    const first = await sign(api, KAZAKHSTAN_SLUG, KAZAKHSTAN_CONSENT_WORDING_ID);
    await confirmByEmail(api, smtp, first.email);
    const again = await sign(api, KAZAKHSTAN_SLUG, KAZAKHSTAN_CONSENT_WORDING_ID, { email: first.email });
    const answer = await write(KAZAKHSTAN_SLUG, { actionToken: again.actionToken, targets: { countries: ['JP'] } });
    expect(answer.json).toMatchObject({ status: 'waiting_for_confirmation' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(lettersTo(smtp, first.email)).toHaveLength(0);
    await approveByEmail(api, smtp, first.email);
    await eventually(() => lettersTo(smtp, first.email).length === 1, 10_000, 'the letter after the fresh confirmation');
  });

  it('refuses bad letter requests with problem details and records nothing', async () => {
    const { actionToken } = await sign(api, KAZAKHSTAN_SLUG, KAZAKHSTAN_CONSENT_WORDING_ID);
    const before = await api.platform.db.letter.count();
    const cases: unknown[] = [
      { actionToken, targets: { group: 'Martians' } },
      { actionToken, targets: { countries: ['XX'] } },
      { actionToken, targets: { countries: [] } },
      { actionToken, targets: { all: true, own: true } },
      { actionToken, targets: { all: true }, paragraph: 'x'.repeat(2001) },
      { actionToken, targets: { all: true }, extra: 1 },
      { actionToken: 'forged.token.value', targets: { all: true } },
      { targets: { all: true } },
      { actionToken, targets: { countries: ['AQ'] } },
    ];
    for (const body of cases) {
      const answer = await write(KAZAKHSTAN_SLUG, body);
      expect([400, 422]).toContain(answer.status);
      expect(answer.headers.get('content-type')).toContain('application/problem+json');
    }
    const other = await createCampaign(api.platform.db);
    expect((await write(other.slug, { actionToken, targets: { all: true } })).status).toBe(400);
    expect(await api.platform.db.letter.count()).toBe(before);
  });

  it('retries a letter the server refused for now (451) and sends it', async () => {
    const { email } = await sign(api, KAZAKHSTAN_SLUG, KAZAKHSTAN_CONSENT_WORDING_ID);
    const actionToken = await confirmByEmail(api, smtp, email);
    smtp.respondWith([{ code: 451, message: 'Try again later' }]);
    await write(KAZAKHSTAN_SLUG, { actionToken, targets: { countries: ['BR'] } });
    await eventually(() => lettersTo(smtp, email).length === 1, 10_000, 'the retried letter');
    const letter = await eventually(
      () => api.platform.db.letter.findFirst({ where: { messageId: lettersTo(smtp, email)[0]!.messageId, status: 'sent' } }),
      5_000,
      'sent row',
    );
    expect(letter.attempts).toBe(2);
  });

  it('fails a letter refused for good (550) at once, lists it for admins, and sends it on their retry', async () => {
    const { email } = await sign(api, KAZAKHSTAN_SLUG, KAZAKHSTAN_CONSENT_WORDING_ID);
    const actionToken = await confirmByEmail(api, smtp, email);
    const rejectedBefore = smtp.rejected;
    smtp.respondWith([{ code: 550, message: 'Mailbox unavailable' }]);
    await write(KAZAKHSTAN_SLUG, { actionToken, targets: { countries: ['CL'] } });
    const failed = await eventually(
      () =>
        api.platform.db.letter.findFirst({
          where: { status: 'failed', target: { iso2: 'CL' }, supporter: { letters: { some: {} } }, lastSmtpResponse: { contains: '550' } },
          orderBy: { createdAt: 'desc' },
        }),
      10_000,
      'failed letter',
    );
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(smtp.rejected - rejectedBefore).toBe(1);
    expect(failed.attempts).toBe(1);

    const listed = await fetch(`${api.url}/api/admin/letters?status=failed&campaign=${KAZAKHSTAN_SLUG}`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(((await listed.json()) as { letters: Array<{ id: string }> }).letters.map((l) => l.id)).toContain(failed.id);
    const retried = await fetch(`${api.url}/api/admin/letters/${failed.id}/retry`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` } });
    expect(retried.status).toBe(202);
    await eventually(() => lettersTo(smtp, email).length === 1, 10_000, 'the letter after the admin retry');
    await eventually(async () => (await api.platform.db.letter.findUniqueOrThrow({ where: { id: failed.id } })).status === 'sent', 5_000, 'sent after retry');
  });

  it('in test mode sends each letter to the supporter with [TEST] in the subject', async () => {
    const campaign = await createCampaign(api.platform.db);
    await api.platform.db.campaign.update({ where: { id: campaign.id }, data: { letterTestMode: true } });
    const { email } = await sign(api, campaign.slug, campaign.wording);
    const actionToken = await confirmByEmail(api, smtp, email);
    await write(campaign.slug, { actionToken, targets: { countries: ['IT'] } });
    const letter = await smtp.waitFor((m) => m.envelope.to.includes(email) && m.subject.startsWith('[TEST] '));
    expect(letter.envelope.to).toEqual([email]);
  });

  it('sends near-identical paragraphs to one delegation to review once a flood builds up', async () => {
    const pasted = 'Release all political prisoners in Kazakhstan now and investigate Bloody January properly.';
    const statuses: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { email } = await sign(api, KAZAKHSTAN_SLUG, KAZAKHSTAN_CONSENT_WORDING_ID);
      const actionToken = await confirmByEmail(api, smtp, email);
      await write(KAZAKHSTAN_SLUG, { actionToken, targets: { countries: ['GH'] }, paragraph: i === 2 ? `${pasted.toUpperCase()}!!` : pasted });
      const letter = await api.platform.db.letter.findFirstOrThrow({ where: { target: { iso2: 'GH' } }, orderBy: { createdAt: 'desc' } });
      statuses.push(letter.status);
    }
    expect(statuses[2]).toBe('review');
    expect(statuses.slice(0, 2).every((s) => s !== 'review')).toBe(true);
  });
});
