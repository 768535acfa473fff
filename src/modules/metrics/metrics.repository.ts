import { z } from 'zod';
import type { DbClient, PgPool } from '../../platform/db';
import { sql, sqlRow, sqlRows } from '../../platform/sql-rows';

/**
 * Every query of the metrics module. Counts come from `campaign_counters` and the rollups
 * `signature_rollups_country`, `_source` and `_hourly` (exact, kept in the signing transaction),
 * never from a scan of signatures. Each figure reads its own table, so it sums at most 16 slots
 * per country, source or hour.
 * The letter figures read `letters` grouped by status: the (status, campaign_id) and
 * (campaign_id, supporter_id, target_id) indexes serve them; a letters rollup is the next step if
 * a campaign's letters grow into the millions.
 */

export function findCampaignForMetrics(db: DbClient, slug: string) {
  return db.campaign.findUnique({
    where: { slug },
    select: {
      id: true,
      slug: true,
      title: true,
      status: true,
      statement: true,
      sourceOrganisation: true,
      sourceUrl: true,
      statementDate: true,
      signatureGoal: true,
      countPendingPublicly: true,
      demands: { select: { title: true, quote: true }, orderBy: { position: 'asc' } },
    },
  });
}

const rollupTotals = { signed: sql.int, confirmed: sql.int, invalidated: sql.int };
export type RollupTotals = { signed: number; confirmed: number; invalidated: number };

const CountryRow = z.strictObject({ country: sql.text, ...rollupTotals });
const SourceRow = z.strictObject({ source: sql.text, utm_source: sql.text, utm_medium: sql.text, utm_campaign: sql.text, ...rollupTotals });
const SeriesRow = z.strictObject({ start: sql.timestamp, local: sql.text, ...rollupTotals });
const StatusCountRow = z.strictObject({ status: sql.text, n: sql.int });
const DelegationCountRow = z.strictObject({ iso2: sql.text, country: sql.text, status: sql.text, n: sql.int });
const CountRow = z.strictObject({ n: sql.int });
const TotalsRow = z.strictObject({ pending: sql.int, confirmed: sql.int, invalidated: sql.int });
const LagRow = z.strictObject({ n: sql.int, oldest: sql.timestamp.nullable() });
const IpHashRow = z.strictObject({ ip_hash: sql.text.nullable(), signatures: sql.int, invalidated: sql.int });
const EmailDomainRow = z.strictObject({ email_domain: sql.text, signatures: sql.int, invalidated: sql.int });
const OwedRow = z.strictObject({ kind: sql.text, age: z.enum(['1-5m', '5-15m', '15-60m', '1h+']), n: sql.int, oldest: z.number() });

export async function rollupsByCountry(db: DbClient, campaignId: string) {
  return sqlRows(db, CountryRow)`
    SELECT country, sum(signed)::int AS signed, sum(confirmed)::int AS confirmed, sum(invalidated)::int AS invalidated
    FROM signature_rollups_country WHERE campaign_id = ${campaignId}::uuid
    GROUP BY country ORDER BY sum(signed) - sum(invalidated) DESC, country`;
}

export async function rollupsBySource(db: DbClient, campaignId: string, limit = 200) {
  return sqlRows(db, SourceRow)`
    SELECT source, utm_source, utm_medium, utm_campaign,
      sum(signed)::int AS signed, sum(confirmed)::int AS confirmed, sum(invalidated)::int AS invalidated
    FROM signature_rollups_source WHERE campaign_id = ${campaignId}::uuid
    GROUP BY source, utm_source, utm_medium, utm_campaign
    ORDER BY sum(signed) - sum(invalidated) DESC, source, utm_source, utm_medium, utm_campaign LIMIT ${limit}`;
}

/**
 * Buckets of local wall time in `tz`: the UTC hours of the hourly rollups are grouped by the local hour or
 * day they fall in, and buckets without signatures come out as zeros. `to` is exclusive. (At a
 * daylight-saving change, an hour bucket holds the two UTC hours that share a local hour, and the
 * skipped local hour is an empty bucket.)
 */
