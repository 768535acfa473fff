import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { randomBytes, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { letterExport, neutraliseFormula, signatureExport } from '../../../src/modules/metrics/exports';
import { SEALED, sealPersonalData, type SealedColumn } from '../../../src/modules/supporters';
import { createCampaign, type TestCampaign } from '../../support/fixtures';
import { startTestApi, type TestApi } from '../../support/harness';

// The export reads pages through `pg` and writes CSV lines itself. These tests hold it to the bytes
// the first version wrote (rows through Prisma, cells through csv-stringify), across page boundaries.

const TOKEN = 'e'.repeat(40);
const auth = { authorization: `Bearer ${TOKEN}` };
let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ RATE_LIMIT_ENABLED: 'false', ADMIN_API_TOKEN: TOKEN });
});
afterAll(async () => {
  await api.close();
});

const NASTY = [
  '=HYPERLINK("http://evil")',
  '+1 from me',
  '-minus',
  '@at',
  '\tTab',
  '\rCR first',
  'a, comma',
  'a "quote"',
  'two\nlines',
  'crlf\r\nend',
  'Айгерим Нұрланова',
  'emoji 🕊️',
  ' spaced ',
  '',
  "'already quoted",
  'plain',
];

/** A supporter and signature written straight to the tables, so times, ties and odd values are ours to choose. */
async function insertSignature(campaign: TestCampaign, i: number, createdAt: string, overrides: { status?: string; country?: string | null } = {}) {
  const { db } = api.platform;
  const text = (n: number) => NASTY[(i + n) % NASTY.length]!;
  const supporterId = randomUUID();
  const signatureId = randomUUID();
  const seal = (value: string, column: SealedColumn, rowId: string) => sealPersonalData(api.platform, value, column, rowId);
  await db.$executeRaw`INSERT INTO supporters (id, email_hash, email_encrypted, name_encrypted)
    VALUES (${supporterId}::uuid, ${randomBytes(32)}, ${seal(`${i}-${text(1)}@example.org`, SEALED.supporterEmail, supporterId)}, ${seal(text(0), SEALED.supporterName, supporterId)})`;
  const status = overrides.status ?? (i % 3 === 0 ? 'confirmed' : 'pending');
  const country = overrides.country === undefined ? (i % 4 === 0 ? null : i % 2 ? 'KZ' : 'FR') : overrides.country;
  await db.$executeRaw`INSERT INTO signatures (id, campaign_id, supporter_id, status, country, city_encrypted, comment_encrypted, email_domain,
      source, utm_source, utm_medium, utm_campaign, consent_updates, consent_wording_id, consented_at, created_at, confirmed_at)
    VALUES (${signatureId}::uuid, ${campaign.id}::uuid, ${supporterId}::uuid, ${status}::"SignatureStatus", ${country},
      ${i % 2 ? seal(text(2), SEALED.signatureCity, signatureId) : null}, ${i % 3 ? seal(text(3), SEALED.signatureComment, signatureId) : null}, 'example.org',
      ${i % 2 ? text(4) : null}, ${i % 5 ? text(5) : null}, ${i % 5 ? 'email' : null}, ${i % 5 ? '' : null}, ${i % 2 === 0}, ${campaign.wording},
      ${createdAt}::timestamp, ${createdAt}::timestamp, ${status === 'confirmed' ? `${createdAt.slice(0, 19)}.999` : null}::timestamp)`;
}

