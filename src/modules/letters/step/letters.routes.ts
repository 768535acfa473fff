import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import type { Platform } from '../../../platform/context';
import { requireJson } from '../../../platform/http/content-type';
import { ADMIN_SECURITY, problemResponse } from '../../../platform/http/openapi';
import { z } from '../../../platform/http/zod';
import { adminAuth, staffContextOf, supporterContext } from '../../admin';
import { pageLocale } from '../../../platform/http/page-locale';
import { slugParams } from '../../../platform/http/params';
import { failedLettersQuery, letterIdParams, lettersAnswer, lettersRequest } from './letters.schemas';
import { requestLetters } from './letters.service';
import { listLettersForAdmin, retryLetters } from '../delivery';

const retryManyRequest = z.object({ ids: z.array(z.uuid()).min(1).max(1000) }).strict();

export function lettersRouter(platform: Platform): Router {
  const router = Router();
  const { requireRole } = adminAuth(platform);

  router.post('/api/campaigns/:slug/letters', requireJson, async (req, res) => {
    const { slug } = slugParams.parse(req.params);
    const input = lettersRequest.parse(req.body);
    res.status(202).json(await requestLetters(supporterContext(platform, pageLocale(req)), slug, input));
  });

  // Dead letters (failed) and flagged ones (review), for an admin to look at and retry.
  router.get('/api/admin/letters', requireRole('viewer'), async (req, res) => {
    const query = failedLettersQuery.parse(req.query);
    const rows = await listLettersForAdmin(platform, { campaignSlug: query.campaign, status: query.status, limit: query.limit });
    res.json({
      letters: rows.map((l) => ({
        id: l.id,
        status: l.status,
        campaign: l.campaign.slug,
        delegation: l.target.iso2,
        country: l.target.country,
        attempts: l.attempts,
        lastSmtpResponse: l.lastSmtpResponse,
        reviewReason: l.reviewReason,
        createdAt: l.createdAt,
        failedAt: l.failedAt,
      })),
    });
  });

  router.post('/api/admin/letters/:id/retry', requireRole('editor'), async (req, res) => {
    const { id } = letterIdParams.parse(req.params);
    const retried = await retryLetters(staffContextOf(platform, res), [id], true);
    res.status(202).json({ retried });
  });

  router.post('/api/admin/letters/retry', requireRole('editor'), requireJson, async (req, res) => {
    const { ids } = retryManyRequest.parse(req.body);
    const retried = await retryLetters(staffContextOf(platform, res), ids);
    res.status(202).json({ retried });
  });

  return router;
}

export function describeLettersApi(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'post',
    path: '/api/campaigns/{slug}/letters',
    summary: "Write to delegations: all Council members, a UN regional group, your own country's, or chosen countries",
    description:
      'One letter per delegation, ever: asking again sends nothing twice. Letters wait until the signing that gave the action token is confirmed through its emailed link; a supporter who had confirmed before gets a fresh link for them.',
    tags: ['Letters'],
    request: { params: slugParams, body: { content: { 'application/json': { schema: lettersRequest } } } },
    responses: {
      202: { description: 'Recorded', content: { 'application/json': { schema: lettersAnswer } } },
      400: problemResponse('Invalid fields or action token'),
      409: problemResponse('The campaign is closed'),
      410: problemResponse('The action token has expired'),
      422: problemResponse('No delegation matches'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/admin/letters',
    summary: 'Failed (dead) or flagged letters',
    tags: ['Admin: letters'],
    security: ADMIN_SECURITY,
    request: { query: failedLettersQuery },
    responses: { 200: { description: 'Letters' }, 401: problemResponse('No valid session or token'), 403: problemResponse('Role too low (viewer)') },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/admin/letters/{id}/retry',
    summary: 'Queue a failed or flagged letter again',
    tags: ['Admin: letters'],
    security: ADMIN_SECURITY,
    request: { params: letterIdParams },
    responses: {
      202: { description: 'Queued' },
      401: problemResponse('No valid session or token'),
      403: problemResponse('Role too low (editor), or a cookie write without X-CSRF-Token'),
      404: problemResponse('No such failed or flagged letter'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/admin/letters/retry',
    summary: 'Queue several failed or flagged letters again',
    tags: ['Admin: letters'],
    security: ADMIN_SECURITY,
    request: { body: { content: { 'application/json': { schema: retryManyRequest } } } },
    responses: {
      202: { description: 'Queued' },
      401: problemResponse('No valid session or token'),
      403: problemResponse('Role too low (editor), or a cookie write without X-CSRF-Token'),
    },
  });
}
