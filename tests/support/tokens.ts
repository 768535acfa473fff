import type { Platform } from '../../src/platform/context';

/** The signing attempt of a real (not discarded) signing that an action token names. */
export async function attemptForActionToken(platform: Platform, token: string) {
  const attempt = await anyAttemptForActionToken(platform, token);
  if (!attempt.signature) throw new Error('the token names a discarded signing');
  return { ...attempt, signature: attempt.signature };
}

/** The signing attempt an action token (a signing's or a verified one) names, read straight from the database. */
export async function anyAttemptForActionToken(platform: Platform, token: string) {
  for (const purpose of ['signing-action', 'signing-action-verified']) {
    const verified = platform.tokens.verify(purpose, token);
    if (verified.ok) {
      return platform.db.signingAttempt.findUniqueOrThrow({
        where: { id: verified.payload },
        select: {
          id: true,
          locale: true,
          confirmedAt: true,
          signatureId: true,
          campaignId: true,
          signature: { select: { id: true, supporterId: true, status: true, campaign: { select: { slug: true } } } },
        },
      });
    }
  }
  throw new Error('not an action token');
}

/** Whether an action token is the verified kind (minted on an emailed link's page). */
export function isVerifiedActionToken(platform: Platform, token: string): boolean {
  return platform.tokens.verify('signing-action-verified', token).ok;
}
