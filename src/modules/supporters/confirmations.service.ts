import type { Platform } from '../../platform/context';
import type { DbClient } from '../../platform/db';
import { AppError } from '../../platform/errors';
import type { UseCaseContext } from '../admin';
import { verifiedActionTokenFor } from './action-tokens';
import { confirmPending } from './signatures.changes';
import * as supporters from './supporters.repository';

/**
 * The emailed confirmation link. It names a signing attempt, never the person; it does one thing,
 * confirm that signature, and releases no letter: letters are approved from their own email, which
 * shows them (see letters' approvals).
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const CONFIRM_TOKEN_PURPOSE = 'confirm-signing';

export function confirmationLink(platform: Platform, attemptId: string, now = new Date()): string {
  const expiresAt = new Date(now.getTime() + platform.config.CONFIRMATION_TOKEN_TTL_HOURS * 3600 * 1000);
  return `${platform.config.PUBLIC_BASE_URL}/confirm/${platform.tokens.sign(CONFIRM_TOKEN_PURPOSE, attemptId, expiresAt)}`;
}

/** Which signing a confirmation token names, or a clear refusal. Reading it confirms nothing. */
export async function inspectConfirmation(platform: Platform, token: string) {
  const verified = platform.tokens.verify(CONFIRM_TOKEN_PURPOSE, token);
  if (!verified.ok) {
    throw verified.reason === 'expired'
      ? new AppError('token_expired', { key: 'problems.detail.confirmLinkExpired' })
      : new AppError('token_invalid', { key: 'problems.detail.confirmLinkInvalid' });
  }
  const attempt = UUID.test(verified.payload) ? await supporters.findAttemptWithSignature(platform.db, verified.payload) : null;
  if (!attempt || attempt.signature.status === 'invalidated') throw new AppError('token_invalid', { key: 'problems.detail.confirmLinkNoMatch' });
  return attempt;
}

/**
 * An attempt's link was used by the mailbox owner: the attempt (once) and its signature (once,
 * with its counts) are confirmed. Returns whether this was the attempt's first use, and whether
 * the signature changed. Shared by the confirmation link and the letters approval link.
 */
export async function confirmAttempt(tx: DbClient, attemptId: string, signatureId: string): Promise<{ firstUse: boolean; signatureConfirmed: boolean }> {
  const firstUse = await supporters.markAttemptConfirmed(tx, attemptId);
  const changed = await confirmPending(tx, signatureId);
  return { firstUse, signatureConfirmed: changed !== null };
}

/**
 * Using a link confirms the signature. The first use of the link also hands its page a verified
 * action token, so the supporter may go on to write letters that go at once; later uses do not,
 * so a link that reached someone else (forwarded, leaked) lets them confirm, nothing more.
 */
export async function confirmSignature(ctx: UseCaseContext<Platform>, token: string) {
  const { platform } = ctx;
  const attempt = await inspectConfirmation(platform, token);
  const { signature } = attempt;
  const outcome = await platform.db.$transaction((tx) => confirmAttempt(tx, attempt.id, signature.id));
  const offerLetters =
    outcome.firstUse &&
    signature.campaign.status === 'live' &&
    !(await supporters.hasWrittenLetters(platform.db, signature.supporterId, signature.campaign.id));
  return {
    status: outcome.signatureConfirmed ? ('confirmed' as const) : ('already_confirmed' as const),
    campaign: { slug: signature.campaign.slug, title: signature.campaign.title },
    letterStep: offerLetters ? { actionToken: verifiedActionTokenFor(platform, attempt.id) } : null,
  };
}

/** The attempt a link names even when it has expired (its MAC was valid, so it is genuine). */
async function attemptOfLink(platform: Platform, token: string) {
  const verified = platform.tokens.verify(CONFIRM_TOKEN_PURPOSE, token);
  const attemptId = verified.ok ? verified.payload : verified.reason === 'expired' ? token.split('.')[0]! : null;
  if (!attemptId || !UUID.test(attemptId)) return null;
  return supporters.findAttemptWithSignature(platform.db, attemptId);
}

/** What a link's page can say about the campaign even when the link has expired; null when it names nothing we know. */
export async function campaignOfLink(platform: Platform, token: string): Promise<{ slug: string; title: string } | null> {
  const campaign = (await attemptOfLink(platform, token))?.signature.campaign;
  return campaign && campaign.status !== 'draft' ? { slug: campaign.slug, title: campaign.title } : null;
}

/** The language a link's page speaks when the URL does not say: the one the supporter signed in. */
export async function localeOfLink(platform: Platform, token: string): Promise<string | null> {
  return (await attemptOfLink(platform, token))?.locale ?? null;
}