/** What the first version wrote: Prisma's rows, each cell neutralised, through csv-stringify. */
async function oracleSignatures(campaign: TestCampaign, filters: { state?: string; country?: string; from?: string; to?: string } = {}) {
  const state = filters.state === 'all' ? null : (filters.state ?? 'confirmed');
  const rows = await api.platform.db.$queryRaw<Array<Record<string, unknown>>>`
    SELECT s.id, p.id AS supporter_id, s.created_at, s.confirmed_at, s.status::text AS status, p.name_encrypted, p.email_encrypted, s.country,
      s.city_encrypted, s.comment_encrypted, s.consent_updates, s.consent_wording_id, s.source, s.utm_source, s.utm_medium, s.utm_campaign
    FROM signatures s JOIN supporters p ON p.id = s.supporter_id
    WHERE s.campaign_id = ${campaign.id}::uuid
      AND (${state}::text IS NULL OR s.status::text = ${state}::text)
      AND (${filters.country ?? null}::text IS NULL OR s.country = ${filters.country ?? null}::text)
      AND (${filters.from ? new Date(filters.from) : null}::timestamptz IS NULL OR s.created_at >= ${filters.from ? new Date(filters.from) : null}::timestamptz)
      AND (${filters.to ? new Date(filters.to) : null}::timestamptz IS NULL OR s.created_at < ${filters.to ? new Date(filters.to) : null}::timestamptz)
    ORDER BY s.created_at, s.id`;
  const open = (envelope: unknown, column: SealedColumn, rowId: unknown) =>
    envelope ? api.platform.cipher.open(envelope as string, column, rowId as string) : null;
  const records = rows.map((r) =>
    [
      r.created_at,
      r.confirmed_at,
      r.status,
      open(r.name_encrypted, SEALED.supporterName, r.supporter_id),
      open(r.email_encrypted, SEALED.supporterEmail, r.supporter_id),
      r.country,
      open(r.city_encrypted, SEALED.signatureCity, r.id),
      open(r.comment_encrypted, SEALED.signatureComment, r.id),
      r.consent_updates,
      r.consent_wording_id,
      r.source,
      r.utm_source,
      r.utm_medium,
      r.utm_campaign,
    ].map(oldCell),
  );
  const header =
    'signed_at,confirmed_at,status,name,email,country,city,comment,consent_updates,consent_wording,source,utm_source,utm_medium,utm_campaign'.split(',');
  return stringify(records, { header: true, columns: header });
}

function oldCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return neutraliseFormula(String(value));
}

async function collect(write: (out: NodeJS.WritableStream) => Promise<unknown>): Promise<string> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  await write(sink);
  return Buffer.concat(chunks).toString('utf8');
}

