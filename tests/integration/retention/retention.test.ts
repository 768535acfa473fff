import { randomUUID } from 'node:crypto';
import { staffContext } from '../../../src/modules/admin';
import { seedTargets } from '../../../src/modules/letters';
import { runRetention } from '../../../src/modules/retention';
import { confirmPending, openPersonalData, SEALED } from '../../../src/modules/supporters';
import { Prisma } from '../../../src/platform/db';
import { call, logIn, makeAccount, type AdminSessionCookie } from '../../support/admin';
import { createCampaign, type TestCampaign } from '../../support/fixtures';
import { eventually, LogCollector, postJson, startTestStack, startTestWorkers, type TestStack } from '../../support/harness';
import { confirmByEmail, sign } from '../../support/letters';
import { expectCountsEqualFullCount, rollupsAndFullCounts } from '../../support/rollups';

let stack: TestStack;
let owner: AdminSessionCookie;
let editor: AdminSessionCookie;
const logs = new LogCollector();

beforeAll(async () => {
  stack = await startTestStack({ RATE_LIMIT_ENABLED: 'false', LETTERS_CAP_DISABLED: 'true', RETENTION_INTERVAL_MS: '3600000' }, { logStream: logs });
  await seedTargets(stack.api.platform.db);
  const o = await makeAccount(stack.api.platform.db, 'owner');
  const e = await makeAccount(stack.api.platform.db, 'editor');
  owner = await logIn(stack.api.url, o.email, o.password);
  editor = await logIn(stack.api.url, e.email, e.password);
});
afterAll(() => stack.stop());

const db = () => stack.api.platform.db;
const as = (who: AdminSessionCookie) => ({ cookie: who.cookie, 'x-csrf-token': who.csrfToken });
const api = (who: AdminSessionCookie, method: string, path: string, json?: unknown) =>
  call(stack.api.url, method, path, { headers: as(who), ...(json !== undefined ? { json } : {}) });

/** Everything a person typed, unique to this test, so a scan of the database finds it wherever it went. */
function person(label: string) {
  const tag = randomUUID().slice(0, 8);
  return {
    email: `retention-${label}-${tag}@example.net`,
    name: `Retention ${label} ${tag}`,
    city: `City-${label}-${tag}`,
    comment: `Comment of ${label} ${tag}`,
    paragraph: `Paragraph of ${label} ${tag}: my brother is held.`,
  };
}
type Person = ReturnType<typeof person>;

async function signAs(campaign: TestCampaign, who: Person, extra: Record<string, unknown> = {}) {
  return sign(stack.api, campaign.slug, campaign.wording, {
    email: who.email,
    name: who.name,
    city: who.city,
    comment: who.comment,
    consent: { updates: true, wording: campaign.wording },
    ...extra,
  });
}

async function supporterOf(email: string, campaign: TestCampaign) {
  const rows = await db().$queryRaw<Array<{ id: string; signatureId: string }>>`
    SELECT p.id::text AS id, s.id::text AS "signatureId" FROM supporters p JOIN signatures s ON s.supporter_id = p.id
    WHERE s.campaign_id = ${campaign.id}::uuid ORDER BY s.created_at`;
  // Match by the sealed address: only the API knows how to open it.
  for (const row of rows) {
    const p = await db().supporter.findUniqueOrThrow({ where: { id: row.id } });
    if (openPersonalData(stack.api.platform, p.emailEncrypted, SEALED.supporterEmail, p.id) === email) return row;
  }
  throw new Error('supporter not found');
}

