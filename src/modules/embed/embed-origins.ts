import type { DbClient } from '../../platform/db';

/**
 * Which partner sites may embed a campaign's form and call its API from their pages: the
 * campaign's `embedOrigins`, compared exactly (scheme, host and port), never by pattern.
 */

/** `scheme://host[:port]` in the form browsers send in `Origin`, or null for anything else. */
export function normaliseOrigin(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > 300) return null;
  try {
    const url = new URL(value);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
    if (url.username || url.password || (url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) return null;
    return url.origin;
  } catch {
    return null;
  }
}

export interface EmbeddableCampaign {
  id: string;
  status: string;
  embedOrigins: string[];
}

export async function findEmbeddableCampaign(db: DbClient, slug: string): Promise<EmbeddableCampaign | null> {
  const campaign = await db.campaign.findUnique({ where: { slug }, select: { id: true, status: true, embedOrigins: true } });
  return campaign && campaign.status !== 'draft' ? { ...campaign, embedOrigins: campaign.embedOrigins ?? [] } : null;
}

export function isAllowedOrigin(campaign: EmbeddableCampaign, origin: string | null): origin is string {
  return origin !== null && campaign.embedOrigins.includes(origin);
}
