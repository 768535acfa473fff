export { sendLetterHandler } from './delivery';
export { describeDigestOverridesApi, digestOverridesRouter } from './digest-overrides.routes';
export { sendDigestHandler } from './digest';
export * as letterRows from './letters.repository';
export { failSentLetterAfterBounce } from './letters.repository';
export { enqueueDeliveries, listLettersForAdmin, retryLetters } from './queueing';
export { LetterSweeper, sweepLetters } from './sweeper';
export { DelegationPacer } from './throttle';
