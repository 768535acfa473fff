export { describeSupportersApi, supportersRouter } from './supporters.routes';
export { notMeRouter } from './not-me.routes';
export { classifySmtpError, confirmationEmailHandler } from './supporters.jobs';
export { signPetition, SIGNING_ANSWER, type SigningContext } from './supporters.service';
export { campaignOfLink, confirmAttempt, confirmationLink, confirmSignature, inspectConfirmation, localeOfLink } from './confirmations.service';
export { signingRateLimits, type LimitedAnswer, type SigningLimitOptions } from './rate-limits';
export { resendRequest, signingRequest, tokenParams, TRACKING_SLUG, type SigningRequest } from './supporters.schemas';
export { describeProofOfWorkApi, PROOF_OF_WORK_ASSETS, proofOfWorkRouter } from './proof-of-work';
export { actionContext, type ActionContext } from './action-tokens';
export { mayMailSupporter, notMeLink, suppressAfterReport } from './mail-gate';
export { lockPersonalDataForErasure, withPersonalDataOf } from './personal-data-lock';
export { recordAddressRequest, resolveAddressRequest } from './address-requests';
export { canonicalEmail, normaliseEmail } from './email-address';
export {
  emailLookupHash,
  open as openPersonalData,
  openValue as openSealedValue,
  SEALED,
  seal as sealPersonalData,
  type SealedColumn,
  type SealedValue,
} from './personal-data';
import { SEALED, seal } from './personal-data';
import type { Platform } from '../../platform/context';

/** A supporter's own paragraph for letters is personal data like the rest: sealed at rest. */
export function sealLetterParagraph(platform: Pick<Platform, 'cipher'>, paragraph: string, letterId: string): string {
  return seal(platform, paragraph, SEALED.letterParagraph, letterId);
}
export { formStartedToken } from './form-timing';
export {
  applyTransition,
  COUNTER_SLOTS,
  computeDeltas,
  ledgerColumns,
  readLedgerRows,
  TRANSITIONS,
  type LedgerSignature,
  type Standing,
  type Transition,
} from './signatures.ledger';
export { confirmPending, expireSignatures, invalidateMatching, restoreMatching, type SignatureCondition } from './signatures.changes';
export { unsubscribeRouter } from './unsubscribe.routes';
export { unsubscribeHeaders, unsubscribeUrl, withdrawConsent, type UnsubscribeScope } from './unsubscribe';
export { partnerOf, partnerToken } from './partner-token';
export { IpHashRetention } from './ip-hash-retention';
export { envelopesNotCurrent, reSealAll } from './key-rotation';
export { reHashEmails } from './secret-rotation';
