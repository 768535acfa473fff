import { isCountryCode } from '../../../platform/countries';
import { z } from '../../../platform/http/zod';
import { cleanLine, cleanText } from './templates.engine';

/** A BCP 47-ish language tag as templates are stored: `en`, `fr`, `pt-BR`. */
export const languageSchema = z
  .string()
  .regex(/^[a-z]{2,3}(-[A-Z]{2})?$/, 'must be a language code such as en, fr or pt-BR')
  .openapi({ example: 'en' });

const part = (name: string, max: number) =>
  z
    .string({ error: 'is required' })
    .min(1, 'is required')
    .max(max, `must be at most ${max} characters`)
    .openapi({ description: `The ${name} part, in Handlebars.` });

export const templatePartsSchema = z
  .object({
    subject: part('subject (plain text, one line; no supporter.* variables)', 500),
    html: part('HTML body (supporter.* must be escaped: {{ }}, never {{{ }}})', 12_000),
    text: part('plain-text body', 12_000),
  })
  .strict();

export const templateUpdateSchema = templatePartsSchema
  .extend({ language: languageSchema.default('en') })
  .strict()
  .openapi('LetterTemplateUpdate', {
    description:
      'Variables: campaign.title/slug, source.organisation/url/date, demands (in {{#each demands}}: title, quote, quoteTranslation (an unofficial translation of the quote, or empty), @index, @first, @last), ' +
      'supporter.name/city/country/countryCode/paragraph, delegation.iso2/country/mission/salutation. ' +
      "Helpers: if, unless, each, with, add1 (numbering), paragraphs (HTML only: a supporter's text as escaped <p>s). No partials.",
  });

export const templateSchema = z
  .object({
    language: z.string(),
    origin: z.enum(['campaign', 'default']).openapi({ description: '`default`: the campaign has no template of its own; letters use the default letter.' }),
    updatedAt: z.string().nullable(),
    subject: z.string(),
    html: z.string(),
    text: z.string(),
  })
  .openapi('LetterTemplate');

export const languageQuery = z.object({ language: languageSchema.optional() });

export const renderedLetterSchema = z.object({ subject: z.string(), html: z.string(), text: z.string() }).openapi('RenderedLetter');

// What a supporter types, cleaned the way the rest of the API cleans it.
const emptyAsAbsent = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);
const iso2 = z.string().trim().toUpperCase().refine(isCountryCode, 'must be an ISO 3166-1 alpha-2 country code');
const supporterFields = {
  name: z
    .string({ error: 'is required' })
    .transform(cleanLine)
    .pipe(z.string().min(1, 'is required').max(100, 'must be at most 100 characters'))
    .openapi({ type: 'string', example: 'Aigerim' }),
  city: z
    .preprocess(emptyAsAbsent, z.string().transform(cleanLine).pipe(z.string().max(100, 'must be at most 100 characters')).optional())
    .openapi({ type: 'string', example: 'Almaty' }),
  country: z.preprocess(emptyAsAbsent, iso2.optional()).openapi({ type: 'string', example: 'KZ', description: "The supporter's country, ISO 3166-1 alpha-2" }),
  paragraph: z
    .preprocess(emptyAsAbsent, z.string().transform(cleanText).pipe(z.string().max(2000, 'must be at most 2000 characters')).optional())
    .openapi({ type: 'string', description: "The supporter's own words; blank lines separate paragraphs." }),
};

export const publicPreviewSchema = z
  .object({
    iso2: iso2.openapi({ type: 'string', example: 'FR', description: 'The delegation written to' }),
    ...supporterFields,
  })
  .strict()
  .openapi('LetterPreviewRequest');

export const adminPreviewSchema = z
  .object({
    iso2: iso2.openapi({ type: 'string', example: 'FR' }),
    supporter: z.object(supporterFields).strict(),
    language: languageSchema.optional(),
    template: templatePartsSchema.optional().openapi({ description: 'An unsaved template to try; without it, the saved one (or the default letter).' }),
  })
  .strict()
  .openapi('AdminLetterPreviewRequest');

export type PublicPreview = z.infer<typeof publicPreviewSchema>;
export type AdminPreview = z.infer<typeof adminPreviewSchema>;
