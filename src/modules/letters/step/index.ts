export { letterApprovalEmailHandler } from './approval.jobs';
export { approvalRouter } from './approval.routes';
export { letterStepRouter } from './letter-step.routes';
export { describeLettersApi, lettersRouter } from './letters.routes';
