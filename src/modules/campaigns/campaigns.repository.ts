import type { DbClient } from '../../platform/db';
import { translationsSelect } from './campaign-translations';
import { z } from 'zod';
import { sql, sqlRow } from '../../platform/sql-rows';

const SigningCampaignRow = z.strictObject({
  id: sql.uuid,
  status: z.enum(['draft', 'live', 'closed']),
  proofOfWork: sql.bool,
  embedOrigins: z.array(sql.text),
  wordingKnown: sql.bool,
});

/** Every query about campaigns, their demands and counters (read here; the supporters' ledger writes them). */
export const campaignSelect = {
  id: true,
  slug: true,
  title: true,
  statement: true,
  sourceOrganisation: true,
  sourceUrl: true,
  statementDate: true,
  status: true,
  signatureGoal: true,
  countPendingPublicly: true,
  senderName: true,
  senderEmail: true,
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
  const row = await sqlRow(db, SigningCampaignRow)`
    SELECT c.id, c.status::text AS status, c.proof_of_work AS "proofOfWork", c.embed_origins AS "embedOrigins",
      EXISTS (SELECT 1 FROM consent_wordings w WHERE w.id = ${wordingId} AND w.campaign_id = c.id) AS "wordingKnown"
    FROM campaigns c WHERE c.slug = ${slug}`;
  return row;
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
