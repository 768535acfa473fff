import { z } from 'zod';
import { Prisma, type DbClient } from '../../platform/db';
import { computeDeltas, STANDINGS, type LedgerDeltas, type LedgerSignature, type SourceKey, type Transition } from './signatures.deltas';

export { computeDeltas, TRANSITIONS, type LedgerSignature, type Standing, type Transition } from './signatures.deltas';

/**
 * The signature ledger: the one owner of what a change of signatures moves in the exact counters
 * and rollups. Every statement that makes, changes or deletes signatures returns its rows through
 * `ledgerColumns` (plus their standing before and after, as "from" and "to"), reads them with
 * `readLedgerRows` and hands them to `applyTransition` in the same transaction.
 */

/** Counters and rollups are slotted: a random slot spreads concurrent writers over rows; only sums mean anything. */
export const COUNTER_SLOTS = 16;

/**
 * The dimensions the ledger needs, in camelCase, from `alias` (a table or CTE with the signatures'
 * own column names). The alias is a constant of the calling statement, never input.
 */
export function ledgerColumns(alias: string): Prisma.Sql {
  const a = Prisma.raw(alias);
  return Prisma.sql`${a}.campaign_id::text AS "campaignId", ${a}.created_at AS "createdAt", ${a}.country, ${a}.source, ${a}.partner,
    ${a}.utm_source AS "utmSource", ${a}.utm_medium AS "utmMedium", ${a}.utm_campaign AS "utmCampaign"`;
}

const standing = z.enum(STANDINGS);
const ledgerRow = z.object({
  campaignId: z.string(),
  createdAt: z.date(),
  country: z.string().nullable(),
  source: z.string().nullable(),
  partner: z.string().nullable(),
  utmSource: z.string().nullable(),
  utmMedium: z.string().nullable(),
  utmCampaign: z.string().nullable(),
  from: standing,
  to: standing,
});

/** Checks rows at the edge, so a renamed column fails loudly instead of moving counts by undefined. */
export function readLedgerRows(rows: readonly unknown[]): LedgerSignature[] {
  return rows.map((row) => ledgerRow.parse(row));
}

/**
 * Moves counters and rollups for `signatures` (already changed, or about to be, in this transaction)
 * in one statement; when signatures leave (erase, expire), source keys left at zero are deleted too.
 */
export async function applyTransition(tx: DbClient, signatures: readonly LedgerSignature[], transition: Transition): Promise<LedgerDeltas> {
  const deltas = computeDeltas(signatures, transition);
  if (signatures.length === 0) return deltas;
  if (deltas.shrunkSources.length > 0) await serialiseShrinking(tx, deltas.shrunkSources);
  await moveCounts(tx, deltas);
  if (deltas.shrunkSources.length > 0) await dropEmptySources(tx, deltas.shrunkSources);
  return deltas;
}

const sourceKeyOf = (k: SourceKey) =>
  Prisma.sql`(${k.campaignId}::uuid, ${k.source}::text, ${k.utmSource}::text, ${k.utmMedium}::text, ${k.utmCampaign}::text)`;

/**
 * Changes that shrink a source key take turns on a transaction lock of the key: each then locks
 * all of the key's slot rows, which two of them doing at once could deadlock on. Signing never
 * shrinks a key, so it never waits for this lock.
 */
async function serialiseShrinking(tx: DbClient, keys: SourceKey[]): Promise<void> {
  await tx.$executeRaw`
    SELECT pg_advisory_xact_lock(h) FROM (
      SELECT DISTINCT hashtextextended(concat_ws('|', 'rollup-source', campaign_id, source, utm_source, utm_medium, utm_campaign), 0) AS h
      FROM (VALUES ${Prisma.join(keys.map(sourceKeyOf))}) AS k (campaign_id, source, utm_source, utm_medium, utm_campaign) ORDER BY h) AS locks`;
}

/**
 * A source key whose counts are all back to zero leaves the table: `source` and `utm_*` came from
 * a link, and once the last signature with them is gone nothing should remember them. Its slot
 * rows are locked first, so a concurrent signing cannot update one while it is deleted (a signing
 * that inserts a new slot row meanwhile keeps its row, and the sum stays right).
 */
async function dropEmptySources(tx: DbClient, keys: SourceKey[]): Promise<void> {
  const values = Prisma.join(keys.map(sourceKeyOf));
  await tx.$queryRaw`
    SELECT 1 FROM signature_rollups_source
    WHERE (campaign_id, source, utm_source, utm_medium, utm_campaign) IN (VALUES ${values})
    ORDER BY campaign_id, source, utm_source, utm_medium, utm_campaign, slot FOR UPDATE`;
  await tx.$executeRaw`
    DELETE FROM signature_rollups_source r USING (
      SELECT campaign_id, source, utm_source, utm_medium, utm_campaign FROM signature_rollups_source
      WHERE (campaign_id, source, utm_source, utm_medium, utm_campaign) IN (VALUES ${values})
      GROUP BY campaign_id, source, utm_source, utm_medium, utm_campaign
      HAVING sum(signed) = 0 AND sum(confirmed) = 0 AND sum(invalidated) = 0) AS empty
    WHERE (r.campaign_id, r.source, r.utm_source, r.utm_medium, r.utm_campaign) = (empty.campaign_id, empty.source, empty.utm_source, empty.utm_medium, empty.utm_campaign)`;
}

