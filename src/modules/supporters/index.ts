export { describeSupportersApi, supportersRouter } from './supporters.routes';
export { confirmationEmailHandler } from './supporters.jobs';
export { confirmationLink, confirmSignature, signPetition, SIGNING_ANSWER } from './supporters.service';
export { formStartedToken } from './form-timing';
