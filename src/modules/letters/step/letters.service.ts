import { randomUUID } from 'node:crypto';
import type { Platform } from '../../../platform/context';
import { AppError, fieldError } from '../../../platform/errors';
import type { UseCaseContext } from '../../admin';
import { addToOutbox } from '../../../platform/outbox';
import { JOBS } from '../../../platform/queues';
import { actionContext, sealLetterParagraph } from '../../supporters';
import * as approvals from './approvals.repository';
import { NEAR_IDENTICAL_BITS, paragraphFingerprint } from './fingerprint';
import { letterRows as letters } from '../delivery';
import { enqueueDeliveries } from '../delivery';
import type { LettersRequest } from './letters.schemas';
import { findTargetsForSelection, type TargetSelection as TargetQuery } from '../targets';

/**
 * A supporter's request to write to delegations. The letters (one per delegation, ever) are
 * recorded with their jobs in one transaction. With a signing's action token they are held, and
 * the request is mailed to the address for approval: the token proves only that someone typed the
 * address. The answer is built from the request alone (what it chose, what its signing typed), so
 * it is the same whatever the address had done before, and the same for a discarded signing.
 */
export async function requestLetters(ctx: UseCaseContext<Platform>, slug: string, input: LettersRequest) {
  const { platform } = ctx;
  const action = await actionContext(platform, input.actionToken);
  if (action.campaign.slug !== slug)
    throw new AppError('token_invalid', { key: 'problems.detail.actionTokenOtherCampaign' }, [
      fieldError('actionToken', 'problems.message.forAnotherCampaign'),
    ]);
  if (action.campaign.status !== 'live') throw new AppError('campaign_not_open', { key: 'problems.detail.campaignClosedLetters' });

  const targets = await findTargetsForSelection(platform.db, selectionOf(input.targets, action.signer.countryCode));
  if (targets.length === 0)
    throw new AppError('no_targets', { key: 'problems.detail.noTargets' }, [fieldError('targets', 'problems.message.matchesNoDelegation')]);

  const fingerprint = input.paragraph ? paragraphFingerprint(input.paragraph) : null;
  const queued = await platform.db.$transaction(async (tx) => {
    const approvalId = randomUUID();
    await approvals.insertApproval(tx, { id: approvalId, attemptId: action.attemptId, approved: action.verified });
    // A discarded (bot) signing has nobody to write for: its request is kept like any other, empty.
    if (!action.supporterId) return false;
    const floods =
      fingerprint === null
        ? new Map<string, number>()
        : await letters.countNearIdentical(
            tx,
            targets.map((t) => t.id),
            fingerprint,
            NEAR_IDENTICAL_BITS,
          );
    const threshold = platform.config.LETTERS_COPY_PASTE_THRESHOLD;
    const recorded = await letters.recordLetters(
      tx,
      { campaignId: action.campaign.id, supporterId: action.supporterId, attemptId: action.attemptId, approvalId, fingerprint },
      targets.map((target) => {
        // Each letter's copy of the paragraph is sealed for that letter's row.
        const id = randomUUID();
        const paragraphEncrypted = input.paragraph ? sealLetterParagraph(platform, input.paragraph, id) : null;
        const similar = floods.get(target.id) ?? 0;
        if (similar + 1 >= threshold)
          return {
            id,
            targetId: target.id,
            status: 'review',
            reviewReason: `paragraph near-identical to ${similar} other letters to this delegation in 24 h`,
            paragraphEncrypted,
          };
        return { id, targetId: target.id, status: action.verified ? 'queued' : 'held', reviewReason: null, paragraphEncrypted };
      }),
    );
    await enqueueDeliveries(
      tx,
      recorded.filter((l) => l.status === 'queued').map((l) => ({ id: l.id, campaignId: action.campaign.id, targetId: l.target_id })),
    );
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
    if (!ownCountry)
      throw new AppError('no_targets', { key: 'problems.detail.noOwnCountry' }, [fieldError('targets', 'problems.message.noCountryOnSignature')]);
    return { iso2: [ownCountry] };
  }
  return { iso2: [...new Set(targets.countries)] };
}
