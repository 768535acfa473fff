import type { DbClient } from '../../platform/db';

/** Live campaigns, newest first, for pages that have no campaign of their own to point to. */
export function findLiveCampaigns(db: DbClient, limit = 20) {
  return db.campaign.findMany({ where: { status: 'live' }, select: { slug: true, title: true }, orderBy: { createdAt: 'desc' }, take: limit });
}
