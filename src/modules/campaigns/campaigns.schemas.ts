import { z } from '../../platform/http/zod';

export const slugParams = z.object({
  slug: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a campaign slug (lower-case letters, digits and dashes)'),
}).openapi('CampaignSlug');

export const publicCampaignSchema = z.object({
  slug: z.string(),
  title: z.string(),
  status: z.enum(['live', 'closed']),
  statement: z.string(),
  source: z.object({ organisation: z.string(), url: z.string().nullable(), date: z.string().nullable() }),
  demands: z.array(z.object({ title: z.string(), quote: z.string().openapi({ description: 'Verbatim from the statement.' }) })),
  goal: z.number().int(),
  counts: z.object({ confirmed: z.number().int(), pending: z.number().int(), public: z.number().int() }),
  consent: z.object({ wording: z.string(), text: z.string() }).nullable()
    .openapi({ description: 'The consent wording to show beside the signing form; send its id back as consent.wording.' }),
}).openapi('Campaign');
