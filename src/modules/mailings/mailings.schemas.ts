import { z } from '../../platform/http/zod';
import { ISO_COUNTRY_CODES } from '../../platform/countries';
import { LOCALES } from '../../platform/i18n';

const locale = z.enum(LOCALES);
const subject = z.string().trim().min(1).max(200);
const text = z.string().min(1).max(12_000);
const html = z.string().min(1).max(12_000);

export const mailingVersionSchema = z.object({ language: locale, subject, text, html: html.optional() }).strict().openapi('MailingVersion');

export const createMailingSchema = z
  .object({
    subject,
    text,
    html: html.optional(),
    /** Only supporters who signed in these languages; absent or empty: every language. */
    languages: z.array(locale).max(LOCALES.length).optional(),
    /** Only supporters who gave one of these countries (ISO 3166-1 alpha-2); absent or empty: all. */
    countries: z
      .array(z.string().refine((code) => ISO_COUNTRY_CODES.has(code), 'must be an ISO 3166-1 alpha-2 code in capitals'))
      .max(250)
      .optional(),
    /** Other languages of the same update; a supporter whose language has none gets the main one. */
    translations: z.array(mailingVersionSchema).max(LOCALES.length).optional(),
  })
  .strict()
  .openapi('MailingCreate');

export const mailingIdParams = z.object({ id: z.uuid() });

export const mailingCreatedSchema = z.object({ id: z.uuid() }).openapi('MailingCreated');

export const mailingCountsSchema = z
  .object({
    recipients: z.number().int(),
    queued: z.number().int(),
    sent: z.number().int(),
    failed: z.number().int(),
    bounced: z.number().int(),
    unsubscribed: z.number().int(),
  })
  .openapi('MailingCounts');

export const mailingStatusSchema = z.enum(['draft', 'sending', 'paused', 'cancelled', 'done']);

export const mailingSchema = z
  .object({
    id: z.uuid(),
    campaign: z.string(),
    status: mailingStatusSchema,
    subject: z.string(),
    language: z.string(),
    languages: z.array(z.string()),
    countries: z.array(z.string()),
    ratePerMinute: z.number().int().nullable(),
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
    counts: mailingCountsSchema,
  })
  .openapi('Mailing');

export const mailingListSchema = z.object({ mailings: z.array(mailingSchema) }).openapi('MailingList');

export const mailingActionSchema = z.object({ id: z.uuid(), status: mailingStatusSchema }).openapi('MailingState');

export const mailingPreviewSchema = z
  .object({
    language: locale.optional(),
  })
  .strict()
  .openapi('MailingPreviewRequest');

export const renderedMailingSchema = z.object({ language: z.string(), subject: z.string(), text: z.string(), html: z.string() }).openapi('RenderedMailing');

export const mailingTestQueuedSchema = z.object({ id: z.uuid(), queued: z.literal(true) }).openapi('MailingTestQueued');

export type CreateMailing = z.infer<typeof createMailingSchema>;
export type MailingCounts = z.infer<typeof mailingCountsSchema>;
