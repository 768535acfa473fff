import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router, type RequestHandler } from 'express';
import type { Platform } from '../../platform/context';
import { AppError } from '../../platform/errors';
import { ADMIN_SECURITY, problemResponse } from '../../platform/http/openapi';
import { adminAuth, staffContextOf } from '../admin';
import { previewQuery, retentionPreviewSchema, retentionRunSchema, runRequest } from './retention.schemas';
import { previewRetention, runRetention } from './retention.service';

/**
 * `/api/admin/retention`: editors see what the next run would remove (counts only, never whose);
 * owners run it now. Running is deployment-wide and cannot be undone, hence owners.
 */
export function retentionRouter(platform: Platform): Router {
  const router = Router();
  const { requireRole } = adminAuth(platform);
  const base = '/api/admin/retention';

  router.get(`${base}/preview`, requireRole('editor'), async (req, res) => {
    previewQuery.parse(req.query);
    res.set('Cache-Control', 'no-store').json(await previewRetention(platform));
  });

  router.post(`${base}/run`, requireRole('owner'), noInput, async (_req, res) => {
    res.set('Cache-Control', 'no-store').json(await runRetention(staffContextOf(platform, res)));
  });

  return router;
}

const JSON_TYPES = ['application/json', 'application/*+json'];

/** The run takes no input: no body at all, or an empty JSON object. Anything else is refused before work starts. */
const noInput: RequestHandler = (req, _res, next) => {
  const empty = req.get('content-length') === '0' || req.is(JSON_TYPES) === null;
  if (!empty) {
    if (!req.is(JSON_TYPES)) throw new AppError('unsupported_media_type', { key: 'problems.detail.sendJson' });
    runRequest.parse(req.body);
  }
  next();
};

export function describeRetentionApi(registry: OpenAPIRegistry): void {
  const tags = ['Admin: retention'];
  const security = ADMIN_SECURITY;
  registry.registerPath({
    method: 'get',
    path: '/api/admin/retention/preview',
    tags,
    security,
    summary: 'Dry run: what the next retention run would delete or anonymise, per campaign (counts only)',
    responses: {
      200: { description: 'The counts', content: { 'application/json': { schema: retentionPreviewSchema } } },
      400: problemResponse('Query parameters were sent (there are none)'),
      401: problemResponse('No valid session or token'),
      403: problemResponse('Editors and owners only'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/admin/retention/run',
    tags,
    security,
    summary: 'Run retention now (the same run the worker schedules); audited with its counts',
    description:
      "Deletes signatures never confirmed within UNCONFIRMED_RETENTION_DAYS (open campaigns too) and anonymises supporters' data on campaigns closed longer than their retention. Counts and rollups of anonymised signatures do not change.",
    request: { body: { required: false, content: { 'application/json': { schema: runRequest } } } },
    responses: {
      200: { description: 'What the run did', content: { 'application/json': { schema: retentionRunSchema } } },
      400: problemResponse('A body other than {}'),
      401: problemResponse('No valid session or token'),
      403: problemResponse('Owners only, or a cookie write without X-CSRF-Token'),
      415: problemResponse('A body that is not JSON'),
    },
  });
}
