import type { Platform } from '../../platform/context';
import { AppError } from '../../platform/errors';
import type { Locale } from '../../platform/i18n';
import { getPublicCampaign } from '../campaigns';
import { findLiveCampaigns } from './public.repository';

export type CampaignForPage = Awaited<ReturnType<typeof getPublicCampaign>>;

/**
 * The campaign as its page shows it, in the reader's language: the campaigns module overlays the
 * campaign's own translation (title, summary, demand titles) and falls back to the original texts.
 * Null for a campaign the public may not see (none, or a draft).
 */
export async function campaignForPage(platform: Platform, slug: string, locale: Locale): Promise<CampaignForPage | null> {
  try {
    return await getPublicCampaign(platform.db, slug, locale);
  } catch (error) {
    if (error instanceof AppError && error.code === 'campaign_not_found') return null;
    throw error;
  }
}

/** Where to send someone whose link names no campaign. */
export function liveCampaigns(platform: Platform) {
  return findLiveCampaigns(platform.db);
}

/** Days a confirmation link works, as the pages tell it. */
export function confirmationLinkDays(platform: Platform): number {
  return Math.max(1, Math.round(platform.config.CONFIRMATION_TOKEN_TTL_HOURS / 24));
}
