import type { DbClient } from '../../../platform/db';

/** The queries of the letter step page (the letters themselves are written by letters.service). */

/**
 * Delegations among `targetIds` that already have this supporter's letter in the campaign and
 * that this request will not take over: everything except letters still held for another signing.
 */
export async function findAlreadyWritten(
  db: DbClient,
  where: { campaignId: string; supporterId: string; attemptId: string; targetIds: string[] },
): Promise<Set<string>> {
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
