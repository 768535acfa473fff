import type { DbClient } from '../../platform/db';

/** Every query about campaigns, their demands and counters. */
export const campaignSelect = {
  id: true, slug: true, title: true, statement: true, sourceOrganisation: true, sourceUrl: true,
  statementDate: true, status: true, signatureGoal: true, countPendingPublicly: true, senderName: true, senderEmail: true,
} as const;

export function findBySlugWithDemands(db: DbClient, slug: string) {
  return db.campaign.findUnique({
    where: { slug },
    select: {
      ...campaignSelect,
      demands: { select: { title: true, quote: true }, orderBy: { position: 'asc' } },
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
