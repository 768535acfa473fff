import { z } from './zod';
import { msg } from '../schema-messages';

/** `:slug` in a route: a campaign's slug, checked before any query sees it. */
export const slugParams = z
  .object({
    slug: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, msg('problems.message.slug')),
  })
  .openapi('CampaignSlug');
