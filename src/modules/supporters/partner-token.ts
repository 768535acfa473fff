import type { Platform } from '../../platform/context';

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

/**
 * The partner origin a token names for this campaign, if it is still on the campaign's allowlist
 * (read with the campaign, so signing asks the database nothing more); null otherwise.
 */
export function partnerOf(
  platform: Pick<Platform, 'tokens'>,
  campaign: { id: string; embedOrigins: readonly string[] },
  token: string | undefined,
): string | null {
  if (!token) return null;
  const verified = platform.tokens.verify(PARTNER_PURPOSE, token);
  if (!verified.ok) return null;
  const [forCampaign, origin] = Buffer.from(verified.payload, 'base64url').toString('utf8').split(' ');
  if (forCampaign !== campaign.id || !origin) return null;
  return campaign.embedOrigins.includes(origin) ? origin : null;
}
