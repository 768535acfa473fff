import { z } from './zod';

/** `:slug` in a route: a campaign's slug, checked before any query sees it. */
export const slugParams = z
  .object({
    slug: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a campaign slug (lower-case letters, digits and dashes)'),
  })
  .openapi('CampaignSlug');
