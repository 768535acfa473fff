import { randomUUID } from 'node:crypto';
import type { Platform } from '../../platform/context';
import type { DbClient } from '../../platform/db';
import { AppError, fieldError } from '../../platform/errors';
import { addManyToOutbox, addToOutbox } from '../../platform/outbox';
import { JOBS } from '../../platform/queues';
import { actionContext, sealLetterParagraph } from '../supporters';
import * as approvals from './approvals.repository';
import { NEAR_IDENTICAL_BITS, paragraphFingerprint } from './fingerprint';
import * as letters from './letters.repository';
import type { LettersRequest } from './letters.schemas';
import { findTargetsForSelection, type TargetSelection as TargetQuery } from './targets.repository';

/**
 * A supporter's request to write to delegations. The letters (one per delegation, ever) are
 * recorded with their jobs in one transaction. With a signing's action token they are held, and
 * the request is mailed to the address for approval: the token proves only that someone typed the
 * address. The answer is built from the request alone (what it chose, what its signing typed), so
 * it is the same whatever the address had done before, and the same for a discarded signing.
 */
export async function requestLetters(platform: Platform, slug: string, input: LettersRequest) {
  const action = await actionContext(platform, input.actionToken);
  if (action.campaign.slug !== slug) throw new AppError('token_invalid', { key: 'problems.detail.actionTokenOtherCampaign' }, [fieldError('actionToken', 'problems.message.forAnotherCampaign')]);
  if (action.campaign.status !== 'live') throw new AppError('campaign_not_open', { key: 'problems.detail.campaignClosedLetters' });

  const targets = await findTargetsForSelection(platform.db, selectionOf(input.targets, action.signer.countryCode));
  if (targets.length === 0) throw new AppError('no_targets', { key: 'problems.detail.noTargets' }, [fieldError('targets', 'problems.message.matchesNoDelegation')]);

  const fingerprint = input.paragraph ? paragraphFingerprint(input.paragraph) : null;
  const queued = await platform.db.$transaction(async (tx) => {
    const approvalId = randomUUID();
    await approvals.insertApproval(tx, { id: approvalId, attemptId: action.attemptId, approved: action.verified });
    // A discarded (bot) signing has nobody to write for: its request is kept like any other, empty.
    if (!action.supporterId) return false;
    const floods = fingerprint === null ? new Map<string, number>() : await letters.countNearIdentical(tx, targets.map((t) => t.id), fingerprint, NEAR_IDENTICAL_BITS);
    const threshold = platform.config.LETTERS_COPY_PASTE_THRESHOLD;
    const recorded = await letters.recordLetters(tx, { campaignId: action.campaign.id, supporterId: action.supporterId, attemptId: action.attemptId, approvalId, fingerprint },
      targets.map((target) => {
        // Each letter's copy of the paragraph is sealed for that letter's row.
        const id = randomUUID();
        const paragraphEncrypted = input.paragraph ? sealLetterParagraph(platform, input.paragraph, id) : null;
        const similar = floods.get(target.id) ?? 0;
        if (similar + 1 >= threshold) return { id, targetId: target.id, status: 'review', reviewReason: `paragraph near-identical to ${similar} other letters to this delegation in 24 h`, paragraphEncrypted };
        return { id, targetId: target.id, status: action.verified ? 'queued' : 'held', reviewReason: null, paragraphEncrypted };
      }));
    await enqueueDeliveries(tx, recorded.filter((l) => l.status === 'queued').map((l) => ({ id: l.id, campaignId: action.campaign.id, targetId: l.target_id })));
    if (recorded.some((l) => l.status === 'held')) await addToOutbox(tx, JOBS.sendLetterApproval, { approvalId }, `approval-${approvalId}`);
    return action.verified;
  });

  return {
    recorded: targets.length,
    status: queued ? ('queued' as const) : ('waiting_for_confirmation' as const),
    delegations: targets.map((t) => ({ iso2: t.iso2, country: t.country, mission: t.missionName })),
  };
}

/** The delegations a choice names; "own" is the country this signing typed. */
export function selectionOf(targets: LettersRequest['targets'], ownCountry: string | null): TargetQuery {
  if ('all' in targets) return { all: true };
  if ('group' in targets) return { group: targets.group };
  if ('own' in targets) {
    if (!ownCountry) throw new AppError('no_targets', { key: 'problems.detail.noOwnCountry' }, [fieldError('targets', 'problems.message.noCountryOnSignature')]);
    return { iso2: [ownCountry] };
  }
  return { iso2: [...new Set(targets.countries)] };
}

/**
 * Writes the jobs that deliver queued letters: one per letter, or in digest mode one per
 * delegation and period, run when the period ends (the dedupe key makes it one job however many
 * letters join it).
 */
export async function enqueueDeliveries(db: DbClient, queued: Array<{ id: string; campaignId: string; targetId: string }>, retryOf?: Map<string, number | string>): Promise<void> {
  if (queued.length === 0) return;
  const campaigns = await db.campaign.findMany({
    where: { id: { in: [...new Set(queued.map((l) => l.campaignId))] } },
    select: { id: true, letterMode: true, digestPeriodMinutes: true },
  });
  const byId = new Map(campaigns.map((c) => [c.id, c]));
  const overridden = await letters.findDigestOverrides(db, uniquePairs(queued));
  const individual: Array<{ payload: { letterId: string }; dedupeKey: string }> = [];
  const digests = new Map<string, { payload: { campaignId: string; targetId: string; periodStart: string; periodMinutes: number }; dedupeKey: string; runAt: Date }>();
  const now = Date.now();
  for (const letter of queued) {
    const campaign = byId.get(letter.campaignId);
    const periodMinutes = campaign ? digestPeriodOf(campaign, overridden.has(letters.overrideKey(letter.campaignId, letter.targetId))) : null;
    if (periodMinutes !== null) {
      const periodMs = periodMinutes * 60_000;
      const periodStart = Math.floor(now / periodMs) * periodMs;
      const dedupeKey = `digest-${letter.campaignId}-${letter.targetId}-${periodStart}`;
      digests.set(dedupeKey, { payload: { campaignId: letter.campaignId, targetId: letter.targetId, periodStart: new Date(periodStart).toISOString(), periodMinutes }, dedupeKey, runAt: new Date(periodStart + periodMs) });
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

/** An admin's retry of failed (dead) or flagged letters. */
/** `alsoInTransaction` (the audit row) commits with the retry, or neither does. */
export async function retryLetters(platform: Platform, letterIds: string[], alsoInTransaction?: (tx: DbClient, retried: number) => Promise<void>): Promise<number> {
  return platform.db.$transaction(async (tx) => {
    const requeued = await letters.requeue(tx, letterIds);
    const retryOf = new Map(requeued.map((l) => [l.id, l.attempts]));
    await enqueueDeliveries(tx, requeued.map((l) => ({ id: l.id, campaignId: l.campaign_id, targetId: l.target_id })), retryOf);
    await alsoInTransaction?.(tx, requeued.length);
    return requeued.length;
  });
}

export function listLettersForAdmin(platform: Platform, filter: { campaignSlug?: string; status: 'failed' | 'review'; limit: number }) {
  return letters.listLetters(platform.db, filter);
}
