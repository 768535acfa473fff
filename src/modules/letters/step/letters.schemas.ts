import { isCountryCode } from '../../../platform/countries';
import { stripHiddenCharacters } from '../../../platform/hidden-text';
import { z } from '../../../platform/http/zod';

// The regional groups are the targets' own list: one list, one spelling.
import { UN_GROUPS } from '../targets';
import { isRequired, msg } from '../../../platform/schema-messages';

export { UN_GROUPS };

/** The longest paragraph a supporter may add to their letters (the letter step shows it). */
export const PARAGRAPH_MAX = 2000;

export const targetSelection = z
  .union(
    [
      z.object({ all: z.literal(true) }).strict(),
      z.object({ group: z.enum(UN_GROUPS, { error: msg('problems.message.oneOfGroups', { groups: UN_GROUPS.join(', ') }) }) }).strict(),
      z.object({ own: z.literal(true) }).strict(),
      z
        .object({
          countries: z
            .array(
              z
                .string()
                .transform((c) => c.trim().toUpperCase())
                .refine(isCountryCode, msg('problems.message.countryCodeShort')),
            )
            .min(1, msg('problems.message.atLeastOneCountry'))
            .max(60, msg('problems.message.atMostCountries', { max: 60 })),
        })
        .strict(),
    ],
    { error: msg('problems.message.targetShapes') },
  )
  .openapi('TargetSelection');

export type TargetSelection = z.infer<typeof targetSelection>;

export const lettersRequest = z
  .object({
    actionToken: z.string(isRequired).min(1).max(200).openapi({ description: 'From the signing answer (SigningAnswer.actionToken).' }),
    targets: targetSelection,
    paragraph: z
      .preprocess(
        (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
        z
          .string()
          .transform((s) => stripHiddenCharacters(s).replace(/\r\n?/g, '\n').trim())
          .pipe(z.string().max(PARAGRAPH_MAX, msg('problems.message.maxChars', { max: PARAGRAPH_MAX })))
          .optional(),
      )
      .openapi({ type: 'string', description: `Your own words, added to every letter of this request (at most ${PARAGRAPH_MAX} characters).` }),
  })
  .strict()
  .openapi('LettersRequest');

export type LettersRequest = z.infer<typeof lettersRequest>;

export const lettersAnswer = z
  .object({
    recorded: z.number().int().openapi({ description: 'How many delegations have a letter from you for this request.' }),
    status: z.enum(['waiting_for_confirmation', 'queued']),
    delegations: z.array(z.object({ iso2: z.string(), country: z.string(), mission: z.string() })),
  })
  .openapi('LettersAnswer');

export const letterIdParams = z.object({ id: z.uuid() });

export const failedLettersQuery = z
  .object({
    campaign: z.string().max(64).optional(),
    status: z.enum(['failed', 'review']).default('failed'),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();
