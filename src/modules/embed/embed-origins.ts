import type { Platform } from '../../platform/context';
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

/**
 * The partner a signature came from travels as a signed token in the embedded form's hidden
 * `partner` field. The embed page issues one only for an origin on the campaign's allowlist, and
 * signing checks the allowlist again, so a forged or stale value can never name another origin:
 * at worst someone attributes their own signature to a listed partner. (The Referer cannot serve:
 * our pages send none, and browsers strip it across origins anyway.)
 */
const PARTNER_PURPOSE = 'embed-partner';
const PARTNER_TOKEN_TTL_MS = 24 * 3600 * 1000;

export function partnerToken(platform: Pick<Platform, 'tokens'>, campaignId: string, origin: string, now = new Date()): string {
  const payload = Buffer.from(`${campaignId} ${origin}`).toString('base64url');
  return platform.tokens.sign(PARTNER_PURPOSE, payload, new Date(now.getTime() + PARTNER_TOKEN_TTL_MS));
}

/** The partner origin a token names for this campaign, if it is still on the allowlist; null otherwise. */
export async function partnerOf(platform: Pick<Platform, 'tokens' | 'db'>, campaignId: string, token: string | undefined): Promise<string | null> {
  if (!token) return null;
  const verified = platform.tokens.verify(PARTNER_PURPOSE, token);
  if (!verified.ok) return null;
  const [forCampaign, origin] = Buffer.from(verified.payload, 'base64url').toString('utf8').split(' ');
  if (forCampaign !== campaignId || !origin) return null;
  const campaign = await platform.db.campaign.findUnique({ where: { id: campaignId }, select: { embedOrigins: true } });
  return campaign?.embedOrigins?.includes(origin) ? origin : null;
}
