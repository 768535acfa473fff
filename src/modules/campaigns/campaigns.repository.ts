import type { DbClient } from '../../platform/db';
import { Prisma } from '../../platform/db';
import { translationsSelect } from './campaign-translations';

/** Every query about campaigns, their demands and counters. */
export const campaignSelect = {
  id: true, slug: true, title: true, statement: true, sourceOrganisation: true, sourceUrl: true,
  statementDate: true, status: true, signatureGoal: true, countPendingPublicly: true, senderName: true, senderEmail: true,
  proofOfWork: true,
} as const;

/** With the texts and the translation into `locale` that `localiseCampaign` overlays. */
export function findBySlugWithDemands(db: DbClient, slug: string, locale = 'en') {
  return db.campaign.findUnique({
    where: { slug },
    select: {
      ...campaignSelect,
      ...translationsSelect(locale),
      consentWordings: { select: { id: true, text: true }, where: { current: true } },
    },
  });
}

export function findBySlug(db: DbClient, slug: string) {
  return db.campaign.findUnique({ where: { slug }, select: campaignSelect });
}

export function findById(db: DbClient, id: string) {
  return db.campaign.findUnique({ where: { id }, select: campaignSelect });
}

/**
 * What signing needs to know about a campaign, and whether the consent wording the form showed is
 * one of its wordings, in one raw query: a signing pays one round trip and no query compilation.
 */
export async function findForSigning(db: DbClient, slug: string, wordingId: string) {
  const [row] = await db.$queryRaw<{ id: string; status: string; proofOfWork: boolean; wordingKnown: boolean }[]>`
    SELECT c.id, c.status::text AS status, c.proof_of_work AS "proofOfWork",
      EXISTS (SELECT 1 FROM consent_wordings w WHERE w.id = ${wordingId} AND w.campaign_id = c.id) AS "wordingKnown"
    FROM campaigns c WHERE c.slug = ${slug}`;
  return row ?? null;
}

export interface SignatureCounts {
  pending: number;
  confirmed: number;
  invalidated: number;
}

export async function sumCounters(db: DbClient, campaignId: string): Promise<SignatureCounts> {
  const totals = await db.campaignCounter.aggregate({
    where: { campaignId },
    _sum: { pending: true, confirmed: true, invalidated: true },
  });
  return {
    pending: totals._sum.pending ?? 0,
    confirmed: totals._sum.confirmed ?? 0,
    invalidated: totals._sum.invalidated ?? 0,
  };
}

export const COUNTER_SLOTS = 16;

/**
 * Moves counts in the same transaction as the signature change that causes it. A random slot
 * spreads concurrent writers over rows; only the sum is meaningful (a slot may go negative).
 */
export async function adjustCounters(db: DbClient, campaignId: string, delta: Partial<SignatureCounts>): Promise<void> {
  const slot = Math.floor(Math.random() * COUNTER_SLOTS);
  const pending = delta.pending ?? 0;
  const confirmed = delta.confirmed ?? 0;
  const invalidated = delta.invalidated ?? 0;
  await db.$executeRaw`
    INSERT INTO campaign_counters (campaign_id, slot, pending, confirmed, invalidated)
    VALUES (${campaignId}::uuid, ${slot}, ${pending}, ${confirmed}, ${invalidated})
    ON CONFLICT (campaign_id, slot) DO UPDATE SET
      pending = campaign_counters.pending + EXCLUDED.pending,
      confirmed = campaign_counters.confirmed + EXCLUDED.confirmed,
      invalidated = campaign_counters.invalidated + EXCLUDED.invalidated`;
}

export interface RollupKey {
  campaignId: string;
  /** When the signature was made: its counts stay in the hour it was signed, whatever happens later. */
  signedAt: Date;
  country: string | null;
  source: string | null;
  utmSource: string | null;
  utmMedium: string | null;
  utmCampaign: string | null;
}

export interface RollupDelta { signed?: number; confirmed?: number; invalidated?: number }

/**
 * Moves the rollups of the signature's hour, country and source (one table each, see
 * prisma/schema.prisma) in the same transaction as the change, so the admin metrics read rollups
 * and never scan signatures. One statement, so it costs one round trip like the single rollup did.
 */
export async function adjustRollup(db: DbClient, key: RollupKey, delta: RollupDelta): Promise<void> {
  await adjustRollups(db, [{ key, delta }]);
}

/**
 * Several rollup changes in one statement (a batch of fraud invalidations). Changes are summed per
 * row of each table first (ON CONFLICT cannot touch a row twice in one statement). Every writer
 * sends this same statement, which takes its tables in one order and each table's rows sorted by
 * key, so two transactions that move rollups once each cannot deadlock on them.
 */
export async function adjustRollups(db: DbClient, changes: ReadonlyArray<{ key: RollupKey; delta: RollupDelta }>): Promise<void> {
  if (changes.length === 0) return;
  const removals = changes.filter(({ delta }) => (delta.signed ?? 0) < 0).map(({ key }) => key);
  if (removals.length > 0) await serialiseRemovals(db, removals);
  await moveRollups(db, changes);
  if (removals.length > 0) await dropEmptySourceRollups(db, removals);
}

const sourceKeyOf = (key: RollupKey) =>
  Prisma.sql`(${key.campaignId}::uuid, ${key.source ?? ''}::text, ${key.utmSource ?? ''}::text, ${key.utmMedium ?? ''}::text, ${key.utmCampaign ?? ''}::text)`;

