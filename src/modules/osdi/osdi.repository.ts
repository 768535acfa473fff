import { z } from 'zod';
import { Prisma, type DbClient } from '../../platform/db';
import { sql, sqlRows } from '../../platform/sql-rows';
import type { TimeWindow } from './osdi.query';

/**
 * The OSDI API's reads. It owns no table: it reads campaigns, signatures and supporters as the
 * export does, read-only, and what it may show is decided here once: only campaigns that were
 * published, only confirmed signatures (a pending one may be someone else's address), and no
 * retention stand-in or erased supporter (erasure deletes the rows, so they are simply gone).
 * Each collection is ordered by (modified, id), so a client syncing with `modified_date gt`
 * meets a changed record again at the end rather than losing its place.
 */

/** `timestamp(3)` columns hold UTC; a Date goes in as its UTC text (the zone of a cast is ignored). */
const at = (date: Date) => date.toISOString();

/**
 * `filter=modified_date gt '…'` and its siblings, for any collection: `modified` and `created` are
 * the collection's expressions for the two dates. Only the bounds given become conditions.
 */
export function withinWindow(window: TimeWindow, columns: { modified: Prisma.Sql; created: Prisma.Sql }): Prisma.Sql {
  const bounds: Array<[Date | null, Prisma.Sql, '>' | '<']> = [
    [window.modifiedAfter, columns.modified, '>'],
    [window.modifiedBefore, columns.modified, '<'],
    [window.createdAfter, columns.created, '>'],
    [window.createdBefore, columns.created, '<'],
  ];
  const conditions = bounds.flatMap(([date, column, op]) => (date ? [Prisma.sql`${column} ${Prisma.raw(op)} ${at(date)}::timestamp`] : []));
  return conditions.length ? Prisma.sql`AND ${Prisma.join(conditions, ' AND ')}` : Prisma.empty;
}

const PetitionRow = z.strictObject({
  id: sql.uuid,
  slug: sql.text,
  title: sql.text,
  summary: sql.text.nullable(),
  statement: sql.text,
  status: sql.text,
  created_at: sql.timestamp,
  updated_at: sql.timestamp,
  confirmed: z.number(),
  demands: z.array(z.strictObject({ title: z.string(), quote: z.string() })),
  /** The consent wording the form shows now: what a client collecting signatures must show too. */
  consent: z.strictObject({ wording: z.string(), text: z.string() }).nullable(),
});
export type PetitionRow = z.infer<typeof PetitionRow>;

export async function listPetitions(db: DbClient, window: TimeWindow, limit: number, offset: number, id: string | null = null) {
  const rows = await sqlRows(db, PetitionRow.extend({ total: z.number() }))`
    SELECT c.id, c.slug, c.title, c.summary, c.statement, c.status::text AS status, c.created_at, c.updated_at,
      coalesce((SELECT sum(k.confirmed)::int FROM campaign_counters k WHERE k.campaign_id = c.id), 0) AS confirmed,
      coalesce((SELECT json_agg(json_build_object('title', d.title, 'quote', d.quote) ORDER BY d.position) FROM demands d WHERE d.campaign_id = c.id), '[]'::json) AS demands,
      (SELECT json_build_object('wording', w.id, 'text', w.text) FROM consent_wordings w WHERE w.campaign_id = c.id AND w.current ORDER BY w.created_at DESC LIMIT 1) AS consent,
      count(*) OVER ()::int AS total
    FROM campaigns c
    WHERE c.status <> 'draft' AND (${id}::uuid IS NULL OR c.id = ${id}::uuid)
      ${withinWindow(window, { modified: Prisma.sql`c.updated_at`, created: Prisma.sql`c.created_at` })}
    ORDER BY c.updated_at, c.id LIMIT ${limit} OFFSET ${offset}`;
  return page(rows);
}

const SignatureRow = z.strictObject({
  id: sql.uuid,
  campaign_id: sql.uuid,
  supporter_id: sql.uuid,
  /** A retention stand-in: the signature still counts, but names nobody. */
  anonymous: sql.bool,
  created_at: sql.timestamp,
  updated_at: sql.timestamp,
  source: sql.text.nullable(),
  utm_source: sql.text.nullable(),
  utm_medium: sql.text.nullable(),
  utm_campaign: sql.text.nullable(),
  partner: sql.text.nullable(),
  comment_encrypted: sql.text.nullable(),
});
export type SignatureRow = z.infer<typeof SignatureRow>;