describe('signature export bytes', () => {
  let campaign: TestCampaign;
  beforeAll(async () => {
    campaign = await createCampaign(api.platform.db);
    // Ties on created_at (the id decides), milliseconds at both ends, and more rows than a small page.
    const times = [
      '2026-03-01 10:00:00',
      '2026-03-01 10:00:00',
      '2026-03-01 10:00:00',
      '2026-03-01 10:00:00.001',
      '2026-03-01 10:00:00.999',
      '2026-03-02 23:59:59.999',
      '2026-03-03 00:00:00',
      '2026-03-03 00:00:00',
      '2026-03-04 12:34:56.789',
      '2026-03-05 01:02:03.040',
      '2026-03-05 01:02:03.040',
    ];
    for (const [i, t] of times.entries()) await insertSignature(campaign, i, t);
    for (let i = times.length; i < 32; i += 1)
      await insertSignature(campaign, i, `2026-03-${String(6 + (i % 20)).padStart(2, '0')} 08:00:00.${String(i * 7).padStart(3, '0')}`);
  });

  it.each([1, 2, 3, 7, 32, 33, 5000])("writes what csv-stringify wrote over the ORM's rows, in pages of %i", async (pageSize) => {
    const expected = await oracleSignatures(campaign, { state: 'all' });
    const exporter = await signatureExport(api.platform, campaign.slug, { state: 'all' }, { pageSize });
    const written = await collect((out) => exporter.writeTo(out));
    expect(written).toBe(expected);
    expect(parse(written)).toHaveLength(33); // the header and 32 rows
    expect(written).toContain('"\'=HYPERLINK(""http://evil"")"');
    expect(written).toContain('"two\nlines"');
    expect(written).toContain('"\'\rCR first"');
  });

  it('keeps to the filters across pages', async () => {
    for (const filters of [
      { state: 'pending' as const, country: 'KZ' },
      { state: 'confirmed' as const },
      { state: 'all' as const, from: '2026-03-01T10:00:00.001Z', to: '2026-03-05T01:02:03.040Z' },
    ]) {
      const exporter = await signatureExport(api.platform, campaign.slug, filters, { pageSize: 2 });
      let result: { rows: number } = { rows: -1 };
      const written = await collect(async (out) => {
        result = await exporter.writeTo(out);
      });
      const expected = await oracleSignatures(campaign, filters);
      expect(written).toBe(expected);
      expect(result.rows).toBe(parse(expected).length - 1);
      expect(result.rows).toBeGreaterThan(0);
    }
  });

  it('answers over HTTP with the same bytes the manifest hashes', async () => {
    const response = await fetch(`${api.url}/api/admin/campaigns/${campaign.slug}/signatures.csv?state=all`, { headers: auth });
    expect(response.status).toBe(200);
    const body = await response.text();
    expect(body).toBe(await oracleSignatures(campaign, { state: 'all' }));
    const manifest = (await (
      await fetch(`${api.url}/api/admin/campaigns/${campaign.slug}/delivery-package/manifest.json?state=all`, { headers: auth })
    ).json()) as { rows: number; sha256: string };
    const { createHash } = await import('node:crypto');
    expect(manifest.rows).toBe(32);
    expect(manifest.sha256).toBe(createHash('sha256').update(body).digest('hex'));
  });

  it('answers 400 to a bad filter, not 500', async () => {
    for (const query of ['state=everything', 'country=Kazakhstan', 'from=yesterday', 'from=2026-02-30T00:00:00Z', 'to=2026-13-01T00:00:00Z', 'page=2']) {
      const response = await fetch(`${api.url}/api/admin/campaigns/${campaign.slug}/signatures.csv?${query}`, { headers: auth });
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
    }
  });
});

describe('letter export bytes', () => {
  it("writes what csv-stringify wrote over the ORM's rows, across pages", async () => {
    const campaign = await createCampaign(api.platform.db);
    const { db } = api.platform;
    const [target] = await db.$queryRaw<Array<{ id: string }>>`
      INSERT INTO targets (iso2, country, un_group, mission_name, salutation, updated_at)
      VALUES ('Q' || chr(65 + (random() * 25)::int), 'Testland', 'WEOG', 'Mission of "Testland", Geneva', 'Excellency', now()) RETURNING id`;
    for (let i = 0; i < 5; i += 1) {
      await insertSignature(campaign, i, `2026-04-0${i + 1} 09:00:00.${i}00`);
      const [attempt] = await db.$queryRaw<Array<{ id: string; supporter_id: string }>>`
        INSERT INTO signing_attempts (campaign_id, signature_id) SELECT campaign_id, id FROM signatures WHERE campaign_id = ${campaign.id}::uuid ORDER BY created_at DESC LIMIT 1
        RETURNING id, (SELECT supporter_id FROM signatures WHERE id = signature_id) AS supporter_id`;
      await db.$executeRaw`INSERT INTO letters (campaign_id, supporter_id, target_id, attempt_id, status, attempts, last_smtp_response, review_reason, created_at, queued_at, sent_at, failed_at)
        VALUES (${campaign.id}::uuid, ${attempt!.supporter_id}::uuid, ${target!.id}::uuid, ${attempt!.id}::uuid, ${i % 2 ? 'sent' : 'failed'}::"LetterStatus", ${i},
          ${i % 2 ? '250 OK' : '550 "no", really'}, ${i === 3 ? '=cmd' : null}, ${'2026-04-01 10:00:00'}::timestamp,
          ${`2026-04-01 10:00:0${i}.123`}::timestamp, ${i % 2 ? '2026-04-01 10:01:00.5' : null}::timestamp, ${i % 2 ? null : '2026-04-01 10:02:00'}::timestamp)`;
    }
    const rows = await db.$queryRaw<Array<Record<string, unknown>>>`
      SELECT l.created_at, t.iso2, t.mission_name AS delegation, l.status::text AS status, l.attempts,
        l.queued_at, l.sent_at, l.failed_at, l.last_smtp_response, l.review_reason, p.name_encrypted, p.id AS supporter_id
      FROM letters l JOIN targets t ON t.id = l.target_id JOIN supporters p ON p.id = l.supporter_id
      WHERE l.campaign_id = ${campaign.id}::uuid ORDER BY l.created_at, l.id`;
    const expected = stringify(
      rows.map((r) =>
        [
          r.created_at,
          r.iso2,
          r.delegation,
          r.status,
          r.attempts,
          r.queued_at,
          r.sent_at,
          r.failed_at,
          r.last_smtp_response,
          r.review_reason,
          api.platform.cipher.open(r.name_encrypted as string, SEALED.supporterName, r.supporter_id as string),
        ].map(oldCell),
      ),
      {
        header: true,
        columns: 'created_at,delegation_iso2,delegation,status,attempts,queued_at,sent_at,failed_at,last_smtp_response,review_reason,supporter_name'.split(','),
      },
    );
    for (const pageSize of [2, 5, 5000]) {
      const exporter = await letterExport(api.platform, campaign.slug, { pageSize });
      expect(await collect((out) => exporter.writeTo(out))).toBe(expected);
    }
    expect(parse(expected)).toHaveLength(6);
  });
});

