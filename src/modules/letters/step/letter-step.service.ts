import type { Platform } from '../../../platform/context';
import { AppError, fieldError } from '../../../platform/errors';
import type { UseCaseContext } from '../../admin';
import { actionContext } from '../../supporters';
import { findAlreadyWritten } from './letter-step.repository';
import type { LettersRequest, TargetSelection } from './letters.schemas';
import { requestLetters, selectionOf } from './letters.service';
import { findActivePublic, findTargetsForSelection } from '../targets';
import { previewLetter } from '../templates';

/**
 * The letter step: the page after signing where a supporter chooses delegations, previews the
 * letter and sends it. Sending and previewing go through the same services as the JSON API.
 *
 * What the page shows comes from the action token's own signing: the name, city and country that
 * request typed (see supporters' action tokens). Nothing of an earlier signing with the same
 * address reaches it, so it looks the same for a new address, one that signed before, and a
 * signing discarded as automated. Only a verified token (from an emailed link) learns more: that
 * the letters go at once, and which delegations already had this supporter's letter.
 */
export interface StepDelegation {
  iso2: string;
  country: string;
  group: string;
  councilMember: boolean;
}

export interface LetterStep {
  campaign: { id: string; slug: string; title: string };
  attemptId: string;
  supporterId: string | null;
  /** Whether letters go at once (a verified token) instead of waiting for the mailbox's approval. */
  verified: boolean;
  /** As the letters will be signed. */
  supporter: { name: string; city: string | null; countryCode: string | null };
  /** Active delegations, sorted by iso2. */
  delegations: StepDelegation[];
}

export async function loadLetterStep(platform: Platform, slug: string, actionToken: string): Promise<LetterStep> {
  const action = await actionContext(platform, actionToken);
  const { campaign } = action;
  if (campaign.slug !== slug)
    throw new AppError('token_invalid', { key: 'problems.detail.actionTokenOtherCampaign' }, [
      fieldError('actionToken', 'problems.message.forAnotherCampaign'),
    ]);
  if (campaign.status !== 'live') throw new AppError('campaign_not_open', { key: 'problems.detail.campaignClosedLetters' });
  const delegations = await findActivePublic(platform.db);
  return {
    campaign: { id: campaign.id, slug: campaign.slug, title: campaign.title },
    attemptId: action.attemptId,
    supporterId: action.supporterId,
    verified: action.verified,
    supporter: action.signer,
    delegations: delegations.map((d) => ({ iso2: d.iso2, country: d.country, group: d.unGroup, councilMember: d.councilMember })),
  };
}

/** The delegations a choice names, found exactly as the letters service finds them. */
export async function delegationsFor(platform: Platform, step: LetterStep, targets: TargetSelection) {
  const found = await findTargetsForSelection(platform.db, selectionOf(targets, step.supporter.countryCode));
  if (found.length === 0)
    throw new AppError('no_targets', { key: 'problems.detail.noTargets' }, [fieldError('targets', 'problems.message.matchesNoDelegation')]);
  return found;
}

/** The letter the first chosen delegation would receive, rendered by the same preview as the JSON API. */
export async function previewStepLetter(platform: Platform, step: LetterStep, request: LettersRequest) {
  const targets = await delegationsFor(platform, step, request.targets);
  const first = targets[0]!;
  const letter = await previewLetter(
    platform,
    step.campaign.slug,
    {
      iso2: first.iso2,
      supporter: { ...step.supporter, paragraph: request.paragraph ?? null },
    },
    { publicOnly: true },
  );
  return { letter, first, targets };
}

/**
 * Records the letters through the letters service. `alreadyWritten` lists the delegations that
 * had this supporter's letter before (they get no second one); null unless the token is verified.
 */
export async function sendStepLetters(ctx: UseCaseContext<Platform>, step: LetterStep, request: LettersRequest) {
  const { platform } = ctx;
  const targets = await delegationsFor(platform, step, request.targets);
  const before =
    step.verified && step.supporterId
      ? await findAlreadyWritten(platform.db, {
          campaignId: step.campaign.id,
          supporterId: step.supporterId,
          attemptId: step.attemptId,
          targetIds: targets.map((t) => t.id),
        })
      : null;
  const answer = await requestLetters(ctx, step.campaign.slug, request);
  return { ...answer, alreadyWritten: before ? targets.filter((t) => before.has(t.id)).map((t) => t.iso2) : null };
}
