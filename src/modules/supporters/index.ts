export { describeSupportersApi, supportersRouter } from './supporters.routes';
export { confirmationEmailHandler } from './supporters.jobs';
export { attemptForActionToken, confirmationLink, confirmSignature, signPetition, SIGNING_ANSWER } from './supporters.service';
export { open as openPersonalData, PURPOSE, seal as sealPersonalData } from './personal-data';
import { PURPOSE, seal } from './personal-data';
import type { Platform } from '../../platform/context';

/** A supporter's own paragraph for letters is personal data like the rest: sealed at rest. */
export function sealLetterParagraph(platform: Pick<Platform, 'cipher'>, paragraph: string): string {
  return seal(platform, paragraph, PURPOSE.paragraph);
}
export { formStartedToken } from './form-timing';
