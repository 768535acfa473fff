import nodemailer from 'nodemailer';
import { KAZAKHSTAN_CONSENT_WORDING_ID, KAZAKHSTAN_SLUG, seedKazakhstanCampaign } from '../../../src/modules/campaigns';
import { type BounceListener, startBounceListener } from '../../../src/modules/bounces';
import { seedDefaultTemplate, seedTargets } from '../../../src/modules/letters';
import { eventually, postJson, type TestApi, startTestStack, type TestStack } from '../../support/harness';
import { confirmByEmail, lettersTo, sign } from '../../support/letters';
import { complaintReport, deliverReport, deliveryStatusReport } from '../../support/reports';
import type { SmtpRecorder } from '../../support/smtp-recorder';
import { returnPathFor } from '../../../src/platform/return-path';

/**
 * Delivery reports through the real path: a letter leaves with a VERP envelope sender, a report
 * for it comes back over SMTP to the bounces listener, and the admin API shows the result.
 */
const ADMIN = 'b'.repeat(40);
const BOUNCE_DOMAIN = 'bounces.clarion.test';
const auth = { authorization: `Bearer ${ADMIN}` };
let smtp: SmtpRecorder;
let api: TestApi;
let stack: TestStack;
let listener: BounceListener;

beforeAll(async () => {
  stack = await startTestStack({ RATE_LIMIT_ENABLED: 'false', ADMIN_API_TOKEN: ADMIN, LETTERS_CAP_DISABLED: 'true', BOUNCE_DOMAIN });
  ({ smtp, api } = stack);
  const campaignId = await seedKazakhstanCampaign(api.platform.db);
  await seedDefaultTemplate(api.platform.db, campaignId);
  await seedTargets(api.platform.db);
  listener = await startBounceListener(api.platform, { host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await listener.close();
  await stack.stop();
});

async function addressesOf(iso2: string): Promise<Array<{ email: string; health: string; softBounceCount: number }>> {
  const answer = await fetch(`${api.url}/api/admin/targets`, { headers: auth });
  expect(answer.status).toBe(200);
  const { targets } = (await answer.json()) as {
    targets: Array<{ iso2: string; addresses: Array<{ email: string; health: string; softBounceCount: number }> }>;
  };
  return targets.find((t) => t.iso2 === iso2)!.addresses;
}

const patchTarget = (iso2: string, body: unknown) =>
  fetch(`${api.url}/api/admin/targets/${iso2}`, {
    method: 'PATCH',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

/** One confirmed supporter's letter to the given delegation, as the mission's server received it. */
async function letterTo(iso2: string) {
  const { email } = await sign(api, KAZAKHSTAN_SLUG, KAZAKHSTAN_CONSENT_WORDING_ID);
  const actionToken = await confirmByEmail(api, smtp, email);
  const answer = await postJson(`${api.url}/api/campaigns/${KAZAKHSTAN_SLUG}/letters`, { actionToken, targets: { countries: [iso2] } });
  expect(answer.status).toBe(202);
  return eventually(() => lettersTo(smtp, email)[0], 15_000, `the letter to ${iso2}`);
}

describe('delivery reports (VERP + inbound SMTP)', () => {
  it('a hard bounce for a letter marks that delegation address bounced, once; the same report again changes nothing', async () => {
    const letter = await letterTo('FR');
    expect(letter.envelope.from).toMatch(new RegExp(`^bounces\\+l-[0-9a-f]{32}-[0-9a-f]{12}@${BOUNCE_DOMAIN.replace(/\./g, '\\.')}$`));
    expect(letter.envelope.from).not.toContain('@campaigns.example.org');
    const report = deliveryStatusReport({ recipient: 'mission.fr@delegations.example.org', status: '5.1.1' });
    // The mission's server has it before the worker records it sent; a report comes later still.
    await eventually(() => api.platform.db.letter.findFirst({ where: { messageId: letter.messageId, status: 'sent' } }));

    await deliverReport(listener.port, letter.envelope.from, report);
    expect((await addressesOf('FR')).find((a) => a.email === 'mission.fr@delegations.example.org')?.health).toBe('bounced');
    const rows = await api.platform.db.$queryRaw<Array<{ n: bigint }>>`SELECT count(*) AS n FROM delivery_reports WHERE kind = 'hard'`;
    expect(Number(rows[0]!.n)).toBe(1);
    // The per-message return path names the letter, so the report knows its campaign too.
    const sent = await api.platform.db.letter.findFirstOrThrow({
      where: { messageId: letter.messageId },
      select: { id: true, campaignId: true, targetId: true },
    });
    expect(await api.platform.db.deliveryReport.findFirst({ where: { kind: 'hard' } })).toMatchObject({
      subjectKind: 'target',
      targetId: sent.targetId,
      campaignId: sent.campaignId,
      letterId: sent.id,
      mailingId: null,
    });

    // FR's only address bounced: the letter reached nobody, so it failed, and webhooks hear of it.
    expect(await api.platform.db.letter.findUniqueOrThrow({ where: { id: sent.id }, select: { status: true, lastSmtpResponse: true } })).toEqual({
      status: 'failed',
      lastSmtpResponse: 'bounced after it was sent (5.1.1)',
    });
    expect(await api.platform.db.domainEvent.count({ where: { type: 'letter.failed', subjectId: sent.id } })).toBe(1);

    await deliverReport(listener.port, letter.envelope.from, report);
    const again = await api.platform.db.$queryRaw<Array<{ n: bigint }>>`SELECT count(*) AS n FROM delivery_reports WHERE kind = 'hard'`;
    expect(Number(again[0]!.n)).toBe(1);
    expect((await addressesOf('FR')).find((a) => a.email === 'mission.fr@delegations.example.org')?.health).toBe('bounced');
    expect(await api.platform.db.domainEvent.count({ where: { type: 'letter.failed', subjectId: sent.id } })).toBe(1);
  });

  it('a later hard bounce from one of two addresses leaves the letter sent; from the second too, it failed', async () => {
    expect((await patchTarget('JP', { emails: ['mission.jp@delegations.example.org', 'second.jp@delegations.example.org'] })).status).toBe(200);
    const letter = await letterTo('JP');
    expect(letter.envelope.to.sort()).toEqual(['mission.jp@delegations.example.org', 'second.jp@delegations.example.org']);
    // The mission's server has it before the worker records it sent.
    const sent = await eventually(() => api.platform.db.letter.findFirst({ where: { messageId: letter.messageId, status: 'sent' }, select: { id: true } }));
    const statusOf = async () => (await api.platform.db.letter.findUniqueOrThrow({ where: { id: sent.id }, select: { status: true } })).status;

    await deliverReport(listener.port, letter.envelope.from, deliveryStatusReport({ recipient: 'second.jp@delegations.example.org', status: '5.1.1' }));
    expect((await addressesOf('JP')).find((a) => a.email === 'second.jp@delegations.example.org')?.health).toBe('bounced');
    expect(await statusOf()).toBe('sent');

    await deliverReport(listener.port, letter.envelope.from, deliveryStatusReport({ recipient: 'mission.jp@delegations.example.org', status: '5.1.1' }));
    expect(await statusOf()).toBe('failed');
    expect(await api.platform.db.domainEvent.count({ where: { type: 'letter.failed', subjectId: sent.id } })).toBe(1);
  });

  it('a soft bounce counts and marks the address soft_bounced; delayed reports change nothing', async () => {
    const letter = await letterTo('CH');
    await deliverReport(
      listener.port,
      letter.envelope.from,
      deliveryStatusReport({ recipient: 'mission.ch@delegations.example.org', action: 'delayed', status: '4.4.7' }),
    );
    expect((await addressesOf('CH'))[0]).toMatchObject({ health: 'active', softBounceCount: 0 });
    await deliverReport(listener.port, letter.envelope.from, deliveryStatusReport({ recipient: 'mission.ch@delegations.example.org', status: '4.2.2' }));
    expect((await addressesOf('CH'))[0]).toMatchObject({ health: 'soft_bounced', softBounceCount: 1 });
  });

  it('still takes reports to the per-delegation return paths letters carried before the per-message ids', async () => {
    const target = await api.platform.db.target.findUniqueOrThrow({ where: { iso2: 'NL' } });
    const legacy = returnPathFor(api.platform.returnPaths, { kind: 'target', id: target.id });
    expect(legacy).toMatch(/^bounces\+t-/);
    await deliverReport(listener.port, legacy, deliveryStatusReport({ recipient: 'mission.nl@delegations.example.org', status: '5.1.1' }));
    expect((await addressesOf('NL'))[0]!.health).toBe('bounced');
    expect(await api.platform.db.deliveryReport.findFirst({ where: { targetId: target.id } })).toMatchObject({ campaignId: null, letterId: null });
  });

  it("a report keeps its delegation and campaign but not the letter's id once the supporter is erased", async () => {
    const letter = await letterTo('BR');
    await deliverReport(listener.port, letter.envelope.from, deliveryStatusReport({ recipient: 'mission.br@delegations.example.org', status: '5.1.1' }));
    const sent = await api.platform.db.letter.findFirstOrThrow({
      where: { messageId: letter.messageId },
      select: { id: true, supporterId: true, campaignId: true, targetId: true },
    });
    expect(await api.platform.db.deliveryReport.findFirst({ where: { letterId: sent.id } })).not.toBeNull();
    await api.platform.db.supporter.delete({ where: { id: sent.supporterId } }); // letters go with their supporter
    expect(await api.platform.db.deliveryReport.findFirst({ where: { targetId: sent.targetId, kind: 'hard' } })).toMatchObject({
      letterId: null,
      campaignId: sent.campaignId,
    });
  });

  it('refuses mail for return paths it did not sign (550 at RCPT) and records nothing', async () => {
    const letter = await letterTo('IT');
    const forged = letter.envelope.from.replace(/-([0-9a-f]{12})@/, (_m, mac: string) => `-${mac.startsWith('0') ? '1' : '0'}${mac.slice(1)}@`);
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: listener.port, secure: false, ignoreTLS: true });
    try {
      await expect(
        transport.sendMail({
          envelope: { from: '', to: [forged] },
          raw: deliveryStatusReport({ recipient: 'mission.it@delegations.example.org', status: '5.1.1' }),
        }),
      ).rejects.toMatchObject({ responseCode: 550 });
      await expect(
        transport.sendMail({ envelope: { from: '', to: [`bounces@${BOUNCE_DOMAIN}`] }, raw: Buffer.from('Subject: x\r\n\r\nx\r\n') }),
      ).rejects.toMatchObject({ responseCode: 550 });
    } finally {
      transport.close();
    }
    expect((await addressesOf('IT'))[0]!.health).toBe('active');
  });

  it('a hard bounce of a supporter email suppresses that address: no further mail goes to it', async () => {
    const { email } = await sign(api, KAZAKHSTAN_SLUG, KAZAKHSTAN_CONSENT_WORDING_ID);
    const confirmation = await eventually(() => smtp.messages.find((m) => m.envelope.to.includes(email)), 10_000, 'the confirmation email');
    expect(confirmation.envelope.from).toMatch(/^bounces\+a-[0-9a-f]{32}-[0-9a-f]{12}@bounces\.clarion\.test$/);
    await deliverReport(listener.port, confirmation.envelope.from, deliveryStatusReport({ recipient: email, status: '5.1.1' }));
    const suppressed = await api.platform.db.$queryRaw<Array<{ reason: string }>>`SELECT reason FROM mail_suppressions`;
    expect(suppressed.map((r) => r.reason)).toContain('bounced');

    const before = smtp.messages.filter((m) => m.envelope.to.includes(email)).length;
    const resend = await postJson(`${api.url}/api/campaigns/${KAZAKHSTAN_SLUG}/confirmations/resend`, { email });
    expect(resend.status).toBeLessThan(300);
    await sign(api, KAZAKHSTAN_SLUG, KAZAKHSTAN_CONSENT_WORDING_ID, { email });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(smtp.messages.filter((m) => m.envelope.to.includes(email))).toHaveLength(before);
  });

  it('a complaint (ARF) about a supporter email suppresses with reason complaint', async () => {
    const { email } = await sign(api, KAZAKHSTAN_SLUG, KAZAKHSTAN_CONSENT_WORDING_ID);
    const confirmation = await eventually(() => smtp.messages.find((m) => m.envelope.to.includes(email)), 10_000, 'the confirmation email');
    await deliverReport(listener.port, confirmation.envelope.from, complaintReport(email));
    const reasons = await api.platform.db.$queryRaw<Array<{ reason: string }>>`SELECT reason FROM mail_suppressions WHERE reason = 'complaint'`;
    expect(reasons).toHaveLength(1);
  });
});

describe('admins block and unblock a delegation address by hand', () => {
  it('blocked is shown and kept; active lifts it and resets the soft count; an address the delegation does not have is a 400 problem that changes nothing', async () => {
    const blocked = await patchTarget('AL', { addressHealth: [{ email: 'mission.al@delegations.example.org', health: 'blocked' }] });
    expect(blocked.status).toBe(200);
    expect((await addressesOf('AL'))[0]!.health).toBe('blocked');

    const unknown = await patchTarget('AL', { addressHealth: [{ email: 'someone@else.example.org', health: 'active' }] });
    expect(unknown.status).toBe(400);
    expect(unknown.headers.get('content-type')).toContain('application/problem+json');
    expect(JSON.stringify(await unknown.json())).not.toContain('someone@else.example.org');
    expect((await addressesOf('AL'))[0]!.health).toBe('blocked');

    const wrongValue = await patchTarget('AL', { addressHealth: [{ email: 'mission.al@delegations.example.org', health: 'bounced' }] });
    expect(wrongValue.status).toBe(400);

    const lifted = await patchTarget('AL', { addressHealth: [{ email: 'mission.al@delegations.example.org', health: 'active' }] });
    expect(lifted.status).toBe(200);
    expect((await addressesOf('AL'))[0]).toMatchObject({ health: 'active', softBounceCount: 0 });
  });
});
