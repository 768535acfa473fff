export { approvalRouter, describeLettersApi, letterApprovalEmailHandler, lettersRouter, letterStepRouter } from './step';
export { describeTargetsApi, exportTargetsCsv, importTargets, recordAddressFailure, seedTargets, targetsRouter, UN_GROUPS } from './targets';
export {
  compileMailingTemplate,
  describeTemplatesApi,
  type MailingContext,
  seedDefaultTemplate,
  seedTranslatedDefaultTemplates,
  templatesRouter,
  templateUpdateSchema,
} from './templates';
export {
  DelegationPacer,
  describeDigestOverridesApi,
  digestOverridesRouter,
  failSentLetterAfterBounce,
  LetterSweeper,
  sendDigestHandler,
  sendLetterHandler,
  sweepLetters,
} from './delivery';
