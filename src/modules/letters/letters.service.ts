import type { Platform } from '../../platform/context';
import type { DbClient } from '../../platform/db';
import { AppError } from '../../platform/errors';
import { addManyToOutbox, addToOutbox } from '../../platform/outbox';
import { JOBS } from '../../platform/queues';
import { attemptForActionToken, sealLetterParagraph } from '../supporters';
import { NEAR_IDENTICAL_BITS, paragraphFingerprint } from './fingerprint';
import * as letters from './letters.repository';
import type { LettersRequest } from './letters.schemas';
import { findTargetsForSelection } from './targets.repository';

/**
 * A supporter's request to write to delegations. Letters are recorded (one per delegation, ever)
 * with their jobs in one transaction; they wait while the signing that asked for them is not
 * confirmed, because an action token proves only that someone typed an address.
 */
export async function requestLetters(platform: Platform, slug: string, input: LettersRequest) {
  const attempt = await attemptForActionToken(platform, input.actionToken);
  const { signature } = attempt;
  if (signature.campaign.slug !== slug) throw new AppError('token_invalid', 'This action token belongs to another campaign.', [{ field: 'actionToken', message: 'is for another campaign' }]);
  if (signature.campaign.status !== 'live') throw new AppError('campaign_not_open', 'This campaign has closed and no longer sends letters.');

  const selection = 'all' in input.targets ? { all: true as const }
    : 'group' in input.targets ? { group: input.targets.group }
    : 'own' in input.targets ? { iso2: ownCountry(signature.country) }
    : { iso2: [...new Set(input.targets.countries)] };
  const targets = await findTargetsForSelection(platform.db, selection);
  if (targets.length === 0) throw new AppError('no_targets', 'No delegation we can write to matches that choice.', [{ field: 'targets', message: 'matches no delegation' }]);

  const fingerprint = input.paragraph ? paragraphFingerprint(input.paragraph) : null;
  const paragraphEncrypted = input.paragraph ? sealLetterParagraph(platform, input.paragraph) : null;

  const confirmed = await platform.db.$transaction(async (tx) => {
    // Locked, so a confirmation of this signing cannot slip between reading its state and
    // recording the letters: either it released them, or the letters see it confirmed.
    const state = await letters.lockAttempt(tx, attempt.id);
    if (!state) throw new AppError('token_invalid', 'This action token does not match a signing.');
    const floods = fingerprint === null ? new Map<string, number>() : await letters.countNearIdentical(tx, targets.map((t) => t.id), fingerprint, NEAR_IDENTICAL_BITS);
    const threshold = platform.config.LETTERS_COPY_PASTE_THRESHOLD;
    const recorded = await letters.recordLetters(tx, { campaignId: signature.campaign.id, supporterId: signature.supporterId, attemptId: attempt.id, paragraphEncrypted, fingerprint },
      targets.map((target) => {
        const similar = floods.get(target.id) ?? 0;
        if (similar + 1 >= threshold) return { targetId: target.id, status: 'review', reviewReason: `paragraph near-identical to ${similar} other letters to this delegation in 24 h` };
        return { targetId: target.id, status: state.confirmed ? 'queued' : 'held', reviewReason: null };
      }));
    await enqueueDeliveries(tx, recorded.filter((l) => l.status === 'queued').map((l) => ({ id: l.id, campaignId: signature.campaign.id, targetId: l.target_id })));
    if (!state.confirmed && !state.emailQueued && recorded.some((l) => l.status === 'held')) {
      // A supporter who had confirmed before is asked to confirm these letters with a fresh link.
      await addToOutbox(tx, JOBS.sendConfirmation, { attemptId: attempt.id, variant: 'letters' }, `confirm-${attempt.id}`);
      await letters.markAttemptEmailQueued(tx, attempt.id);
    }
    return state.confirmed;
  });

  return {
    recorded: targets.length,
    status: confirmed ? ('queued' as const) : ('waiting_for_confirmation' as const),
    delegations: targets.map((t) => ({ iso2: t.iso2, country: t.country, mission: t.missionName })),
  };
}

function ownCountry(country: string | null): string[] {
  if (!country) throw new AppError('no_targets', 'You did not give your country when signing, so we cannot tell which delegation is yours.', [{ field: 'targets', message: 'no country on the signature' }]);
  return [country];
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
  const individual: Array<{ payload: { letterId: string }; dedupeKey: string }> = [];
  const digests = new Map<string, { payload: { campaignId: string; targetId: string; periodStart: string }; dedupeKey: string; runAt: Date }>();
  const now = Date.now();
  for (const letter of queued) {
    const campaign = byId.get(letter.campaignId);
    if (campaign?.letterMode === 'digest') {
      const periodMs = campaign.digestPeriodMinutes * 60_000;
      const periodStart = Math.floor(now / periodMs) * periodMs;
      const dedupeKey = `digest-${letter.campaignId}-${letter.targetId}-${periodStart}`;
      digests.set(dedupeKey, { payload: { campaignId: letter.campaignId, targetId: letter.targetId, periodStart: new Date(periodStart).toISOString() }, dedupeKey, runAt: new Date(periodStart + periodMs) });
    } else {
      individual.push({ payload: { letterId: letter.id }, dedupeKey: letterJobId(letter.id, retryOf?.get(letter.id)) });
    }
  }
  await addManyToOutbox(db, JOBS.sendLetter, individual);
  await addManyToOutbox(db, JOBS.sendDigest, [...digests.values()]);
}

/** The job id of a letter's delivery: the first, an admin's retry (`retry-<attempts>`) or a sweep's. */
export function letterJobId(letterId: string, suffix?: number | string): string {
  return suffix === undefined ? `letter-${letterId}` : `letter-${letterId}-${typeof suffix === 'number' ? `retry-${suffix}` : suffix}`;
}

/** The release job of a confirmed signing: its held letters are queued and their jobs written. */
export async function releaseHeldLetters(platform: Platform, attemptId: string): Promise<number> {
  return platform.db.$transaction(async (tx) => {
    const released = await letters.releaseHeld(tx, attemptId);
    await enqueueDeliveries(tx, released.map((l) => ({ id: l.id, campaignId: l.campaign_id, targetId: l.target_id })));
    return released.length;
  });
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