/** Every sealed envelope and keyed hash of these signatures, attempts, letters (and supporters, when given). */
async function sealedOf(signatureIds: string[], supporterIds: string[]) {
  const rows = await db().$queryRaw<Array<{ v: string | null }>>`
    SELECT city_encrypted AS v FROM signatures WHERE id = ANY(${signatureIds}::uuid[])
    UNION ALL SELECT comment_encrypted FROM signatures WHERE id = ANY(${signatureIds}::uuid[])
    UNION ALL SELECT name_encrypted FROM signing_attempts WHERE signature_id = ANY(${signatureIds}::uuid[])
    UNION ALL SELECT city_encrypted FROM signing_attempts WHERE signature_id = ANY(${signatureIds}::uuid[])
    UNION ALL SELECT l.paragraph_encrypted FROM letters l JOIN signatures s ON s.campaign_id = l.campaign_id AND s.supporter_id = l.supporter_id WHERE s.id = ANY(${signatureIds}::uuid[])
    UNION ALL SELECT email_encrypted FROM supporters WHERE id = ANY(${supporterIds}::uuid[])
    UNION ALL SELECT name_encrypted FROM supporters WHERE id = ANY(${supporterIds}::uuid[])
    UNION ALL SELECT encode(email_hash, 'hex') FROM supporters WHERE id = ANY(${supporterIds}::uuid[])`;
  return rows.flatMap((r) => (r.v ? [r.v] : []));
}

/**
 * Every text-like and bytea column of every table, searched for each needle (a bytea column for
 * the needles that are hex). Answers "table.column" where one was found.
 */
async function scanDatabase(needles: string[]): Promise<string[]> {
  const columns = await db().$queryRaw<Array<{ table: string; column: string; type: string }>>`
    SELECT table_name AS table, column_name AS column, data_type AS type FROM information_schema.columns
    WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'bytea', 'ARRAY')`;
  const hex = needles.filter((n) => /^[0-9a-f]{32,}$/.test(n));
  const found: string[] = [];
  for (const { table, column, type } of columns) {
    const t = Prisma.raw(`"${table}"`);
    const c = Prisma.raw(`"${column}"`);
    const [row] =
      type === 'bytea'
        ? await db().$queryRaw<Array<{ n: bigint }>>`SELECT count(*) AS n FROM ${t} WHERE ${c} IS NOT NULL AND EXISTS (
          SELECT 1 FROM unnest(${hex}::text[]) h WHERE position(decode(h, 'hex') IN ${c}) > 0)`
        : await db().$queryRaw<Array<{ n: bigint }>>`SELECT count(*) AS n FROM ${t} WHERE ${c} IS NOT NULL AND EXISTS (
          SELECT 1 FROM unnest(${needles}::text[]) n WHERE strpos(lower(${c}::text), lower(n)) > 0)`;
    if (Number(row!.n) > 0) found.push(`${table}.${column}`);
  }
  return found;
}

/** Per rollup key, the figures a full count of the campaign's signatures gives, leaving out `without`. */
async function fullCountWithout(campaignId: string, without: string[]) {
  const { full } = await rollupsAndFullCounts(db(), campaignId);
  const gone = await db().signature.findMany({ where: { id: { in: without } } });
  const minus = (rows: typeof full.country, keyOf: (s: (typeof gone)[number]) => string) =>
    rows
      .map((r) => {
        const n = gone.filter((s) => keyOf(s) === r.key).length;
        return { ...r, signed: r.signed - n };
      })
      .filter((r) => r.signed !== 0 || r.confirmed !== 0 || r.invalidated !== 0);
  return {
    hourly: minus(full.hourly, (s) => s.createdAt.toISOString().slice(0, 13)),
    country: minus(full.country, (s) => s.country ?? ''),
    source: minus(full.source, (s) => [s.source ?? '', s.utmSource ?? '', s.utmMedium ?? '', s.utmCampaign ?? ''].join('|')),
  };
}

async function counters(campaignId: string) {
  const [row] = await db().$queryRaw<Array<{ pending: bigint | null; confirmed: bigint | null; invalidated: bigint | null }>>`
    SELECT sum(pending) AS pending, sum(confirmed) AS confirmed, sum(invalidated) AS invalidated FROM campaign_counters WHERE campaign_id = ${campaignId}::uuid`;
  return { pending: Number(row?.pending ?? 0), confirmed: Number(row?.confirmed ?? 0), invalidated: Number(row?.invalidated ?? 0) };
}