describe('a client that goes away mid-export', () => {
  it('stops the export and leaves no connection checked out', async () => {
    const campaign = await createCampaign(api.platform.db);
    const { db } = api.platform;
    // 60,000 rows: twelve full pages and an empty one, if nothing stopped it.
    // Envelopes are bound to their row: each supporter gets its own.
    const ids = Array.from({ length: 60000 }, () => randomUUID());
    const names = ids.map((id) => sealPersonalData(api.platform, 'A Supporter', SEALED.supporterName, id));
    const emails = ids.map((id) => sealPersonalData(api.platform, 'a.supporter@example.org', SEALED.supporterEmail, id));
    await db.$executeRaw`INSERT INTO supporters (id, email_hash, email_encrypted, name_encrypted)
      SELECT u.id, decode(md5('e' || ${campaign.id} || u.i) || md5('h' || u.i), 'hex'), u.email, u.name
      FROM unnest(${ids}::uuid[], ${emails}::text[], ${names}::text[]) WITH ORDINALITY AS u(id, email, name, i)`;
    await db.$executeRaw`INSERT INTO signatures (campaign_id, supporter_id, status, email_domain, consent_updates, consent_wording_id, consented_at, created_at)
      SELECT ${campaign.id}::uuid, u.id, 'confirmed', 'example.org', true, ${campaign.wording}, now(), now() - u.i * interval '1 second'
      FROM unnest(${ids}::uuid[]) WITH ORDINALITY AS u(id, i)`;

    const { pool } = api.platform;
    let checkouts = 0;
    const count = () => {
      checkouts += 1;
    };
    pool.on('acquire', count);
    const controller = new AbortController();
    const response = await fetch(`${api.url}/api/admin/campaigns/${campaign.slug}/signatures.csv`, { headers: auth, signal: controller.signal });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    controller.abort();
    await reader.cancel().catch(() => undefined);

    // The server notices the closed socket, the page loop stops, and the page being read returns its connection.
    for (let i = 0; i < 100 && pool.totalCount - pool.idleCount > 0; i += 1) await new Promise((r) => setTimeout(r, 50));
    pool.off('acquire', count);
    expect(pool.totalCount - pool.idleCount).toBe(0);
    expect(pool.waitingCount).toBe(0);
    expect(checkouts).toBeLessThan(13); // the campaign lookup and the pages read before the loop stopped, not all 13
    const again = await fetch(`${api.url}/api/admin/campaigns/${campaign.slug}/metrics`, { headers: auth });
    expect(again.status).toBe(200);
  });
});
