import { z } from '../../platform/http/zod';

export const publicCampaignSchema = z
  .object({
    slug: z.string(),
    language: z.string().openapi({
      description:
        'Language of title, summary and demand titles: the one asked for (?lang= or Accept-Language) when the campaign has that translation, else its original language. The statement and the quotes stay in the original.',
    }),
    title: z.string(),
    summary: z.string().nullable(),
    status: z.enum(['live', 'closed']),
    statement: z.string(),
    source: z.object({ organisation: z.string(), url: z.string().nullable(), date: z.string().nullable() }),
    demands: z.array(
      z.object({
        title: z.string(),
        quote: z.string().openapi({ description: 'Verbatim from the statement, in its original language.' }),
        quoteTranslation: z
          .object({ language: z.string(), text: z.string(), unofficial: z.literal(true) })
          .optional()
          .openapi({ description: 'An unofficial translation of the quote into `language`; only the quote itself is what was said.' }),
      }),
    ),
    goal: z.number().int(),
    counts: z.object({
      confirmed: z.number().int(),
      pending: z.number().int().optional().openapi({ description: 'Only when the campaign counts unconfirmed signatures publicly.' }),
      public: z.number().int(),
    }),
    consent: z
      .object({ wording: z.string(), text: z.string() })
      .nullable()
      .openapi({ description: 'The consent wording to show beside the signing form; send its id back as consent.wording.' }),
    proofOfWork: z.boolean().openapi({ description: 'Signing needs a solved challenge from GET /api/altcha/challenge in the `altcha` field.' }),
  })
  .openapi('Campaign');

export const langQuery = z.object({
  lang: z.string().optional().openapi({ description: 'en, ru or kk; wins over Accept-Language. Anything else is ignored.' }),
});
