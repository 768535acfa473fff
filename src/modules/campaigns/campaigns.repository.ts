import type { DbClient } from '../../platform/db';
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

export async function consentWordingBelongsTo(db: DbClient, campaignId: string, wordingId: string): Promise<boolean> {
  const found = await db.consentWording.findFirst({ where: { id: wordingId, campaignId }, select: { id: true } });
  return found !== null;
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

/**
 * Moves the hourly rollup of the signature's hour, country and source in the same transaction as
 * the change, so the admin metrics read rollups and never scan signatures.
 */
export async function adjustRollup(db: DbClient, key: RollupKey, delta: { signed?: number; confirmed?: number; invalidated?: number }): Promise<void> {
  const slot = Math.floor(Math.random() * COUNTER_SLOTS);
  const hour = new Date(Math.floor(key.signedAt.getTime() / 3_600_000) * 3_600_000);
  await db.$executeRaw`
    INSERT INTO signature_rollups (campaign_id, hour, country, source, utm_source, utm_medium, utm_campaign, slot, signed, confirmed, invalidated)
    VALUES (${key.campaignId}::uuid, ${hour}, ${key.country ?? ''}, ${key.source ?? ''}, ${key.utmSource ?? ''}, ${key.utmMedium ?? ''}, ${key.utmCampaign ?? ''},
      ${slot}, ${delta.signed ?? 0}, ${delta.confirmed ?? 0}, ${delta.invalidated ?? 0})
    ON CONFLICT (campaign_id, hour, country, source, utm_source, utm_medium, utm_campaign, slot) DO UPDATE SET
      signed = signature_rollups.signed + EXCLUDED.signed,
      confirmed = signature_rollups.confirmed + EXCLUDED.confirmed,
      invalidated = signature_rollups.invalidated + EXCLUDED.invalidated`;
}