/**
 * Counters and the three rollup tables in one statement, so a signing pays one round trip for all
 * of them. Every writer sends this same statement, which takes the tables in one order (PostgreSQL
 * runs the main INSERT first, then the CTEs from the last up: source, country, hourly, counters)
 * and each table's rows sorted by key, with one slot, so two transactions that move counts once
 * each cannot deadlock; a shrinking change locks its keys' other source slots only after this.
 * The deltas are already one row per key (ON CONFLICT cannot touch a row twice in one statement).
 */
async function moveCounts(tx: DbClient, d: LedgerDeltas): Promise<void> {
  const slot = Math.floor(Math.random() * COUNTER_SLOTS);
  const counters = Prisma.join(d.counters.map((c) => Prisma.sql`(${c.campaignId}::uuid, ${c.pending}::int, ${c.confirmed}::int, ${c.invalidated}::int)`));
  const hourly = Prisma.join(
    d.hourly.map((r) => Prisma.sql`(${r.campaignId}::uuid, ${r.hour}::timestamptz, ${r.signed}::int, ${r.confirmed}::int, ${r.invalidated}::int)`),
  );
  const country = Prisma.join(
    d.country.map((r) => Prisma.sql`(${r.campaignId}::uuid, ${r.country}::text, ${r.signed}::int, ${r.confirmed}::int, ${r.invalidated}::int)`),
  );
  const source = Prisma.join(
    d.source.map(
      (r) => Prisma.sql`(${r.campaignId}::uuid, ${r.source}::text, ${r.utmSource}::text, ${r.utmMedium}::text, ${r.utmCampaign}::text,
    ${r.signed}::int, ${r.confirmed}::int, ${r.invalidated}::int)`,
    ),
  );
  await tx.$executeRaw`
    WITH counters AS (
      INSERT INTO campaign_counters AS c (campaign_id, slot, pending, confirmed, invalidated)
      SELECT campaign_id, ${slot}, pending, confirmed, invalidated
      FROM (VALUES ${counters}) AS d (campaign_id, pending, confirmed, invalidated) ORDER BY campaign_id
      ON CONFLICT (campaign_id, slot) DO UPDATE SET
        pending = c.pending + EXCLUDED.pending, confirmed = c.confirmed + EXCLUDED.confirmed, invalidated = c.invalidated + EXCLUDED.invalidated
    ), hourly AS (
      INSERT INTO signature_rollups_hourly AS r (campaign_id, hour, slot, signed, confirmed, invalidated)
      SELECT campaign_id, hour, ${slot}, signed, confirmed, invalidated
      FROM (VALUES ${hourly}) AS d (campaign_id, hour, signed, confirmed, invalidated) ORDER BY campaign_id, hour
      ON CONFLICT (campaign_id, hour, slot) DO UPDATE SET
        signed = r.signed + EXCLUDED.signed, confirmed = r.confirmed + EXCLUDED.confirmed, invalidated = r.invalidated + EXCLUDED.invalidated
    ), country AS (
      INSERT INTO signature_rollups_country AS r (campaign_id, country, slot, signed, confirmed, invalidated)
      SELECT campaign_id, country, ${slot}, signed, confirmed, invalidated
      FROM (VALUES ${country}) AS d (campaign_id, country, signed, confirmed, invalidated) ORDER BY campaign_id, country
      ON CONFLICT (campaign_id, country, slot) DO UPDATE SET
        signed = r.signed + EXCLUDED.signed, confirmed = r.confirmed + EXCLUDED.confirmed, invalidated = r.invalidated + EXCLUDED.invalidated
    )
    INSERT INTO signature_rollups_source AS r (campaign_id, source, utm_source, utm_medium, utm_campaign, slot, signed, confirmed, invalidated)
    SELECT campaign_id, source, utm_source, utm_medium, utm_campaign, ${slot}, signed, confirmed, invalidated
    FROM (VALUES ${source}) AS d (campaign_id, source, utm_source, utm_medium, utm_campaign, signed, confirmed, invalidated)
    ORDER BY campaign_id, source, utm_source, utm_medium, utm_campaign
    ON CONFLICT (campaign_id, source, utm_source, utm_medium, utm_campaign, slot) DO UPDATE SET
      signed = r.signed + EXCLUDED.signed, confirmed = r.confirmed + EXCLUDED.confirmed, invalidated = r.invalidated + EXCLUDED.invalidated`;
}