describe('retention', () => {
  it('anonymises a campaign past its retention and deletes old unconfirmed signatures, leaving counts, rollups and open campaigns as they were', async () => {
    const old = await createCampaign(db());
    const open = await createCampaign(db());
    const [alpha, beta, gamma, delta, bot] = ['alpha', 'beta', 'gamma', 'delta', 'bot'].map(person) as [Person, Person, Person, Person, Person];

    // alpha: confirmed on both campaigns, letters sent on the old one. beta: confirmed, letters held
    // and never approved. gamma: never confirmed. delta: never confirmed on the open campaign, 31 days ago.
    await signAs(old, alpha);
    const alphaVerified = await confirmByEmail(stack.api, stack.smtp, alpha.email);
    expect(
      (
        await postJson(`${stack.api.url}/api/campaigns/${old.slug}/letters`, {
          actionToken: alphaVerified,
          targets: { countries: ['FR'] },
          paragraph: alpha.paragraph,
        })
      ).status,
    ).toBe(202);
    const betaSigned = await signAs(old, beta);
    await confirmByEmail(stack.api, stack.smtp, beta.email);
    expect(
      (
        await postJson(`${stack.api.url}/api/campaigns/${old.slug}/letters`, {
          actionToken: betaSigned.actionToken,
          targets: { countries: ['JP'] },
          paragraph: beta.paragraph,
        })
      ).status,
    ).toBe(202);
    await signAs(old, gamma);
    await signAs(old, bot, { website: 'http://spam.example' });
    await signAs(open, { ...alpha, city: `${alpha.city}-open`, comment: `${alpha.comment}-open` });
    await confirmByEmail(stack.api, stack.smtp, alpha.email);
    await signAs(open, delta);
    const alphaOld = await supporterOf(alpha.email, old);
    const alphaOpen = await supporterOf(alpha.email, open);
    expect(alphaOpen.id).toBe(alphaOld.id);
    const betaRow = await supporterOf(beta.email, old);
    const gammaRow = await supporterOf(gamma.email, old);
    const deltaRow = await supporterOf(delta.email, open);
    await eventually(async () => (await db().letter.count({ where: { supporterId: alphaOld.id, status: 'sent' } })) === 1, 15_000, "alpha's letter sent");
    expect(await db().letter.count({ where: { supporterId: betaRow.id, status: 'held' } })).toBe(1);
    // delta signed 31 days ago: the signature and its hourly count move there together, as the ledger would have put it.
    const deltaSignature = await db().signature.findUniqueOrThrow({ where: { id: deltaRow.signatureId } });
    const hourOf = (d: Date) => new Date(Math.floor(d.getTime() / 3_600_000) * 3_600_000);
    const backdated = new Date(deltaSignature.createdAt.getTime() - 31 * 86_400_000);
    await db().signature.update({ where: { id: deltaRow.signatureId }, data: { createdAt: backdated } });
    await db().$executeRaw`UPDATE signature_rollups_hourly SET signed = signed - 1 WHERE (campaign_id, hour, slot) = (
      SELECT campaign_id, hour, slot FROM signature_rollups_hourly WHERE campaign_id = ${open.id}::uuid AND hour = ${hourOf(deltaSignature.createdAt)}::timestamptz AND signed > 0 LIMIT 1)`;
    await db().$executeRaw`INSERT INTO signature_rollups_hourly (campaign_id, hour, slot, signed, confirmed, invalidated)
      VALUES (${open.id}::uuid, ${hourOf(backdated)}::timestamptz, 0, 1, 0, 0)
      ON CONFLICT (campaign_id, hour, slot) DO UPDATE SET signed = signature_rollups_hourly.signed + 1`;
    await expectCountsEqualFullCount(db(), open.id);

    // Closing through the API sets closed_at; a short retention, and a close two days ago.
    expect((await api(editor, 'PATCH', `/api/admin/campaigns/${old.slug}`, { status: 'closed', retentionDays: 1 })).json).toMatchObject({
      status: 'closed',
      retentionDays: 1,
    });
    const closed = await db().campaign.findUniqueOrThrow({ where: { id: old.id } });
    expect(closed.closedAt).toBeInstanceOf(Date);
    await db().$executeRaw`UPDATE campaigns SET closed_at = now() - interval '2 days' WHERE id = ${old.id}::uuid`;

    // An update still queued for alpha on the old campaign (its sending paused, say).
    const mailing = await db().mailing.create({ data: { campaignId: old.id, language: 'en', status: 'paused' } });
    const queued = await db().mailingRecipient.create({
      data: { mailingId: mailing.id, supporterId: alphaOld.id, signatureId: alphaOld.signatureId, language: 'en' },
    });

    const needles = [
      ...[alpha, beta, gamma, bot].flatMap((p) => [p.email, p.name, p.city, p.comment, p.paragraph]),
      delta.email,
      delta.name,
      delta.city,
      delta.comment,
      ...(await sealedOf([alphaOld.signatureId, betaRow.signatureId, gammaRow.signatureId, deltaRow.signatureId], [betaRow.id, gammaRow.id, deltaRow.id])),
      ...(await db().signingAttempt.findMany({ where: { campaignId: old.id, signatureId: null } }))
        .flatMap((a) => [a.nameEncrypted, a.cityEncrypted])
        .filter((v): v is string => !!v),
    ];
    expect(needles.length).toBeGreaterThan(30);
    // Before: the scan finds them (a scan that finds nothing proves nothing).
    expect((await scanDatabase(needles)).length).toBeGreaterThan(3);

    const expectedOld = await fullCountWithout(old.id, [gammaRow.signatureId]);
    const expectedOpen = await fullCountWithout(open.id, [deltaRow.signatureId]);
    const countersBefore = { old: await counters(old.id), open: await counters(open.id) };
    const openAlphaBefore = await db().signature.findUniqueOrThrow({ where: { id: alphaOpen.signatureId } });
    const openLettersBefore = await db().letter.count({ where: { campaignId: open.id } });

    const preview = await api(editor, 'GET', '/api/admin/retention/preview');
    expect(preview.status).toBe(200);
    expect(JSON.stringify(preview.json)).not.toMatch(/retention-|Retention |@/);
    const previewed = preview.json as { totals: Record<string, number>; campaigns: Array<{ slug: string } & Record<string, number>> };
    expect(previewed.totals).toEqual({ unconfirmedSignatures: 2, unconfirmedLetters: 0, signatures: 2, letters: 2, supportersErased: 3, discardedAttempts: 1 });
    expect(previewed.campaigns.find((c) => c.slug === old.slug)).toMatchObject({
      expired: true,
      signatures: 2,
      supporters: 2,
      letters: 2,
      unconfirmedSignatures: 1,
    });
    expect(previewed.campaigns.find((c) => c.slug === open.slug)).toMatchObject({ expired: false, signatures: 0, unconfirmedSignatures: 1 });

    // The dashboard shows the same dry run; owners get the button.
    const page = await call(stack.api.url, 'GET', '/admin/retention', { headers: { cookie: owner.cookie } });
    expect(page.status).toBe(200);
    expect(page.text).toMatch(
      new RegExp(
        `data-slug="${old.slug}">[\\s\\S]*?<td>Yes</td>\\s*<td class="num">1</td>\\s*<td class="num">2</td>\\s*<td class="num">2</td>\\s*<td class="num">2</td>`,
      ),
    );
    expect(page.text).toContain('id="retention-run"');
    expect(page.text).not.toMatch(/retention-(alpha|beta|gamma|delta)/);
    expect((await call(stack.api.url, 'GET', '/admin/retention', { headers: { cookie: editor.cookie } })).text).not.toContain('id="retention-run"');

    const ran = await api(owner, 'POST', '/api/admin/retention/run');
    expect(ran.status).toBe(200);
    const run = ran.json as { run: string; counts: Record<string, number> };
    // The dry run said exactly what the run then did.
    expect(run.counts).toEqual(previewed.totals);

    // Counts and rollups: the anonymised signatures still count exactly as before; only the two
    // never-confirmed ones left, each with its count.
    expect(await counters(old.id)).toEqual({ ...countersBefore.old, pending: countersBefore.old.pending - 1 });
    expect(await counters(open.id)).toEqual({ ...countersBefore.open, pending: countersBefore.open.pending - 1 });
    expect((await rollupsAndFullCounts(db(), old.id)).rollups).toEqual(expectedOld);
    expect((await rollupsAndFullCounts(db(), open.id)).rollups).toEqual(expectedOpen);
    await expectCountsEqualFullCount(db(), old.id);
    await expectCountsEqualFullCount(db(), open.id);
    expect(await db().signature.count({ where: { campaignId: old.id } })).toBe(2);

    // Nothing personal of theirs is left anywhere: not in plain text, not sealed, not hashed.
    expect(await scanDatabase(needles)).toEqual([]);
    expect(await db().supporter.count({ where: { id: { in: [betaRow.id, gammaRow.id, deltaRow.id] } } })).toBe(0);
    const oldSignatures = await db().signature.findMany({ where: { campaignId: old.id }, include: { supporter: true } });
    expect(
      oldSignatures.every(
        (s) =>
          s.supporter.anonymisedAt !== null && s.supporterId !== alphaOld.id && s.country === 'KZ' && s.cityEncrypted === null && s.commentEncrypted === null,
      ),
    ).toBe(true);
    expect(await db().letter.count({ where: { campaignId: old.id, supporterId: alphaOld.id } })).toBe(0);
    const oldLetters = await db().letter.findMany({ where: { campaignId: old.id } });
    expect(oldLetters.map((l) => [l.status, l.paragraphEncrypted, l.paragraphFingerprint])).toEqual([['sent', null, null]]);
    expect(await db().letterApproval.count({ where: { attempt: { campaignId: old.id } } })).toBe(0);

    const recipient = await db().mailingRecipient.findUniqueOrThrow({ where: { id: queued.id }, include: { supporter: true } });
    expect([recipient.status, recipient.supporter.anonymisedAt !== null]).toEqual(['cancelled', true]);

    // alpha still is alpha on the open campaign: address, name, city, comment, untouched.
    expect(await db().signature.findUniqueOrThrow({ where: { id: alphaOpen.signatureId } })).toEqual(openAlphaBefore);
    expect((await supporterOf(alpha.email, open)).id).toBe(alphaOld.id);
    expect(await db().letter.count({ where: { campaignId: open.id } })).toBe(openLettersBefore);

    // The audit row, in the run's transactions, says what it did and whose it was not.
    const audits = await db().auditEvent.findMany({ where: { action: 'retention.run' } });
    const row = audits.find((a) => (a.details as { run?: string }).run === run.run);
    expect(row?.details).toMatchObject({ ...run.counts, finished: true, trigger: 'admin' });

    // A second run finds nothing, and is audited as such.
    const again = await api(owner, 'POST', '/api/admin/retention/run', {});
    expect((again.json as { counts: Record<string, number> }).counts).toEqual({
      unconfirmedSignatures: 0,
      unconfirmedLetters: 0,
      signatures: 0,
      letters: 0,
      supportersErased: 0,
      discardedAttempts: 0,
    });
    expect((await rollupsAndFullCounts(db(), old.id)).rollups).toEqual(expectedOld);
    expect(logs.text).not.toContain(alpha.email);
  });

  it('works through a large campaign in batches, each its own transaction, and a rerun finishes what a failed run left', async () => {
    const campaign = await createCampaign(db());
    const people = Array.from({ length: 7 }, (_, i) => person(`batch${i}`));
    for (const p of people) await signAs(campaign, p);
    for (const { id } of await db().signature.findMany({ where: { campaignId: campaign.id } })) await db().$transaction((tx) => confirmPending(tx, id));
    await expectCountsEqualFullCount(db(), campaign.id);
    await db().$executeRaw`UPDATE campaigns SET status = 'closed', closed_at = now() - interval '200 days' WHERE id = ${campaign.id}::uuid`;
    const before = await rollupsAndFullCounts(db(), campaign.id);

    // A run that fails half-way (the database refuses the third batch) leaves whole batches only.
    const standInsBefore = await db().supporter.count({ where: { anonymisedAt: { not: null } } });
    await db().$executeRaw`CREATE OR REPLACE FUNCTION retention_test_fail() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF (SELECT count(*) FROM supporters WHERE anonymised_at IS NOT NULL) >= ${Prisma.raw(String(standInsBefore + 4))} THEN RAISE EXCEPTION 'simulated crash'; END IF; RETURN NEW; END $$`;
    await db().$executeRaw`CREATE TRIGGER retention_test_fail BEFORE INSERT ON supporters FOR EACH STATEMENT EXECUTE FUNCTION retention_test_fail()`;
    await expect(runRetention(staffContext(stack.api.platform, null), new Date(), 2)).rejects.toThrow();
    await db().$executeRaw`DROP TRIGGER retention_test_fail ON supporters`;
    const half = await db().signature.count({ where: { campaignId: campaign.id, supporter: { anonymisedAt: { not: null } } } });
    expect(half).toBe(4);
    const partial = (await db().auditEvent.findMany({ where: { action: 'retention.run' }, orderBy: { id: 'desc' }, take: 1 }))[0]!;
    expect(partial.details).toMatchObject({ signatures: 4, finished: false, trigger: 'schedule' });
    expect((await rollupsAndFullCounts(db(), campaign.id)).rollups).toEqual(before.rollups);

    const rest = await runRetention(staffContext(stack.api.platform, null), new Date(), 2);
    expect(rest.campaigns[campaign.slug]).toMatchObject({ signatures: 3, supportersErased: 3 });
    expect(await db().signature.count({ where: { campaignId: campaign.id, supporter: { anonymisedAt: null } } })).toBe(0);
    expect((await rollupsAndFullCounts(db(), campaign.id)).rollups).toEqual(before.rollups);
    await expectCountsEqualFullCount(db(), campaign.id);
    expect(await scanDatabase(people.flatMap((p) => [p.email, p.name, p.city, p.comment]))).toEqual([]);
  });

  it('runs on its own in the worker: a worker that starts finds what is due in the database', async () => {
    const campaign = await createCampaign(db());
    const who = person('scheduled');
    await signAs(campaign, who);
    const [signature] = await db().signature.findMany({ where: { campaignId: campaign.id } });
    await db().$transaction((tx) => confirmPending(tx, signature!.id));
    await db().$executeRaw`UPDATE campaigns SET status = 'closed', closed_at = now() - interval '181 days' WHERE id = ${campaign.id}::uuid`;
    const before = await rollupsAndFullCounts(db(), campaign.id);
    const workers = startTestWorkers(stack.api, { relay: true, email: false, letters: false, mailings: false });
    try {
      const row = await eventually(
        async () =>
          (await db().auditEvent.findMany({ where: { action: 'retention.run' }, orderBy: { id: 'desc' }, take: 5 })).find(
            (a) =>
              (a.details as { trigger?: string; finished?: boolean; signatures?: number }).trigger === 'schedule' &&
              (a.details as { finished?: boolean }).finished &&
              ((a.details as { signatures?: number }).signatures ?? 0) >= 1,
          ),
        10_000,
        'a scheduled run',
      );
      expect(row.actor).toBeNull();
    } finally {
      await workers.stop();
    }
    expect((await db().signature.findFirstOrThrow({ where: { campaignId: campaign.id }, include: { supporter: true } })).supporter.anonymisedAt).not.toBeNull();
    expect((await rollupsAndFullCounts(db(), campaign.id)).rollups).toEqual(before.rollups);
  });

  it('leaves open and recently closed campaigns alone', async () => {
    const recent = await createCampaign(db());
    const who = person('recent');
    await signAs(recent, who);
    await db().$executeRaw`UPDATE campaigns SET status = 'closed', closed_at = now() - interval '179 days' WHERE id = ${recent.id}::uuid`;
    const run = await runRetention(staffContext(stack.api.platform, null));
    expect(run.campaigns[recent.slug]).toBeUndefined();
    const kept = await db().signature.findFirstOrThrow({ where: { campaignId: recent.id }, include: { supporter: true } });
    expect(kept.cityEncrypted).not.toBeNull();
    expect(kept.supporter.anonymisedAt).toBeNull();
    expect(openPersonalData(stack.api.platform, kept.supporter.emailEncrypted, SEALED.supporterEmail, kept.supporterId)).toBe(who.email);
  });

  it('refuses bad input with problem+json and changes nothing', async () => {
    const campaign = await createCampaign(db());
    const auditsBefore = await db().auditEvent.count({ where: { action: 'retention.run' } });
    const cases = [
      await api(editor, 'GET', '/api/admin/retention/preview?campaign=x'),
      await api(owner, 'POST', '/api/admin/retention/run', { dryRun: true }),
      await api(owner, 'POST', '/api/admin/retention/run', []),
      await fetch(`${stack.api.url}/api/admin/retention/run`, { method: 'POST', headers: { ...as(owner), 'content-type': 'text/plain' }, body: 'run' }).then(
        async (r) => ({ status: r.status, headers: r.headers, text: await r.text() }),
      ),
      await api(editor, 'POST', '/api/admin/retention/run'),
      await call(stack.api.url, 'POST', '/api/admin/retention/run'),
      await call(stack.api.url, 'GET', '/api/admin/retention/preview'),
      await api(editor, 'PATCH', `/api/admin/campaigns/${campaign.slug}`, { retentionDays: 0 }),
      await api(editor, 'PATCH', `/api/admin/campaigns/${campaign.slug}`, { retentionDays: 'soon' }),
      await api(editor, 'PATCH', `/api/admin/campaigns/${campaign.slug}`, { retentionDays: 1.5 }),
      await api(editor, 'PATCH', `/api/admin/campaigns/${campaign.slug}`, { retentionDays: 100_000 }),
    ];
    expect(cases.map((c) => c.status)).toEqual([400, 400, 400, 415, 403, 401, 401, 400, 400, 400, 400]);
    for (const c of cases) expect(c.headers.get('content-type')).toContain('application/problem+json');
    expect(await db().auditEvent.count({ where: { action: 'retention.run' } })).toBe(auditsBefore);
    expect((await db().campaign.findUniqueOrThrow({ where: { id: campaign.id } })).retentionDays).toBe(180);

    // Reopening clears closed_at; closing again restarts the clock.
    await api(editor, 'PATCH', `/api/admin/campaigns/${campaign.slug}`, { status: 'closed' });
    expect((await db().campaign.findUniqueOrThrow({ where: { id: campaign.id } })).closedAt).not.toBeNull();
    const reopened = await api(editor, 'PATCH', `/api/admin/campaigns/${campaign.slug}`, { status: 'live' });
    expect(reopened.json).toMatchObject({ status: 'live', closedAt: null, retentionDays: 180 });
  });
});
