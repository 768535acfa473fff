import { isCountryCode } from '../../platform/countries';
import { stripHiddenCharacters } from '../../platform/hidden-text';
import { LOCALES } from '../../platform/i18n';
import { z } from '../../platform/http/zod';
import { normaliseEmail } from './email-address';
import { isRequired, msg } from '../../platform/schema-messages';

const LINE_BREAKS = /[\r\n\t]+/g;

/** Form posts send "" for an empty optional field; treat it as absent. */
const emptyAsAbsent = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

const singleLine = (max: number) =>
  z
    .string()
    .transform((s) => stripHiddenCharacters(s).replace(LINE_BREAKS, ' ').trim())
    .pipe(z.string().max(max, msg('problems.message.maxChars', { max })));
const optionalLine = (max: number) => z.preprocess(emptyAsAbsent, singleLine(max).optional());

const formBoolean = z.preprocess(
  (value) => {
    if (value === undefined || value === '') return false;
    if (typeof value === 'string')
      return ['true', 'on', '1', 'yes'].includes(value.toLowerCase()) ? true : ['false', 'off', '0', 'no'].includes(value.toLowerCase()) ? false : value;
    return value;
  },
  z.boolean({ error: msg('problems.message.trueOrFalse') }),
);

const emailAddress = z
  .string(isRequired)
  .max(320, msg('problems.message.tooLong'))
  .transform((value, ctx) => {
    const normalised = normaliseEmail(value);
    if (!normalised) {
      ctx.addIssue({ code: 'custom', message: msg('problems.message.validEmail') });
      return z.NEVER;
    }
    return normalised;
  })
  .openapi({ type: 'string', format: 'email', example: 'aigerim@example.org' });

/** The language a page signed in: one of ours or absent (a form's empty field is absent); anything else is refused. */
const supportedLocale = z
  .preprocess(emptyAsAbsent, z.enum(LOCALES, { error: msg('problems.message.oneOfLocales', { locales: LOCALES.join(', ') }) }).optional())
  .openapi({ type: 'string', enum: [...LOCALES], description: "Language of the page that signed (en, ru, kk); absent means the page's language." });

/**
 * Where a signature came from (`source`, `utm_*`): a short slug, compared case-insensitively and
 * stored lower-case. They are rollup keys that outlive every signature (erasure keeps the counts),
 * so they must not be able to hold free text such as an email address.
 */
export const TRACKING_SLUG = /^[a-z0-9][a-z0-9._-]{0,63}$/i;
const trackingSlug = z
  .preprocess(
    emptyAsAbsent,
    z
      .string()
      .trim()
      .regex(TRACKING_SLUG, msg('problems.message.trackingSlug'))
      .transform((value) => value.toLowerCase())
      .optional(),
  )
  .openapi({ type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' });

export const signingRequest = z
  .object({
    email: emailAddress,
    name: z
      .string(isRequired)
      .transform((s) => stripHiddenCharacters(s).replace(LINE_BREAKS, ' ').trim())
      .pipe(
        z
          .string()
          .min(1, msg('problems.message.isRequired'))
          .max(100, msg('problems.message.maxChars', { max: 100 })),
      )
      .openapi({ type: 'string', example: 'Aigerim' }),
    country: z
      .preprocess(
        emptyAsAbsent,
        z
          .string()
          .transform((s) => s.trim().toUpperCase())
          .refine(isCountryCode, msg('problems.message.countryCode'))
          .optional(),
      )
      .openapi({ type: 'string', example: 'KZ', description: 'ISO 3166-1 alpha-2' }),
    city: optionalLine(100),
    comment: z.preprocess(
      emptyAsAbsent,
      z
        .string()
        .transform((s) => stripHiddenCharacters(s).replace(/\r\n?/g, '\n').trim())
        .pipe(z.string().max(1000, msg('problems.message.maxChars', { max: 1000 })))
        .optional(),
    ),
    source: trackingSlug.openapi({ description: 'Where the signature came from, e.g. a partner site (a slug, stored lower-case).' }),
    /** The solved ALTCHA challenge (base64 JSON), required when the campaign turns proof of work on. */
    altcha: z
      .string()
      .max(4000)
      .optional()
      .openapi({ description: 'Set by the proof-of-work widget (GET /api/altcha/challenge) when the campaign requires it.' }),
    /** Set by the embedded form: a signed token naming the partner site, checked against the campaign's allowlist. */
    partner: z.preprocess(emptyAsAbsent, z.string().max(400).optional()).openapi({ type: 'string', description: 'Set by the embedded form; omit otherwise.' }),
    utm_source: trackingSlug,
    utm_medium: trackingSlug,
    utm_campaign: trackingSlug,
    consent: z
      .object(
        {
          updates: formBoolean.openapi({ type: 'boolean', description: 'Whether we may email them about this campaign.' }),
          wording: z
            .string(isRequired)
            .min(1, msg('problems.message.isRequired'))
            .max(64)
            .openapi({ description: 'Id of the consent wording shown (GET /api/campaigns/{slug} → consent.wording).' }),
          // Only a missing or non-object consent "is required"; an unknown key inside it keeps zod's message.
        },
        isRequired,
      )
      .strict(),
    /** Honeypot: humans never see this field, so anything in it means a bot. */
    website: z.string().max(1000).optional().openapi({ description: 'Honeypot. Leave empty.' }),
    /** The signed render time of the HTML form, for its minimum fill time. */
    form_started: z.string().max(200).optional().openapi({ description: 'Set by the HTML form; omit otherwise.' }),
    /** The language the supporter signed in, kept on the signing attempt for its emails (our pages always send a valid one). */
    locale: supportedLocale,
  })
  .strict()
  .openapi('SigningRequest');

export type SigningRequest = z.infer<typeof signingRequest>;

export const signingAnswer = z
  .object({
    status: z.literal('received'),
    message: z.string(),
    actionToken: z.string().openapi({
      description:
        'Opaque token of this signing, for POST /api/campaigns/{slug}/letters. Letters recorded with it wait until this signing is confirmed by email.',
    }),
  })
  .openapi('SigningAnswer', { description: 'Identical for a first and a repeated signing, so the answer cannot tell whether someone had signed.' });

export const confirmationRequest = z
  .object({ token: z.string().min(1).max(200) })
  .strict()
  .openapi('ConfirmationRequest');
export const confirmationAnswer = z
  .object({
    status: z.enum(['confirmed', 'already_confirmed']),
    campaign: z.object({ slug: z.string(), title: z.string() }),
  })
  .openapi('ConfirmationAnswer');

export const tokenParams = z.object({ token: z.string().min(1).max(200) });

/** Asking for a fresh confirmation link: the answer is the same whether or not the address has signed. */
export const resendRequest = z
  .object({
    email: emailAddress,
    locale: supportedLocale,
  })
  .strict()
  .openapi('ConfirmationResendRequest');

export type ResendRequest = z.infer<typeof resendRequest>;

export const resendAnswer = z.object({ status: z.literal('received'), message: z.string() }).openapi('ConfirmationResendAnswer');
