import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import type { Platform } from '../../platform/context';
import { ADMIN_SECURITY, problemResponse } from '../../platform/http/openapi';
import { adminAuth } from '../admin';
import { deliverability, deliverabilityQuery, deliverabilitySchema } from './deliverability';

/** Bounce and complaint rates for staff: a figure like the campaign metrics, so viewers read it. */
export function deliverabilityRouter(platform: Platform): Router {
  const router = Router();
  const { requireRole } = adminAuth(platform);
  router.get('/api/admin/deliverability', requireRole('viewer'), async (req, res) => {
    const { days } = deliverabilityQuery.parse(req.query);
    res.set('Cache-Control', 'no-store').json(await deliverability(platform.db, days));
  });
  return router;
}

export function describeDeliverabilityApi(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'get',
    path: '/api/admin/deliverability',
    summary: 'Bounce and complaint rates per campaign and per sending domain, with a warning as complaints near 0.1 %',
    tags: ['Delivery reports'],
    security: ADMIN_SECURITY,
    request: { query: deliverabilityQuery },
    responses: {
      200: { description: 'Rates over the last `days` (default 30)', content: { 'application/json': { schema: deliverabilitySchema } } },
      400: problemResponse('days is not a whole number from 1 to 90, or an unknown parameter'),
      401: problemResponse('No valid session or token'),
    },
  });
}
