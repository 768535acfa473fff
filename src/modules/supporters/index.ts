export { describeSupportersApi, supportersRouter } from './supporters.routes';
export { notMeRouter } from './not-me.routes';
export { classifySmtpError, confirmationEmailHandler } from './supporters.jobs';
export { signPetition, SIGNING_ANSWER } from './supporters.service';
export { confirmAttempt, confirmationLink, confirmSignature } from './confirmations.service';
export { actionContext, type ActionContext } from './action-tokens';
export { mayMailSupporter, notMeLink, suppressAfterReport } from './mail-gate';
export { resolveAddressRequest } from './address-requests';
export { open as openPersonalData, PURPOSE, seal as sealPersonalData } from './personal-data';
import { PURPOSE, seal } from './personal-data';
import type { Platform } from '../../platform/context';

/** A supporter's own paragraph for letters is personal data like the rest: sealed at rest. */
export function sealLetterParagraph(platform: Pick<Platform, 'cipher'>, paragraph: string): string {
  return seal(platform, paragraph, PURPOSE.paragraph);
}
export { formStartedToken } from './form-timing';
export { unsubscribeRouter } from './unsubscribe.routes';
export { unsubscribeHeaders, unsubscribeUrl, withdrawConsent, type UnsubscribeScope } from './unsubscribe';
