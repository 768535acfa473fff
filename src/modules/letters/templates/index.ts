export { letterFromName } from './display-name';
export { type LetterContext, type RenderedLetter } from './letter-context';
export { compileMailingTemplate, isEmptyLetter, type MailingContext, renderDigest } from './templates.engine';
export { chosenTemplateSql } from './templates.repository';
export { describeTemplatesApi, templatesRouter } from './templates.routes';
export { templateUpdateSchema } from './templates.schemas';
export { buildLetterContext, previewLetter, rendererFor, seedDefaultTemplate, seedTranslatedDefaultTemplates } from './templates.service';
