import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import type { Platform } from '../../platform/context';
import { requireJson } from '../../platform/http/content-type';
import { ADMIN_SECURITY, problemResponse } from '../../platform/http/openapi';
import { adminAuth, staffContextOf } from '../admin';
import {
  adminCampaignListSchema,
  adminCampaignSchema,
  campaignCreateRequest,
  campaignPatchRequest,
  demandsRequest,
  translationParams,
  translationRequest,
} from './campaigns.admin.schemas';
import {
  createCampaign,
  getCampaign,
  listCampaigns,
  putTranslation,
  removeTranslation,
  replaceCampaignDemands,
  updateCampaign,
} from './campaigns.admin.service';
import { slugParams } from '../../platform/http/params';

/** `/api/admin/campaigns`: viewers read, editors write; every write is audited by the service. */
export function campaignsAdminRouter(platform: Platform): Router {
  const router = Router();
  // Per route, not router.use(): this router is mounted at the root and sees every request.
  const { requireRole } = adminAuth(platform);
  const base = '/api/admin/campaigns';

  router.get(base, requireRole('viewer'), async (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ campaigns: await listCampaigns(platform.db) });
  });

  router.post(base, requireRole('editor'), requireJson, async (req, res) => {
    const input = campaignCreateRequest.parse(req.body);
    const campaign = await createCampaign(staffContextOf(platform, res), input);
    res.status(201).set('Cache-Control', 'no-store').location(`${base}/${campaign.slug}`).json(campaign);
  });

  router.get(`${base}/:slug`, requireRole('viewer'), async (req, res) => {
    const { slug } = slugParams.parse(req.params);
    res.set('Cache-Control', 'no-store').json(await getCampaign(platform.db, slug));
  });

  router.patch(`${base}/:slug`, requireRole('editor'), requireJson, async (req, res) => {
    const { slug } = slugParams.parse(req.params);
    const patch = campaignPatchRequest.parse(req.body);
    res.set('Cache-Control', 'no-store').json(await updateCampaign(staffContextOf(platform, res), slug, patch));
  });

  router.put(`${base}/:slug/demands`, requireRole('editor'), requireJson, async (req, res) => {
    const { slug } = slugParams.parse(req.params);
    const { demands } = demandsRequest.parse(req.body);
    res.set('Cache-Control', 'no-store').json(await replaceCampaignDemands(staffContextOf(platform, res), slug, demands));
  });

  router.put(`${base}/:slug/translations/:lang`, requireRole('editor'), requireJson, async (req, res) => {
    const { slug, lang } = translationParams.parse(req.params);
    const input = translationRequest.parse(req.body);
    res.set('Cache-Control', 'no-store').json(await putTranslation(staffContextOf(platform, res), slug, lang, input));
  });

  router.delete(`${base}/:slug/translations/:lang`, requireRole('editor'), async (req, res) => {
    const { slug, lang } = translationParams.parse(req.params);
    await removeTranslation(staffContextOf(platform, res), slug, lang);
    res.status(204).end();
  });

  return router;
}

export function describeCampaignsAdminApi(registry: OpenAPIRegistry): void {
  const tags = ['Admin: campaigns'];
  const security = ADMIN_SECURITY;
  const denied = {
    401: problemResponse('No valid session or token'),
    403: problemResponse('Role too low (viewer reads, editor writes), or a cookie write without X-CSRF-Token'),
  };
  const campaign = (description: string) => ({ description, content: { 'application/json': { schema: adminCampaignSchema } } });
  const json = <T>(schema: T) => ({ content: { 'application/json': { schema } } });
  const notFound = { 404: problemResponse('No such campaign') };

  registry.registerPath({
    method: 'get',
    path: '/api/admin/campaigns',
    tags,
    security,
    summary: 'Every campaign (drafts too) with its status and exact counts',
    responses: { 200: { description: 'Campaigns, newest first', ...json(adminCampaignListSchema) }, ...denied },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/admin/campaigns',
    tags,
    security,
    summary: 'Create a campaign as a draft, with its demands and consent wording',
    description:
      "Every demand's quote must appear verbatim in the statement. The consent text becomes the first wording, `<slug>-consent-v1`. " +
      'Open it for signing with PATCH {status: "live"}.',
    request: { body: json(campaignCreateRequest) },
    responses: {
      201: campaign('Created (a draft)'),
      400: problemResponse('Invalid fields (see errors[])'),
      ...denied,
      409: problemResponse('The slug is taken'),
      415: problemResponse('Not JSON'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/admin/campaigns/{slug}',
    tags,
    security,
    summary: "A campaign's full settings: texts, demands, consent wordings (current and superseded), translations, embedding, counts",
    request: { params: slugParams },
    responses: { 200: campaign('The campaign'), 400: problemResponse('The slug is malformed'), ...denied, ...notFound },
  });
  registry.registerPath({
    method: 'patch',
    path: '/api/admin/campaigns/{slug}',
    tags,
    security,
    summary: "Change a campaign's settings; open, close or reopen signing",
    description:
      'Only the fields sent change. Status moves draft → live, live → closed and closed → live. ' +
      'Embed origins must be bare origins (scheme, host, optional port) and are normalised. ' +
      'A different consent text creates a new current wording; the old ones are kept as evidence of what supporters agreed to.',
    request: { params: slugParams, body: json(campaignPatchRequest) },
    responses: {
      200: campaign('The campaign as saved'),
      400: problemResponse('Invalid fields (see errors[]); nothing changed'),
      ...denied,
      ...notFound,
      409: problemResponse('A status change that is not allowed'),
      415: problemResponse('Not JSON'),
    },
  });
  registry.registerPath({
    method: 'put',
    path: '/api/admin/campaigns/{slug}/demands',
    tags,
    security,
    summary: 'Replace the ordered list of demands (positions become 1..n)',
    description: 'Each quote must appear verbatim in the statement. Translated demands whose original changed are dropped from the translations.',
    request: { params: slugParams, body: json(demandsRequest) },
    responses: {
      200: campaign('The campaign as saved'),
      400: problemResponse('Invalid demands; nothing changed'),
      ...denied,
      ...notFound,
      415: problemResponse('Not JSON'),
    },
  });
  registry.registerPath({
    method: 'put',
    path: '/api/admin/campaigns/{slug}/translations/{lang}',
    tags,
    security,
    summary: "Create or replace the campaign's texts in another language (en, ru or kk; not its own)",
    description: 'Translated demands name the position of the demand they translate; quotes are unofficial translations shown beside the verbatim original.',
    request: { params: translationParams, body: json(translationRequest) },
    responses: {
      200: campaign('The campaign as saved'),
      400: problemResponse("Invalid fields, an unknown demand position, or the campaign's own language"),
      ...denied,
      ...notFound,
      415: problemResponse('Not JSON'),
    },
  });
  registry.registerPath({
    method: 'delete',
    path: '/api/admin/campaigns/{slug}/translations/{lang}',
    tags,
    security,
    summary: 'Remove a translation (the page falls back to the original)',
    request: { params: translationParams },
    responses: {
      204: { description: 'Removed' },
      400: problemResponse('Unknown language'),
      ...denied,
      404: problemResponse('No such campaign or translation'),
    },
  });
}