/**
 * Removals (erasure) of the same source key take turns, on a transaction lock of the key: each
 * then locks all of the key's slot rows, which two of them doing at once could deadlock on.
 * Signing never takes this lock, so it is never slowed by it.
 */
async function serialiseRemovals(db: DbClient, keys: RollupKey[]): Promise<void> {
  await db.$executeRaw`
    SELECT pg_advisory_xact_lock(h) FROM (
      SELECT DISTINCT hashtextextended(concat_ws('|', 'rollup-source', campaign_id, source, utm_source, utm_medium, utm_campaign), 0) AS h
      FROM (VALUES ${Prisma.join(keys.map(sourceKeyOf))}) AS k (campaign_id, source, utm_source, utm_medium, utm_campaign) ORDER BY h) AS locks`;
}

/**
 * A source key whose counts are all back to zero leaves the table: `source` and `utm_*` came
 * from a link, and once the last signature with them is erased nothing should remember them.
 * Its slot rows are locked first, so a concurrent signing cannot update one while it is deleted
 * (a signing that inserts a new slot row meanwhile keeps its row, and the sum stays right).
 */
async function dropEmptySourceRollups(db: DbClient, keys: RollupKey[]): Promise<void> {
  const values = Prisma.join(keys.map(sourceKeyOf));
  await db.$queryRaw`
    SELECT 1 FROM signature_rollups_source
    WHERE (campaign_id, source, utm_source, utm_medium, utm_campaign) IN (VALUES ${values})
    ORDER BY campaign_id, source, utm_source, utm_medium, utm_campaign, slot FOR UPDATE`;
  await db.$executeRaw`
    DELETE FROM signature_rollups_source r USING (
      SELECT campaign_id, source, utm_source, utm_medium, utm_campaign FROM signature_rollups_source
      WHERE (campaign_id, source, utm_source, utm_medium, utm_campaign) IN (VALUES ${values})
      GROUP BY campaign_id, source, utm_source, utm_medium, utm_campaign
      HAVING sum(signed) = 0 AND sum(confirmed) = 0 AND sum(invalidated) = 0) AS empty
    WHERE (r.campaign_id, r.source, r.utm_source, r.utm_medium, r.utm_campaign) = (empty.campaign_id, empty.source, empty.utm_source, empty.utm_medium, empty.utm_campaign)`;
}

async function moveRollups(db: DbClient, changes: ReadonlyArray<{ key: RollupKey; delta: RollupDelta }>): Promise<void> {
  const slot = Math.floor(Math.random() * COUNTER_SLOTS);
  const values = Prisma.join(changes.map(({ key, delta }) => {
    const hour = new Date(Math.floor(key.signedAt.getTime() / 3_600_000) * 3_600_000);
    return Prisma.sql`(${key.campaignId}::uuid, ${hour}::timestamptz, ${key.country ?? ''}::text, ${key.source ?? ''}::text,
      ${key.utmSource ?? ''}::text, ${key.utmMedium ?? ''}::text, ${key.utmCampaign ?? ''}::text,
      ${delta.signed ?? 0}::int, ${delta.confirmed ?? 0}::int, ${delta.invalidated ?? 0}::int)`;
  }));
  await db.$executeRaw`
    WITH d (campaign_id, hour, country, source, utm_source, utm_medium, utm_campaign, signed, confirmed, invalidated) AS (VALUES ${values}),
    hourly AS (
      INSERT INTO signature_rollups_hourly AS r (campaign_id, hour, slot, signed, confirmed, invalidated)
      SELECT campaign_id, hour, ${slot}, sum(signed), sum(confirmed), sum(invalidated)
      FROM d GROUP BY campaign_id, hour ORDER BY campaign_id, hour
      ON CONFLICT (campaign_id, hour, slot) DO UPDATE SET
        signed = r.signed + EXCLUDED.signed, confirmed = r.confirmed + EXCLUDED.confirmed, invalidated = r.invalidated + EXCLUDED.invalidated
    ), country AS (
      INSERT INTO signature_rollups_country AS r (campaign_id, country, slot, signed, confirmed, invalidated)
      SELECT campaign_id, country, ${slot}, sum(signed), sum(confirmed), sum(invalidated)
      FROM d GROUP BY campaign_id, country ORDER BY campaign_id, country
      ON CONFLICT (campaign_id, country, slot) DO UPDATE SET
        signed = r.signed + EXCLUDED.signed, confirmed = r.confirmed + EXCLUDED.confirmed, invalidated = r.invalidated + EXCLUDED.invalidated
    )
    INSERT INTO signature_rollups_source AS r (campaign_id, source, utm_source, utm_medium, utm_campaign, slot, signed, confirmed, invalidated)
    SELECT campaign_id, source, utm_source, utm_medium, utm_campaign, ${slot}, sum(signed), sum(confirmed), sum(invalidated)
    FROM d GROUP BY campaign_id, source, utm_source, utm_medium, utm_campaign ORDER BY campaign_id, source, utm_source, utm_medium, utm_campaign
    ON CONFLICT (campaign_id, source, utm_source, utm_medium, utm_campaign, slot) DO UPDATE SET
      signed = r.signed + EXCLUDED.signed, confirmed = r.confirmed + EXCLUDED.confirmed, invalidated = r.invalidated + EXCLUDED.invalidated`;
}
