import { z } from '../../platform/http/zod';
import { LOCALES } from '../../platform/i18n';
import { slugParams } from '../../platform/http/params';
import { hasHiddenCharacters } from '../../platform/hidden-text';

/**
 * What staff may send to manage a campaign (`/api/admin/campaigns`). Texts that end up in letters
 * and on public pages are held to the same rules here once: one line for titles, no control or
 * bidi-override characters anywhere (they hide text in letters and exports).
 */

const line = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine((value) => !hasHiddenCharacters(value) && !value.includes('\n'), 'must be one line of plain text');

const text = (max: number) =>
  z
    .string()
    .transform((value) => value.replace(/\r\n?/g, '\n').trim())
    .pipe(
      z
        .string()
        .min(1, 'must not be empty')
        .max(max, `must be at most ${max} characters`)
        // Line breaks of any kind are text here; hidden characters are not.
        .refine(
          (value) => !hasHiddenCharacters(value.replace(/\r\n?|[\u2028\u2029]/g, '\n')),
          'must be plain text (no control or direction-override characters)',
        ),
    );

export const MAX_DEMANDS = 20;
export const MAX_EMBED_ORIGINS = 50;
/** Ten years: longer is "forever" under another name. */
export const MAX_RETENTION_DAYS = 3650;
export const STATUSES = ['draft', 'live', 'closed'] as const;
export type CampaignStatusName = (typeof STATUSES)[number];

/**
 * An origin a partner site embeds the form from: http(s), a host, an optional port, nothing else.
 * Normalised the way browsers send `Origin` (lower-case host, punycode, default port dropped), so
 * a comparison with the header is a plain string equality.
 */
export function normaliseOrigin(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  // Wildcards and other oddities the URL parser lets through are no host a browser sends.
  if (!/^(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])$/.test(url.hostname)) return null;
  if (url.username || url.password || url.search || url.hash) return null;
  // `new URL('https://a.org')` has the path '/': a bare origin, with or without its slash, is fine.
  if (url.pathname !== '/' || /^https?:\/\/[^/]+\/./i.test(value.trim())) return null;
  return url.origin;
}

export const embedOriginsSchema = z
  .array(z.string())
  .max(MAX_EMBED_ORIGINS, `must list at most ${MAX_EMBED_ORIGINS} origins`)
  .transform((list, ctx) => {
    const result: string[] = [];
    for (const [index, given] of list.entries()) {
      const origin = normaliseOrigin(given);
      if (origin === null)
        ctx.addIssue({
          code: 'custom',
          path: [index],
          message: 'must be an origin: http:// or https://, a host and an optional port, without a path (e.g. https://partner.example.org)',
        });
      else if (!result.includes(origin)) result.push(origin);
    }
    return result;
  })
  .openapi({
    type: 'array',
    items: { type: 'string', example: 'https://partner.example.org' },
    description: 'Sites allowed to embed the signing form; normalised and de-duplicated.',
  });

const demandSchema = z.strictObject({
  title: line(300),
  quote: text(2000).openapi({ description: 'Verbatim from the statement.' }),
});

const demandsSchema = z.array(demandSchema).min(1, 'list at least one demand').max(MAX_DEMANDS, `list at most ${MAX_DEMANDS} demands`);

const sourceSchema = z.strictObject({
  organisation: line(200),
  url: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .max(2000)
    .nullable()
    .optional(),
  date: z.iso.date({ error: 'must be a date like 2025-03-31' }).nullable().optional(),
});

const senderSchema = z.strictObject({
  name: line(100),
  email: z.email({ error: 'must be an email address' }).max(254),
});

const consentSchema = z.strictObject({
  text: text(2000).openapi({ description: 'The exact consent text supporters see; a change creates a new wording (the old one is kept as evidence).' }),
});

export const campaignCreateRequest = z
  .strictObject({
    slug: slugParams.shape.slug,
    title: line(200),
    summary: text(1000).nullable().optional(),
    statement: text(20_000),
    language: z.enum(LOCALES).default('en').openapi({ description: "Language of the campaign's own texts." }),
    source: sourceSchema,
    goal: z.number().int('must be a whole number').min(1, 'must be at least 1').max(100_000_000),
    sender: senderSchema,
    demands: demandsSchema,
    consent: consentSchema,
  })
  .openapi('AdminCampaignCreate');
export type CampaignCreateRequest = z.infer<typeof campaignCreateRequest>;

