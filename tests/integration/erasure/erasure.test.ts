import { seedTargets } from '../../../src/modules/letters';
import { makeAccount, logIn, call } from '../../support/admin';
import { createCampaign, type TestCampaign } from '../../support/fixtures';
import { LogCollector, postJson, startTestStack, type TestStack } from '../../support/harness';
import { confirmByEmail, sign } from '../../support/letters';
import { expectRollupsEqualFullCount } from '../../support/rollups';
import type { RecordedMessage } from '../../support/smtp-recorder';

let stack: TestStack;
const logs = new LogCollector();
beforeAll(async () => {
  stack = await startTestStack({ RATE_LIMIT_ENABLED: 'false', LETTERS_CAP_DISABLED: 'true' }, { logStream: logs });
  await seedTargets(stack.api.platform.db);
});
afterAll(async () => {
  await stack.stop();
});

const db = () => stack.api.platform.db;

function erasureLinkIn(message: RecordedMessage): string {
  const match = /http:\/\/clarion\.test(\/erase\/[A-Za-z0-9._-]+\?lang=\w+)/.exec(message.text);
  if (!match) throw new Error(`no erasure link in:\n${message.text}`);
  return match[1]!;
}

/** Counters and every rollup table (hourly, country, source) against a full count of the rows that are left. */
async function countsAgree(campaign: TestCampaign) {
  const [counters] = await db().$queryRaw<Array<{ pending: bigint; confirmed: bigint; invalidated: bigint }>>`
    SELECT coalesce(sum(pending), 0) AS pending, coalesce(sum(confirmed), 0) AS confirmed, coalesce(sum(invalidated), 0) AS invalidated
    FROM campaign_counters WHERE campaign_id = ${campaign.id}::uuid`;
  const [rows] = await db().$queryRaw<Array<{ all: bigint; pending: bigint; confirmed: bigint; invalidated: bigint }>>`
    SELECT count(*) AS all, count(*) FILTER (WHERE status = 'pending') AS pending, count(*) FILTER (WHERE status = 'confirmed') AS confirmed,
           count(*) FILTER (WHERE status = 'invalidated') AS invalidated
    FROM signatures WHERE campaign_id = ${campaign.id}::uuid`;
  const n = (v: bigint | undefined) => Number(v ?? 0);
  expect({ pending: n(counters?.pending), confirmed: n(counters?.confirmed), invalidated: n(counters?.invalidated) }).toEqual({
    pending: n(rows?.pending),
    confirmed: n(rows?.confirmed),
    invalidated: n(rows?.invalidated),
  });
  expect(await expectRollupsEqualFullCount(db(), campaign.id)).toBe(n(rows?.all));
  return n(rows?.all);
}

