import type { DbClient } from '../../platform/db';
import { AppError } from '../../platform/errors';
import { localiseCampaign } from './campaign-translations';
import * as campaigns from './campaigns.repository';

export type PublicCampaign = Awaited<ReturnType<typeof getPublicCampaign>>;

/** A campaign as the public sees it: drafts do not exist for the public. */
/** Title, summary and demand titles in `locale` when the campaign has that translation (see `localiseCampaign`). */
export async function getPublicCampaign(db: DbClient, slug: string, locale = 'en') {
  const campaign = await campaigns.findBySlugWithDemands(db, slug, locale);
  if (!campaign || campaign.status === 'draft') throw new AppError('campaign_not_found', { key: 'problems.detail.noCampaign', params: { slug } });
  const counts = await campaigns.sumCounters(db, campaign.id);
  const consent = campaign.consentWordings[0];
  const texts = localiseCampaign(campaign, locale);
  return {
    slug: campaign.slug,
    language: texts.language,
    title: texts.title,
    summary: texts.summary,
    status: campaign.status,
    statement: campaign.statement,
    source: {
      organisation: campaign.sourceOrganisation,
      url: campaign.sourceUrl,
      date: campaign.statementDate ? campaign.statementDate.toISOString().slice(0, 10) : null,
    },
    demands: texts.demands.map(({ position: _position, ...demand }) => demand),
    goal: campaign.signatureGoal,
    // Pending signatures are shown only when the campaign chose to count them: the pending count
    // rises for a new address and not for one that had signed, so it would tell who signed.
    counts: {
      confirmed: counts.confirmed,
      ...(campaign.countPendingPublicly ? { pending: counts.pending } : {}),
      public: counts.confirmed + (campaign.countPendingPublicly ? counts.pending : 0),
    },
    consent: consent ? { wording: consent.id, text: consent.text } : null,
    proofOfWork: campaign.proofOfWork,
  };
}

/** The id of a campaign the public can see (live or closed), or null. */
export async function findPublicCampaignId(db: DbClient, slug: string): Promise<string | null> {
  const campaign = await campaigns.findBySlug(db, slug);
  return campaign && campaign.status !== 'draft' ? campaign.id : null;
}

/** The campaign a signature may be added to, or why not. */
export async function getOpenCampaign(db: DbClient, slug: string) {
  const campaign = await campaigns.findBySlug(db, slug);
  if (!campaign || campaign.status === 'draft') throw new AppError('campaign_not_found', { key: 'problems.detail.noCampaign', params: { slug } });
  if (campaign.status === 'closed') throw new AppError('campaign_not_open', { key: 'problems.detail.campaignClosedSignatures' });
  return campaign;
}

/**
 * The campaign a signature may be added to, with the consent wording checked in the same query.
 * Read on every signing (no cache), so a campaign closed a moment ago refuses the next signing.
 */
export async function getOpenCampaignForSigning(db: DbClient, slug: string, wordingId: string) {
  const campaign = await campaigns.findForSigning(db, slug, wordingId);
  if (!campaign || campaign.status === 'draft') throw new AppError('campaign_not_found', { key: 'problems.detail.noCampaign', params: { slug } });
  if (campaign.status === 'closed') throw new AppError('campaign_not_open', { key: 'problems.detail.campaignClosedSignatures' });
  return campaign;
}