export const campaignPatchRequest = z
  .strictObject({
    title: line(200).optional(),
    summary: text(1000).nullable().optional(),
    statement: text(20_000).optional().openapi({ description: "Every demand's quote must still appear in it verbatim." }),
    source: sourceSchema.partial().optional(),
    goal: z.number().int('must be a whole number').min(1, 'must be at least 1').max(100_000_000).optional(),
    sender: senderSchema.partial().optional(),
    letterMode: z.enum(['individual', 'digest']).optional(),
    digestPeriodMinutes: z
      .number()
      .int('must be a whole number')
      .min(5, 'must be at least 5')
      .max(7 * 24 * 60, 'must be at most a week')
      .optional(),
    letterTestMode: z.boolean().optional(),
    countPendingPublicly: z.boolean().optional(),
    status: z.enum(STATUSES).optional().openapi({ description: 'draft → live (open), live → closed (close), closed → live (reopen).' }),
    embedOrigins: embedOriginsSchema.optional(),
    proofOfWork: z.boolean().optional().openapi({ description: 'Signing requires a solved proof-of-work challenge.' }),
    retentionDays: z
      .number()
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(MAX_RETENTION_DAYS, `must be at most ${MAX_RETENTION_DAYS}`)
      .optional()
      .openapi({ description: "Supporters' personal data is removed this many days after the campaign closes (default 180)." }),
    consent: consentSchema.optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, { message: 'send at least one field to change' })
  .openapi('AdminCampaignPatch');
export type CampaignPatchRequest = z.infer<typeof campaignPatchRequest>;

export const demandsRequest = z.strictObject({ demands: demandsSchema }).openapi('AdminDemandsReplace');

export const translationParams = z
  .object({
    slug: slugParams.shape.slug,
    lang: z.enum(LOCALES, { error: `must be one of ${LOCALES.join(', ')}` }),
  })
  .openapi('CampaignTranslationParams');

export const translationRequest = z
  .strictObject({
    title: line(200),
    summary: text(1000).nullable().optional(),
    demands: z
      .array(
        z.strictObject({
          position: z.number().int().min(1),
          title: line(300),
          quote: text(2000).openapi({ description: 'An unofficial translation of the quote; the original stays verbatim beside it.' }),
        }),
      )
      .max(MAX_DEMANDS)
      .default([]),
  })
  .openapi('CampaignTranslationPut');
export type TranslationRequest = z.infer<typeof translationRequest>;

// --- answers ---------------------------------------------------------------------------------

const counts = z.object({ confirmed: z.number().int(), pending: z.number().int(), invalidated: z.number().int() });

export const adminCampaignSummarySchema = z
  .object({
    slug: z.string(),
    title: z.string(),
    status: z.enum(STATUSES),
    language: z.string(),
    goal: z.number().int(),
    counts,
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('AdminCampaignSummary');

export const adminCampaignListSchema = z.object({ campaigns: z.array(adminCampaignSummarySchema) }).openapi('AdminCampaignList');

export const adminCampaignSchema = adminCampaignSummarySchema
  .extend({
    summary: z.string().nullable(),
    statement: z.string(),
    source: z.object({ organisation: z.string(), url: z.string().nullable(), date: z.string().nullable() }),
    sender: z.object({ name: z.string(), email: z.string() }),
    letterMode: z.enum(['individual', 'digest']),
    digestPeriodMinutes: z.number().int(),
    letterTestMode: z.boolean(),
    countPendingPublicly: z.boolean(),
    embedOrigins: z.array(z.string()),
    proofOfWork: z.boolean(),
    retentionDays: z.number().int().openapi({ description: "Days after closing until supporters' personal data is removed." }),
    closedAt: z.string().nullable().openapi({ description: 'When signing last closed; null while draft or live.' }),
    demands: z.array(z.object({ position: z.number().int(), title: z.string(), quote: z.string() })),
    consent: z.object({ wording: z.string(), text: z.string() }).nullable().openapi({ description: 'The current wording.' }),
    consentWordings: z
      .array(z.object({ id: z.string(), text: z.string(), current: z.boolean(), createdAt: z.string() }))
      .openapi({ description: 'Every wording ever shown, newest first; superseded ones stay as evidence.' }),
    translations: z.array(
      z.object({
        language: z.string(),
        title: z.string(),
        summary: z.string().nullable(),
        demands: z.array(z.object({ position: z.number().int(), title: z.string(), quote: z.string() })),
        updatedAt: z.string(),
      }),
    ),
  })
  .openapi('AdminCampaign');