describe("erasure on the supporter's request", () => {
  it('mails a link; the link shows what goes, and pressing the button erases everything on every campaign', async () => {
    const first = await createCampaign(db());
    const second = await createCampaign(db());
    const other = await sign(stack.api, first.slug, first.wording);
    const me = await sign(stack.api, first.slug, first.wording, { city: 'Almaty', comment: 'For my brother.' });
    await sign(stack.api, second.slug, second.wording, { email: me.email });
    await confirmByEmail(stack.api, stack.smtp, me.email);
    const written = await postJson(`${stack.api.url}/api/campaigns/${first.slug}/letters`, { actionToken: me.actionToken, targets: { countries: ['FR'] } });
    expect(written.status).toBe(202);
    const meId = (await db().supporter.findMany({ where: { signatures: { some: { campaignId: second.id } } }, select: { id: true } }))[0]!.id;
    expect(await db().letter.count({ where: { supporterId: meId } })).toBeGreaterThan(0);

    const asked = await postJson(`${stack.api.url}/api/erasure-requests`, { email: me.email.toUpperCase(), lang: 'ru' });
    expect(asked.status).toBe(202);
    const message = await stack.smtp.waitFor((m) => m.envelope.to.includes(me.email) && m.subject.includes('удаление'));
    const link = erasureLinkIn(message);

    // Opening the link (as a mail scanner would) deletes nothing.
    const shown = await fetch(`${stack.api.url}${link}`);
    expect(shown.status).toBe(200);
    const html = await shown.text();
    expect(html).toContain('lang="ru"');
    expect(html).toContain('Удалить мои данные');
    expect(await db().supporter.count({ where: { id: meId } })).toBe(1);

    const erased = await fetch(`${stack.api.url}${link}`, { method: 'POST' });
    expect(erased.status).toBe(200);
    expect(await erased.text()).toContain('Ваши данные удалены');
    expect(await db().supporter.count({ where: { id: meId } })).toBe(0);
    expect(await db().signature.count({ where: { supporterId: meId } })).toBe(0);
    expect(await db().letter.count({ where: { supporterId: meId } })).toBe(0);
    expect(await db().signingAttempt.count({ where: { signature: { supporterId: meId } } })).toBe(0);

    // The other supporter is untouched; the counts forgot exactly the erased signatures.
    expect(await db().signature.count({ where: { campaignId: first.id } })).toBe(1);
    expect(await countsAgree(first)).toBe(1);
    expect(await countsAgree(second)).toBe(0);
    expect(other.email).not.toBe(me.email);

    // Using the link again is not an error: there is simply nothing left.
    const again = await postJson(`${stack.api.url}/api/erasures`, { token: link.split('/erase/')[1]!.split('?')[0] });
    expect(again.json).toEqual({ erased: false, signatures: 0, letters: 0 });

    // No address reached the logs on the way.
    expect(logs.text).not.toContain(me.email);
    expect(logs.text.toLowerCase()).not.toContain(me.email.toLowerCase());
  });

  it('answers an unknown address exactly like a known one, and mails nothing', async () => {
    const campaign = await createCampaign(db());
    const known = await sign(stack.api, campaign.slug, campaign.wording);
    const unknown = `nobody-${Date.now()}@example.net`;
    const a = await postJson(`${stack.api.url}/api/erasure-requests`, { email: known.email });
    const b = await postJson(`${stack.api.url}/api/erasure-requests`, { email: unknown });
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(a.json).toEqual(b.json);
    await stack.smtp.waitFor((m) => m.envelope.to.includes(known.email) && m.subject.includes('delete'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(stack.smtp.messages.filter((m) => m.envelope.to.includes(unknown))).toHaveLength(0);
  });

  it('sends one link per hour however often the form is sent, and works without JavaScript', async () => {
    const campaign = await createCampaign(db());
    const me = await sign(stack.api, campaign.slug, campaign.wording);
    for (let i = 0; i < 3; i += 1) {
      const response = await fetch(`${stack.api.url}/erase`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ email: me.email, lang: 'kk' }),
      });
      expect(response.status).toBe(202);
      expect(await response.text()).toContain('Поштаңызды тексеріңіз');
    }
    await stack.smtp.waitFor((m) => m.envelope.to.includes(me.email) && m.subject.includes('жою'));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(stack.smtp.messages.filter((m) => m.envelope.to.includes(me.email) && m.subject.includes('жою'))).toHaveLength(1);
  });

  it('refuses bad input with a clear answer and changes nothing', async () => {
    const before = await db().supporter.count();
    const bad = await postJson(`${stack.api.url}/api/erasure-requests`, { email: 'not an address' });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    const form = await fetch(`${stack.api.url}/erase`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'email=nope',
    });
    expect(form.status).toBe(400);
    expect(await form.text()).toContain('aria-invalid="true"');
    const forged = await fetch(`${stack.api.url}/erase/abc.def.ghi`, { method: 'POST' });
    expect(forged.status).toBe(400);
    const expiredToken = stack.api.platform.tokens.sign('erase-supporter', '00000000-0000-4000-8000-000000000000', new Date(Date.now() - 1000));
    const expired = await fetch(`${stack.api.url}/erase/${expiredToken}`);
    expect(expired.status).toBe(410);
    expect(await expired.text()).toContain('name="email"');
    const wrongPurpose = stack.api.platform.tokens.sign('confirm-signing', '00000000-0000-4000-8000-000000000000', new Date(Date.now() + 60_000));
    expect((await postJson(`${stack.api.url}/api/erasures`, { token: wrongPurpose })).status).toBe(400);
    expect(await db().supporter.count()).toBe(before);
  });
});

