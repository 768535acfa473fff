import type { Platform } from '../../../platform/context';
import { AppError } from '../../../platform/errors';
import { auditedWrite, type UseCaseContext } from '../../admin';
import type { DbClient } from '../../../platform/db';
import { addManyToOutbox } from '../../../platform/outbox';
import { JOBS } from '../../../platform/queues';
import * as letters from './letters.repository';

/**
 * Writes the jobs that deliver queued letters: one per letter, or in digest mode one per
 * delegation and period, run when the period ends (the dedupe key makes it one job however many
 * letters join it).
 */
export async function enqueueDeliveries(
  db: DbClient,
  queued: Array<{ id: string; campaignId: string; targetId: string }>,
  retryOf?: Map<string, number | string>,
): Promise<void> {
  if (queued.length === 0) return;
  const campaigns = await db.campaign.findMany({
    where: { id: { in: [...new Set(queued.map((l) => l.campaignId))] } },
    select: { id: true, letterMode: true, digestPeriodMinutes: true },
  });
  const byId = new Map(campaigns.map((c) => [c.id, c]));
  const overridden = await letters.findDigestOverrides(db, uniquePairs(queued));
  const individual: Array<{ payload: { letterId: string }; dedupeKey: string }> = [];
  const digests = new Map<
    string,
    { payload: { campaignId: string; targetId: string; periodStart: string; periodMinutes: number }; dedupeKey: string; runAt: Date }
  >();
  const now = Date.now();
  for (const letter of queued) {
    const campaign = byId.get(letter.campaignId);
    const periodMinutes = campaign ? digestPeriodOf(campaign, overridden.has(letters.overrideKey(letter.campaignId, letter.targetId))) : null;
    if (periodMinutes !== null) {
      const periodMs = periodMinutes * 60_000;
      const periodStart = Math.floor(now / periodMs) * periodMs;
      const dedupeKey = `digest-${letter.campaignId}-${letter.targetId}-${periodStart}`;
      digests.set(dedupeKey, {
        payload: { campaignId: letter.campaignId, targetId: letter.targetId, periodStart: new Date(periodStart).toISOString(), periodMinutes },
        dedupeKey,
        runAt: new Date(periodStart + periodMs),
      });
    } else {
      individual.push({ payload: { letterId: letter.id }, dedupeKey: letterJobId(letter.id, retryOf?.get(letter.id)) });
    }
  }
  await addManyToOutbox(db, JOBS.sendLetter, individual);
  await addManyToOutbox(db, JOBS.sendDigest, [...digests.values()]);
}

/** A delegation's List-Unsubscribe makes a campaign's letters to it a digest of at least a day. */
export const OVERRIDE_DIGEST_MINUTES = 1440;

/** The digest period letters wait for, or null when they go out one by one. */
export function digestPeriodOf(campaign: { letterMode: string; digestPeriodMinutes: number }, overridden: boolean): number | null {
  if (campaign.letterMode === 'digest') return overridden ? Math.max(campaign.digestPeriodMinutes, OVERRIDE_DIGEST_MINUTES) : campaign.digestPeriodMinutes;
  return overridden ? OVERRIDE_DIGEST_MINUTES : null;
}

function uniquePairs(queued: Array<{ campaignId: string; targetId: string }>) {
  return [...new Map(queued.map((l) => [letters.overrideKey(l.campaignId, l.targetId), { campaignId: l.campaignId, targetId: l.targetId }])).values()];
}

/** The job id of a letter's delivery: the first, an admin's retry (`retry-<attempts>`) or a sweep's. */
export function letterJobId(letterId: string, suffix?: number | string): string {
  return suffix === undefined ? `letter-${letterId}` : `letter-${letterId}-${typeof suffix === 'number' ? `retry-${suffix}` : suffix}`;
}

/**
 * An admin's retry of failed (dead) or flagged letters, audited in the retry's transaction. Asked
 * for one letter by id (`one`), a letter that cannot be retried is a 404 and nothing is written.
 */
export async function retryLetters(ctx: UseCaseContext, letterIds: string[], one = false): Promise<number> {
  return auditedWrite(ctx, 'letters.retry', async (tx) => {
    const requeued = await letters.requeue(tx, letterIds);
    if (one && requeued.length === 0) throw new AppError('letter_not_found', { key: 'staff.noRetryableLetter' });
    const retryOf = new Map(requeued.map((l) => [l.id, l.attempts]));
    await enqueueDeliveries(
      tx,
      requeued.map((l) => ({ id: l.id, campaignId: l.campaign_id, targetId: l.target_id })),
      retryOf,
    );
    return {
      result: requeued.length,
      subject: one ? letterIds[0]! : null,
      details: one ? { retried: requeued.length } : { requested: letterIds.length, retried: requeued.length },
    };
  });
}

export function listLettersForAdmin(platform: Platform, filter: { campaignSlug?: string; status: 'failed' | 'review'; limit: number }) {
  return letters.listLetters(platform.db, filter);
}
