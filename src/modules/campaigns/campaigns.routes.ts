import { Router } from 'express';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Platform } from '../../platform/context';
import { problemResponse } from '../../platform/http/openapi';
import { negotiateLocale } from '../../platform/i18n';
import { slugParams } from '../../platform/http/params';
import { langQuery, publicCampaignSchema } from './campaigns.schemas';
import { getPublicCampaign } from './campaigns.service';

export function campaignsRouter(platform: Platform): Router {
  const router = Router();
  router.get('/api/campaigns/:slug', async (req, res) => {
    const { slug } = slugParams.parse(req.params);
    const campaign = await getPublicCampaign(platform.db, slug, negotiateLocale(req));
    // Counts move constantly; a few seconds of caching absorbs a viral spike without hiding much.
    // The texts follow Accept-Language, so shared caches must keep one copy per language.
    res.set('Cache-Control', 'public, max-age=5').vary('Accept-Language').json(campaign);
  });
  return router;
}

export function describeCampaignsApi(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'get',
    path: '/api/campaigns/{slug}',
    summary: 'A live or closed campaign: statement, demands, counts, goal and the consent wording to show',
    tags: ['Campaigns'],
    request: { params: slugParams, query: langQuery },
    responses: {
      200: { description: 'The campaign', content: { 'application/json': { schema: publicCampaignSchema } } },
      400: problemResponse('The slug is malformed'),
      404: problemResponse('No such campaign (drafts are not public)'),
    },
  });
}