describe('erasure by staff', () => {
  it('needs the editor role, erases at once and audits without the address', async () => {
    const campaign = await createCampaign(db());
    const me = await sign(stack.api, campaign.slug, campaign.wording);
    const viewer = await makeAccount(db(), 'viewer');
    const editor = await makeAccount(db(), 'editor');
    const viewerSession = await logIn(stack.api.url, viewer.email, viewer.password);
    const editorSession = await logIn(stack.api.url, editor.email, editor.password);
    const as = (s: { cookie: string; csrfToken: string }) => ({ cookie: s.cookie, 'x-csrf-token': s.csrfToken });

    expect((await call(stack.api.url, 'POST', '/api/admin/erasures', { json: { email: me.email } })).status).toBe(401);
    expect((await call(stack.api.url, 'POST', '/api/admin/erasures', { json: { email: me.email }, headers: as(viewerSession) })).status).toBe(403);
    expect(await db().signature.count({ where: { campaignId: campaign.id } })).toBe(1);

    const done = await call(stack.api.url, 'POST', '/api/admin/erasures', { json: { email: me.email }, headers: as(editorSession) });
    expect(done.status).toBe(200);
    expect(done.json).toEqual({ erased: true, signatures: 1, letters: 0 });
    expect(await db().signature.count({ where: { campaignId: campaign.id } })).toBe(0);
    expect(await countsAgree(campaign)).toBe(0);
    const audit = await db().auditEvent.findFirst({ where: { action: 'supporters.erase' }, orderBy: { at: 'desc' } });
    expect(JSON.stringify(audit, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value))).not.toContain(me.email);
    expect(audit?.details).toEqual({ erased: true, signatures: 1, letters: 0 });
  });

  it("writes its audit row in the erasure's transaction: a failing erasure leaves none and the supporter, a successful one exactly one", async () => {
    const campaign = await createCampaign(db());
    const me = await sign(stack.api, campaign.slug, campaign.wording);
    const editor = await makeAccount(db(), 'editor');
    const session = await logIn(stack.api.url, editor.email, editor.password);
    const headers = { cookie: session.cookie, 'x-csrf-token': session.csrfToken };
    const { id } = await db().supporter.findFirstOrThrow({ where: { signatures: { some: { campaignId: campaign.id } } }, select: { id: true } });
    const audits = () => db().auditEvent.count({ where: { action: 'supporters.erase' } });
    const before = await audits();

    // PostgreSQL itself refuses this supporter's deletion (a trigger), after the counters moved.
    await db().$executeRawUnsafe(`CREATE FUNCTION refuse_erasure() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF OLD.id = '${id}'::uuid THEN RAISE EXCEPTION 'erasure refused by the test'; END IF; RETURN OLD; END $$`);
    await db().$executeRawUnsafe('CREATE TRIGGER refuse_erasure BEFORE DELETE ON supporters FOR EACH ROW EXECUTE FUNCTION refuse_erasure()');
    try {
      const failed = await call(stack.api.url, 'POST', '/api/admin/erasures', { json: { email: me.email }, headers });
      expect(failed.status).not.toBe(200);
      expect(await audits()).toBe(before);
      expect(await db().supporter.count({ where: { id } })).toBe(1);
      expect(await countsAgree(campaign)).toBe(1);
    } finally {
      await db().$executeRawUnsafe('DROP TRIGGER refuse_erasure ON supporters');
      await db().$executeRawUnsafe('DROP FUNCTION refuse_erasure()');
    }

    const done = await call(stack.api.url, 'POST', '/api/admin/erasures', { json: { email: me.email }, headers });
    expect(done.status).toBe(200);
    expect(await audits()).toBe(before + 1);
    expect(await db().supporter.count({ where: { id } })).toBe(0);
  });

  it('erases nothing when its audit row cannot be written', async () => {
    const campaign = await createCampaign(db());
    const me = await sign(stack.api, campaign.slug, campaign.wording);
    const editor = await makeAccount(db(), 'editor');
    const session = await logIn(stack.api.url, editor.email, editor.password);
    const headers = { cookie: session.cookie, 'x-csrf-token': session.csrfToken };
    await db().$executeRawUnsafe(`CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.action = 'supporters.erase' THEN RAISE EXCEPTION 'audit refused by the test'; END IF; RETURN NEW; END $$`);
    await db().$executeRawUnsafe('CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION refuse_audit()');
    try {
      const failed = await call(stack.api.url, 'POST', '/api/admin/erasures', { json: { email: me.email }, headers });
      expect(failed.status).not.toBe(200);
      expect(await db().signature.count({ where: { campaignId: campaign.id } })).toBe(1);
      expect(await countsAgree(campaign)).toBe(1);
    } finally {
      await db().$executeRawUnsafe('DROP TRIGGER refuse_audit ON audit_events');
      await db().$executeRawUnsafe('DROP FUNCTION refuse_audit()');
    }
  });
});