export async function listSignatures(
  db: DbClient,
  scope: { campaignId: string | null; supporterId: string | null; id: string | null },
  window: TimeWindow,
  limit: number,
  offset: number,
) {
  const rows = await sqlRows(db, SignatureRow.extend({ total: z.number() }))`
    SELECT s.id, s.campaign_id, s.supporter_id, (p.anonymised_at IS NOT NULL) AS anonymous, s.created_at, s.updated_at,
      s.source, s.utm_source, s.utm_medium, s.utm_campaign, s.partner, s.comment_encrypted,
      count(*) OVER ()::int AS total
    FROM signatures s
    JOIN campaigns c ON c.id = s.campaign_id AND c.status <> 'draft'
    JOIN supporters p ON p.id = s.supporter_id
    WHERE s.status = 'confirmed'
      AND (${scope.campaignId}::uuid IS NULL OR s.campaign_id = ${scope.campaignId}::uuid)
      AND (${scope.supporterId}::uuid IS NULL OR (s.supporter_id = ${scope.supporterId}::uuid AND p.anonymised_at IS NULL))
      AND (${scope.id}::uuid IS NULL OR s.id = ${scope.id}::uuid)
      ${withinWindow(window, { modified: Prisma.sql`s.updated_at`, created: Prisma.sql`s.created_at` })}
    ORDER BY s.updated_at, s.id LIMIT ${limit} OFFSET ${offset}`;
  return page(rows);
}

const PersonRow = z.strictObject({
  id: sql.uuid,
  created_at: sql.timestamp,
  updated_at: sql.timestamp,
  email_encrypted: sql.text,
  name_encrypted: sql.text,
  /** Agreed to updates on some petition and has not withdrawn. */
  subscribed: sql.bool,
  suppressed: sql.text.nullable(),
  country: sql.text.nullable(),
  city_signature_id: sql.uuid.nullable(),
  city_encrypted: sql.text.nullable(),
});
export type PersonRow = z.infer<typeof PersonRow>;

/**
 * People: supporters with a confirmed signature. Their modified time is the latest of their own
 * row, their signatures (an unsubscribe moves a signature) and a suppression of their address.
 */
export async function listPeople(db: DbClient, id: string | null, window: TimeWindow, limit: number, offset: number) {
  const rows = await sqlRows(db, PersonRow.extend({ total: z.number() }))`
    WITH people AS (
      SELECT p.id, p.created_at, greatest(p.updated_at, x.updated_at, m.created_at) AS updated_at, p.email_encrypted, p.name_encrypted,
        x.subscribed, m.reason AS suppressed, x.latest[1] AS country, x.city_ids[1] AS city_signature_id, x.cities[1] AS city_encrypted
      FROM supporters p
      JOIN LATERAL (
        SELECT max(s.updated_at) AS updated_at, bool_or(s.consent_updates AND s.updates_withdrawn_at IS NULL) AS subscribed,
          array_agg(s.country ORDER BY s.confirmed_at DESC) AS latest,
          array_agg(s.id ORDER BY s.confirmed_at DESC) FILTER (WHERE s.city_encrypted IS NOT NULL) AS city_ids,
          array_agg(s.city_encrypted ORDER BY s.confirmed_at DESC) FILTER (WHERE s.city_encrypted IS NOT NULL) AS cities
        FROM signatures s JOIN campaigns c ON c.id = s.campaign_id AND c.status <> 'draft'
        WHERE s.supporter_id = p.id AND s.status = 'confirmed'
      ) x ON x.updated_at IS NOT NULL
      LEFT JOIN mail_suppressions m ON m.email_hash = p.email_hash
      WHERE p.anonymised_at IS NULL AND (${id}::uuid IS NULL OR p.id = ${id}::uuid)
    )
    SELECT people.*, count(*) OVER ()::int AS total FROM people
    WHERE true
      ${withinWindow(window, { modified: Prisma.sql`people.updated_at`, created: Prisma.sql`people.created_at` })}
    ORDER BY updated_at, id LIMIT ${limit} OFFSET ${offset}`;
  return page(rows);
}

/**
 * Letters, as OSDI advocacy campaigns and outreaches. A `held` letter waits for its signing's
 * confirmation (its address may be someone else's), so it is nobody's letter yet and is not shown,
 * as a pending signature is not. Letters have no modified column: a letter's modified time is its
 * latest step (recorded, queued, sending, sent, failed).
 */
const LETTER_MODIFIED = Prisma.sql`greatest(l.created_at, l.queued_at, l.sending_at, l.sent_at, l.failed_at)`;