export async function rollupSeries(db: DbClient, campaignId: string, bucket: 'hour' | 'day', from: Date, to: Date, tz: string) {
  const step = bucket === 'hour' ? '1 hour' : '1 day';
  return sqlRows(db, SeriesRow)`
    WITH bounds AS (
      SELECT date_trunc(${bucket}::text, ${from}::timestamptz AT TIME ZONE ${tz}::text) AS first_local,
             date_trunc(${bucket}::text, (${to}::timestamptz - interval '1 microsecond') AT TIME ZONE ${tz}::text) AS last_local
    ), buckets AS (
      SELECT generate_series(first_local, last_local, ${step}::interval) AS local_start FROM bounds
    ), hours AS (
      -- Slots summed first, so the time zone conversion below runs once per hour, not per row.
      SELECT r.hour, sum(r.signed) AS signed, sum(r.confirmed) AS confirmed, sum(r.invalidated) AS invalidated
      FROM signature_rollups_hourly r, bounds b
      WHERE r.campaign_id = ${campaignId}::uuid
        AND r.hour >= (b.first_local AT TIME ZONE ${tz}::text)
        AND r.hour < ((b.last_local + ${step}::interval) AT TIME ZONE ${tz}::text)
      GROUP BY r.hour
    ), sums AS (
      SELECT date_trunc(${bucket}::text, h.hour AT TIME ZONE ${tz}::text) AS local_start,
        sum(h.signed)::int AS signed, sum(h.confirmed)::int AS confirmed, sum(h.invalidated)::int AS invalidated
      FROM hours h GROUP BY 1
    )
    SELECT (k.local_start AT TIME ZONE ${tz}::text) AS start,
      to_char(k.local_start, ${bucket === 'hour' ? 'YYYY-MM-DD"T"HH24:00' : 'YYYY-MM-DD'}::text) AS local,
      coalesce(s.signed, 0)::int AS signed, coalesce(s.confirmed, 0)::int AS confirmed, coalesce(s.invalidated, 0)::int AS invalidated
    FROM buckets k LEFT JOIN sums s ON s.local_start = k.local_start
    ORDER BY k.local_start`;
}

export async function letterCountsByStatus(db: DbClient, campaignId?: string) {
  return campaignId
    ? sqlRows(db, StatusCountRow)`
        SELECT status::text AS status, count(*)::int AS n FROM letters WHERE campaign_id = ${campaignId}::uuid GROUP BY status`
    : sqlRows(db, StatusCountRow)`SELECT status::text AS status, count(*)::int AS n FROM letters GROUP BY status`;
}

export async function letterCountsByDelegation(db: DbClient, campaignId: string) {
  return sqlRows(db, DelegationCountRow)`
    SELECT t.iso2, t.country, l.status::text AS status, count(*)::int AS n
    FROM letters l JOIN targets t ON t.id = l.target_id
    WHERE l.campaign_id = ${campaignId}::uuid
    GROUP BY t.iso2, t.country, l.status ORDER BY t.iso2, l.status`;
}

/** Supporters whose signature counts and who wrote at least one letter that was not withdrawn. */
export async function countLetterWriters(db: DbClient, campaignId: string): Promise<number> {
  const row = await sqlRow(db, CountRow)`
    SELECT count(DISTINCT l.supporter_id)::int AS n
    FROM letters l JOIN signatures s ON s.campaign_id = l.campaign_id AND s.supporter_id = l.supporter_id
    WHERE l.campaign_id = ${campaignId}::uuid AND l.status <> 'cancelled' AND s.status <> 'invalidated'`;
  return row?.n ?? 0;
}

export async function signatureTotals(db: DbClient) {
  const row = await sqlRow(db, TotalsRow)`
    SELECT coalesce(sum(pending), 0)::int AS pending, coalesce(sum(confirmed), 0)::int AS confirmed, coalesce(sum(invalidated), 0)::int AS invalidated
    FROM campaign_counters`;
  return row ?? { pending: 0, confirmed: 0, invalidated: 0 };
}

