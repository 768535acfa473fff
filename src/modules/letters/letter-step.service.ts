import type { Platform } from '../../platform/context';
import { AppError } from '../../platform/errors';
import { attemptForActionToken, openPersonalData, PURPOSE } from '../supporters';
import { findAlreadyWritten, findSigningForStep } from './letter-step.repository';
import type { LettersRequest, TargetSelection } from './letters.schemas';
import { requestLetters } from './letters.service';
import { findActivePublic, findTargetsForSelection, type TargetSelection as TargetQuery } from './targets.repository';
import { previewLetter } from './templates.service';

/**
 * The letter step: the page after signing where a supporter chooses delegations, previews the
 * letter and sends it. Sending and previewing go through the same services as the JSON API.
 *
 * An action token proves only that someone typed an address: a repeated signing with somebody
 * else's address gets a token for that person's signature. So the page shows the name, city and
 * country the letters carry only to the signing that typed them (`typedHere`); any other signing
 * sees placeholders, and is not told which delegations that person had written to before.
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
  supporterId: string;
  /** Whether this signing's link was used: letters then go out at once instead of waiting. */
  confirmed: boolean;
  typedHere: boolean;
  /** As the letters will be signed; null unless `typedHere`. */
  supporter: { name: string; city: string | null; countryCode: string | null } | null;
  /** The signature's country (used for "own"; shown only when `typedHere`). */
  signatureCountry: string | null;
  /** Active delegations, sorted by iso2. */
  delegations: StepDelegation[];
}

export async function loadLetterStep(platform: Platform, slug: string, actionToken: string): Promise<LetterStep> {
  const attempt = await attemptForActionToken(platform, actionToken);
  const { campaign } = attempt.signature;
  if (campaign.slug !== slug) throw new AppError('token_invalid', 'This action token belongs to another campaign.', [{ field: 'actionToken', message: 'is for another campaign' }]);
  if (campaign.status !== 'live') throw new AppError('campaign_not_open', 'This campaign has closed and no longer sends letters.');
  const signing = await findSigningForStep(platform.db, attempt.id);
  if (!signing) throw new AppError('token_invalid', 'This action token does not match a signing.', [{ field: 'actionToken', message: 'is not valid' }]);
  const { signature } = signing;
  const delegations = await findActivePublic(platform.db);
  return {
    campaign: { id: campaign.id, slug: campaign.slug, title: campaign.title },
    attemptId: attempt.id,
    supporterId: signature.supporterId,
    confirmed: attempt.confirmedAt !== null,
    typedHere: signing.typedHere,
    supporter: signing.typedHere ? {
      name: openPersonalData(platform, signature.supporter.nameEncrypted, PURPOSE.name),
      city: signature.cityEncrypted ? openPersonalData(platform, signature.cityEncrypted, PURPOSE.city) : null,
      countryCode: signature.country,
    } : null,
    signatureCountry: signature.country,
    delegations: delegations.map((d) => ({ iso2: d.iso2, country: d.country, group: d.unGroup, councilMember: d.councilMember })),
  };
}

/** The delegations a choice names, found exactly as the letters service finds them. */
export async function delegationsFor(platform: Platform, step: LetterStep, targets: TargetSelection) {
  const found = await findTargetsForSelection(platform.db, queryFor(step, targets));
  if (found.length === 0) throw new AppError('no_targets', 'No delegation we can write to matches that choice.', [{ field: 'targets', message: 'matches no delegation' }]);
  return found;
}

function queryFor(step: LetterStep, targets: TargetSelection): TargetQuery {
  if ('all' in targets) return { all: true };
  if ('group' in targets) return { group: targets.group };
  if ('own' in targets) return { iso2: step.signatureCountry ? [step.signatureCountry] : [] };
  return { iso2: [...new Set(targets.countries)] };
}

/**
 * The letter the first chosen delegation would receive, rendered by the same preview as the JSON
 * API; `stand-in` is the name shown when this signing did not type the one the letters carry.
 */
export async function previewStepLetter(platform: Platform, step: LetterStep, request: LettersRequest, standIn: string) {
  const targets = await delegationsFor(platform, step, request.targets);
  const first = targets[0]!;
  const supporter = step.supporter ?? { name: standIn, city: null, countryCode: null };
  const letter = await previewLetter(platform, step.campaign.slug, {
    iso2: first.iso2,
    supporter: { ...supporter, paragraph: request.paragraph ?? null },
  }, { publicOnly: true });
  return { letter, first, targets };
}

/**
 * Records the letters through the letters service. `alreadyWritten` lists the delegations that
 * had this supporter's letter before (they get no second one); null when it may not be told.
 */
export async function sendStepLetters(platform: Platform, step: LetterStep, request: LettersRequest) {
  const targets = await delegationsFor(platform, step, request.targets);
  const before = step.typedHere
    ? await findAlreadyWritten(platform.db, { campaignId: step.campaign.id, supporterId: step.supporterId, attemptId: step.attemptId, targetIds: targets.map((t) => t.id) })
    : null;
  const answer = await requestLetters(platform, step.campaign.slug, request);
  return { ...answer, alreadyWritten: before ? targets.filter((t) => before.has(t.id)).map((t) => t.iso2) : null };
}