const AdvocacyCampaignRow = z.strictObject({
  id: sql.uuid,
  slug: sql.text,
  title: sql.text,
  summary: sql.text.nullable(),
  status: sql.text,
  created_at: sql.timestamp,
  updated_at: sql.timestamp,
  outreaches: z.number(),
  targets: z.array(z.strictObject({ iso2: z.string(), country: z.string(), organization: z.string() })),
  templates: z.array(z.strictObject({ language: z.string(), subject: z.string(), text: z.string() })),
});
export type AdvocacyCampaignRow = z.infer<typeof AdvocacyCampaignRow>;

/** Published campaigns with at least one letter shown; targets are the delegations written to. */
export async function listAdvocacyCampaigns(db: DbClient, id: string | null, window: TimeWindow, limit: number, offset: number) {
  const rows = await sqlRows(db, AdvocacyCampaignRow.extend({ total: z.number() }))`
    WITH a AS (
      SELECT c.id, c.slug, c.title, c.summary, c.status::text AS status, c.created_at, greatest(c.updated_at, x.activity) AS updated_at, x.outreaches,
        coalesce((SELECT json_agg(json_build_object('iso2', t.iso2, 'country', t.country, 'organization', t.mission_name) ORDER BY t.iso2)
          FROM targets t WHERE t.id IN (SELECT l.target_id FROM letters l WHERE l.campaign_id = c.id AND l.status <> 'held')), '[]'::json) AS targets,
        coalesce((SELECT json_agg(json_build_object('language', lt.language, 'subject', lt.subject, 'text', lt.text) ORDER BY lt.language)
          FROM letter_templates lt WHERE lt.campaign_id = c.id), '[]'::json) AS templates
      FROM campaigns c
      JOIN LATERAL (
        SELECT count(*)::int AS outreaches, max(${LETTER_MODIFIED}) AS activity FROM letters l WHERE l.campaign_id = c.id AND l.status <> 'held'
      ) x ON x.outreaches > 0
      WHERE c.status <> 'draft' AND (${id}::uuid IS NULL OR c.id = ${id}::uuid)
    )
    SELECT a.*, count(*) OVER ()::int AS total FROM a
    WHERE true ${withinWindow(window, { modified: Prisma.sql`a.updated_at`, created: Prisma.sql`a.created_at` })}
    ORDER BY a.updated_at, a.id LIMIT ${limit} OFFSET ${offset}`;
  return page(rows);
}

const OutreachRow = z.strictObject({
  id: sql.uuid,
  campaign_id: sql.uuid,
  supporter_id: sql.uuid,
  /** A retention stand-in's letter: it was sent, but names nobody. */
  anonymous: sql.bool,
  status: sql.text,
  language: sql.text.nullable(),
  created_at: sql.timestamp,
  updated_at: sql.timestamp,
  sent_at: sql.timestamp.nullable(),
  iso2: sql.text,
  country: sql.text,
  organization: sql.text,
  paragraph_encrypted: sql.text.nullable(),
});
export type OutreachRow = z.infer<typeof OutreachRow>;

export async function listOutreaches(db: DbClient, scope: { campaignId: string | null; id: string | null }, window: TimeWindow, limit: number, offset: number) {
  const rows = await sqlRows(db, OutreachRow.extend({ total: z.number() }))`
    WITH o AS (
      SELECT l.id, l.campaign_id, l.supporter_id, (p.anonymised_at IS NOT NULL) AS anonymous, l.status::text AS status, l.language,
        l.created_at, ${LETTER_MODIFIED} AS updated_at, l.sent_at, t.iso2::text AS iso2, t.country, t.mission_name AS organization, l.paragraph_encrypted
      FROM letters l
      JOIN campaigns c ON c.id = l.campaign_id AND c.status <> 'draft'
      JOIN targets t ON t.id = l.target_id
      JOIN supporters p ON p.id = l.supporter_id
      WHERE l.status <> 'held'
        AND (${scope.campaignId}::uuid IS NULL OR l.campaign_id = ${scope.campaignId}::uuid)
        AND (${scope.id}::uuid IS NULL OR l.id = ${scope.id}::uuid)
    )
    SELECT o.*, count(*) OVER ()::int AS total FROM o
    WHERE true ${withinWindow(window, { modified: Prisma.sql`o.updated_at`, created: Prisma.sql`o.created_at` })}
    ORDER BY o.updated_at, o.id LIMIT ${limit} OFFSET ${offset}`;
  return page(rows);
}

function page<Row extends { total: number }>(rows: Row[]): { rows: Array<Omit<Row, 'total'>>; total: number | null } {
  // Past the last page there are no rows to carry the total: the caller counts again (rarely).
  return { rows: rows.map(({ total: _total, ...row }) => row), total: rows[0]?.total ?? null };
}