/** Unrelayed outbox rows and the age of the oldest (the partial index on unrelayed ids serves it). */
export async function outboxLag(db: DbClient) {
  const row = await sqlRow(db, LagRow)`
    SELECT count(*)::int AS n, min(created_at) AS oldest FROM outbox_events WHERE relayed_at IS NULL`;
  return { unrelayed: row?.n ?? 0, lagSeconds: row?.oldest ? Math.max(0, (Date.now() - row.oldest.getTime()) / 1000) : 0 };
}

// ─── Exports ───

export interface SignatureFilters {
  campaignId: string;
  state: 'confirmed' | 'pending' | 'invalidated' | 'all';
  country?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
}

/**
 * Export pages are read through the pool under Prisma, not the ORM: a million rows through Prisma's
 * row decoding cost more than the query. Every column comes back as PostgreSQL's text (no Date or
 * boolean objects to make and throw away). The time columns are `timestamp(3)` holding UTC, so
 * PostgreSQL prints them exactly as `Date#toISOString` would, whatever the session's time zone.
 */
const asText = { getTypeParser: () => (value: string) => value };
const iso = (column: string) => `to_char(${column}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** Where the next page starts: the last row's created_at as PostgreSQL prints it and its id. */
export interface ExportCursor {
  cursor: string;
  id: string;
}

/** A page of export rows as arrays of text cells, and where the next page would start. */
export interface ExportPage {
  rows: Array<Array<string | null>>;
  last: ExportCursor | null;
}

async function exportPage(pool: PgPool, text: string, values: unknown[]): Promise<ExportPage> {
  const result = await pool.query<Array<string | null>>({ text, values, rowMode: 'array', types: asText });
  const rows = result.rows;
  const lastRow = rows[rows.length - 1];
  // The two leading columns are the keyset (id, created_at::text); callers see what follows them.
  return { rows, last: lastRow ? { id: lastRow[0]!, cursor: lastRow[1]! } : null };
}

/**
 * Cells of one page of signatures in (created_at, id) order after `after`, served by
 * (campaign_id, created_at): signed_at, confirmed_at, status, name (sealed), email (sealed), country,
 * city (sealed), comment (sealed), consent_updates ('t'/'f'), consent_wording_id, source, utm_*,
 * then the supporter's id (the row its name and email are sealed for; city and comment are the signature's).
 */
export function signaturePage(pool: PgPool, f: SignatureFilters, after: ExportCursor | null, limit: number): Promise<ExportPage> {
  const values: unknown[] = [f.campaignId, f.state === 'all' ? null : f.state, f.country ?? null, f.from ?? null, f.to ?? null, limit];
  let afterClause = '';
  if (after) {
    values.push(after.cursor, after.id);
    afterClause = 'AND (s.created_at, s.id) > ($7::timestamp, $8::uuid)';
  }
  return exportPage(
    pool,
    `
    SELECT s.id, s.created_at::text, ${iso('s.created_at')}, ${iso('s.confirmed_at')}, s.status::text,
      p.name_encrypted, p.email_encrypted, s.country, s.city_encrypted, s.comment_encrypted,
      s.consent_updates, s.consent_wording_id, s.source, s.utm_source, s.utm_medium, s.utm_campaign, p.id
    FROM signatures s JOIN supporters p ON p.id = s.supporter_id
    WHERE s.campaign_id = $1::uuid
      AND ($2::text IS NULL OR s.status::text = $2::text)
      AND ($3::text IS NULL OR s.country = $3::text)
      AND ($4::timestamptz IS NULL OR s.created_at >= $4::timestamptz)
      AND ($5::timestamptz IS NULL OR s.created_at < $5::timestamptz)
      ${afterClause}
    ORDER BY s.created_at, s.id LIMIT $6`,
    values,
  );
}

/**
 * Cells of one page of a campaign's letters in (created_at, id) order: created_at, iso2, delegation,
 * status, attempts, queued_at, sent_at, failed_at, last_smtp_response, review_reason, name (sealed), supporter id.
 */
export function letterPage(pool: PgPool, campaignId: string, after: ExportCursor | null, limit: number): Promise<ExportPage> {
  const values: unknown[] = [campaignId, limit];
  let afterClause = '';
  if (after) {
    values.push(after.cursor, after.id);
    afterClause = 'AND (l.created_at, l.id) > ($3::timestamp, $4::uuid)';
  }
  return exportPage(
    pool,
    `
    SELECT l.id, l.created_at::text, ${iso('l.created_at')}, t.iso2, t.mission_name, l.status::text, l.attempts,
      ${iso('l.queued_at')}, ${iso('l.sent_at')}, ${iso('l.failed_at')}, l.last_smtp_response, l.review_reason, p.name_encrypted, p.id
    FROM letters l JOIN targets t ON t.id = l.target_id JOIN supporters p ON p.id = l.supporter_id
    WHERE l.campaign_id = $1::uuid ${afterClause}
    ORDER BY l.created_at, l.id LIMIT $2`,
    values,
  );
}

// ─── Fraud clean-up ───
// Both read a window of signatures index-only through (campaign_id, created_at) INCLUDE
// (ip_hash, email_domain, status). Hashes are encoded for the answer only (the busiest 50, not
// every group); bytes sort as their hex does.

export async function busiestIpHashes(db: DbClient, campaignId: string, since: Date, limit = 50) {
  return sqlRows(db, IpHashRow)`
    SELECT encode(ip_hash, 'hex') AS ip_hash, signatures, invalidated FROM (
      SELECT ip_hash, count(*)::int AS signatures, count(*) FILTER (WHERE status = 'invalidated')::int AS invalidated
      FROM signatures WHERE campaign_id = ${campaignId}::uuid AND created_at >= ${since}::timestamptz
      GROUP BY ip_hash ORDER BY count(*) DESC, ip_hash LIMIT ${limit}
    ) busiest ORDER BY signatures DESC, busiest.ip_hash`;
}

export async function busiestEmailDomains(db: DbClient, campaignId: string, since: Date, limit = 50) {
  return sqlRows(db, EmailDomainRow)`
    SELECT email_domain, count(*)::int AS signatures, count(*) FILTER (WHERE status = 'invalidated')::int AS invalidated
    FROM signatures WHERE campaign_id = ${campaignId}::uuid AND created_at >= ${since}::timestamptz
    GROUP BY email_domain ORDER BY count(*) DESC, email_domain LIMIT ${limit}`;
}

/** Owed work counts as overdue once it has waited this long past when it was due. */
export const OWED_OVERDUE_AFTER_SECONDS = 60;
export const OWED_AGE_BUCKETS = ['1-5m', '5-15m', '15-60m', '1h+'] as const;

/**
 * Outbox rows whose job has not recorded completion (owed work), due more than a minute ago, by
 * job name and age since due: a stuck pipeline (Redis lost jobs, SMTP down, no worker) shows here
 * before supporters notice. Reads only the owed rows' partial index (`outbox_events_owed_idx`).
 */
export async function overdueOwedWork(db: DbClient) {
  const rows = await sqlRows(db, OwedRow)`
    SELECT job_name AS kind,
      CASE WHEN waited < 300 THEN '1-5m' WHEN waited < 900 THEN '5-15m' WHEN waited < 3600 THEN '15-60m' ELSE '1h+' END AS age,
      count(*)::int AS n, max(waited)::float8 AS oldest
    FROM (SELECT job_name, extract(epoch FROM now() - greatest(created_at, coalesce(run_at, created_at))) AS waited
          FROM outbox_events WHERE completed_at IS NULL) owed
    WHERE waited >= ${OWED_OVERDUE_AFTER_SECONDS}
    GROUP BY 1, 2`;
  const byKind = new Map<string, { kind: string; overdue: number; oldestSeconds: number; byAge: Record<(typeof OWED_AGE_BUCKETS)[number], number> }>();
  for (const row of rows) {
    const entry = byKind.get(row.kind) ?? { kind: row.kind, overdue: 0, oldestSeconds: 0, byAge: { '1-5m': 0, '5-15m': 0, '15-60m': 0, '1h+': 0 } };
    entry.overdue += row.n;
    entry.oldestSeconds = Math.max(entry.oldestSeconds, Math.round(row.oldest));
    entry.byAge[row.age] = row.n;
    byKind.set(row.kind, entry);
  }
  return [...byKind.values()].sort((a, b) => a.kind.localeCompare(b.kind));
}
