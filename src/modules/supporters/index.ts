export { describeSupportersApi, supportersRouter } from './supporters.routes';
export { notMeRouter } from './not-me.routes';
export { classifySmtpError, confirmationEmailHandler } from './supporters.jobs';
export { signPetition, SIGNING_ANSWER } from './supporters.service';
export { confirmAttempt, confirmationLink, confirmSignature } from './confirmations.service';
export { actionContext, type ActionContext } from './action-tokens';
export { mayMailSupporter, notMeLink, suppressAfterReport } from './mail-gate';
export { resolveAddressRequest } from './address-requests';
export { open as openPersonalData, openValue as openSealedValue, SEALED, seal as sealPersonalData, type SealedColumn, type SealedValue } from './personal-data';
import { SEALED, seal } from './personal-data';
import type { Platform } from '../../platform/context';

/** A supporter's own paragraph for letters is personal data like the rest: sealed at rest. */
export function sealLetterParagraph(platform: Pick<Platform, 'cipher'>, paragraph: string, letterId: string): string {
  return seal(platform, paragraph, SEALED.letterParagraph, letterId);
}
export { formStartedToken } from './form-timing';
export { applyTransition, COUNTER_SLOTS, computeDeltas, ledgerColumns, readLedgerRows, TRANSITIONS, type LedgerSignature, type Standing, type Transition } from './signatures.ledger';
export { confirmPending, expireSignatures, invalidateMatching, restoreMatching, type SignatureCondition } from './signatures.changes';
export { unsubscribeRouter } from './unsubscribe.routes';
export { unsubscribeHeaders, unsubscribeUrl, withdrawConsent, type UnsubscribeScope } from './unsubscribe';
