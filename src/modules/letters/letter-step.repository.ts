import type { DbClient } from '../../platform/db';

/** The queries of the letter step page (the letters themselves are written by letters.service). */

/** What the page may show of a signing, with what tells whether this signing typed it. */
export async function findSigningForStep(db: DbClient, attemptId: string) {
  const attempt = await db.signingAttempt.findUnique({
    where: { id: attemptId },
    select: {
      id: true,
      signature: { select: { id: true, supporterId: true, country: true, cityEncrypted: true, supporter: { select: { nameEncrypted: true } } } },
    },
  });
  if (!attempt) return null;
  const { signature } = attempt;
  // The first attempt of a signature is the signing that created it (same transaction); the
  // supporter's first signature is the one whose signing gave the name (never overwritten).
  const [firstAttempt, firstSignature] = await Promise.all([
    db.signingAttempt.findFirst({ where: { signatureId: signature.id }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], select: { id: true } }),
    db.signature.findFirst({ where: { supporterId: signature.supporterId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], select: { id: true } }),
  ]);
  return {
    ...attempt,
    typedHere: firstAttempt?.id === attempt.id && firstSignature?.id === signature.id,
  };
}

/**
 * Delegations among `targetIds` that already have this supporter's letter in the campaign and
 * that this request will not take over: everything except letters still held for another signing.
 */
export async function findAlreadyWritten(db: DbClient, where: { campaignId: string; supporterId: string; attemptId: string; targetIds: string[] }): Promise<Set<string>> {
  const rows = await db.letter.findMany({
    where: {
      campaignId: where.campaignId,
      supporterId: where.supporterId,
      targetId: { in: where.targetIds },
      NOT: { status: 'held', attemptId: { not: where.attemptId } },
    },
    select: { targetId: true },
  });
  return new Set(rows.map((r) => r.targetId));
}
