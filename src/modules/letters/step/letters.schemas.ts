import { isCountryCode } from '../../../platform/countries';
import { stripHiddenCharacters } from '../../../platform/hidden-text';
import { z } from '../../../platform/http/zod';

// The regional groups are the targets' own list: one list, one spelling.
import { UN_GROUPS } from '../targets';

export { UN_GROUPS };

/** The longest paragraph a supporter may add to their letters (the letter step shows it). */
export const PARAGRAPH_MAX = 2000;

export const targetSelection = z
  .union(
    [
      z.object({ all: z.literal(true) }).strict(),
      z.object({ group: z.enum(UN_GROUPS, { error: `must be one of: ${UN_GROUPS.join(', ')}` }) }).strict(),
      z.object({ own: z.literal(true) }).strict(),
      z
        .object({
          countries: z
            .array(
              z
                .string()
                .transform((c) => c.trim().toUpperCase())
                .refine(isCountryCode, 'must be an ISO 3166-1 alpha-2 code'),
            )
            .min(1, 'name at least one country')
            .max(60, 'at most 60 countries'),
        })
        .strict(),
    ],
    { error: 'must be one of { all: true }, { group }, { own: true } or { countries: [...] }' },
  )
  .openapi('TargetSelection');

export type TargetSelection = z.infer<typeof targetSelection>;

export const lettersRequest = z
  .object({
    actionToken: z.string({ error: 'is required' }).min(1).max(200).openapi({ description: 'From the signing answer (SigningAnswer.actionToken).' }),
    targets: targetSelection,
    paragraph: z
      .preprocess(
        (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
        z
          .string()
          .transform((s) => stripHiddenCharacters(s).replace(/\r\n?/g, '\n').trim())
          .pipe(z.string().max(PARAGRAPH_MAX, `must be at most ${PARAGRAPH_MAX} characters`))
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
