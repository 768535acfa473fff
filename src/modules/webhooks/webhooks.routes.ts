import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import type { Platform } from '../../platform/context';
import { requireJson } from '../../platform/http/content-type';
import { ADMIN_SECURITY, problemResponse } from '../../platform/http/openapi';
import { adminAuth, staffContextOf } from '../admin';
import {
  deliveriesQuery,
  deliveryListSchema,
  deliveryParams,
  endpointCreatedSchema,
  endpointCreateRequest,
  endpointListSchema,
  endpointParams,
  endpointPatchRequest,
  endpointSchema,
  replayAnswer,
  replayRangeRequest,
} from './webhooks.schemas';
import { createEndpoint, deleteEndpoint, listDeliveries, listEndpoints, replayDelivery, replayRange, setEndpointDisabled } from './webhooks.service';

/**
 * `/api/admin/webhooks`: owners register, disable, delete and replay (an endpoint may receive
 * personal data and its URL is where the worker sends requests, hence owners); editors read.
 */
export function webhooksRouter(platform: Platform): Router {
  const router = Router();
  const { requireRole } = adminAuth(platform);
  const base = '/api/admin/webhooks';
  const createRequest = endpointCreateRequest(platform.config.WEBHOOKS_ALLOW_PRIVATE_HOSTS);

  router.get(base, requireRole('editor'), async (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ endpoints: await listEndpoints(platform.db) });
  });

  router.post(base, requireRole('owner'), requireJson, async (req, res) => {
    const input = createRequest.parse(req.body);
    res
      .status(201)
      .set('Cache-Control', 'no-store')
      .json(await createEndpoint(staffContextOf(platform, res), input));
  });

  router.patch(`${base}/:id`, requireRole('owner'), requireJson, async (req, res) => {
    const { id } = endpointParams.parse(req.params);
    const { disabled } = endpointPatchRequest.parse(req.body);
    res.set('Cache-Control', 'no-store').json(await setEndpointDisabled(staffContextOf(platform, res), id, disabled));
  });

  router.delete(`${base}/:id`, requireRole('owner'), async (req, res) => {
    const { id } = endpointParams.parse(req.params);
    await deleteEndpoint(staffContextOf(platform, res), id);
    res.status(204).end();
  });

  router.get(`${base}/:id/deliveries`, requireRole('editor'), async (req, res) => {
    const { id } = endpointParams.parse(req.params);
    const { limit } = deliveriesQuery.parse(req.query);
    res.set('Cache-Control', 'no-store').json({ deliveries: await listDeliveries(platform.db, id, limit) });
  });

  router.post(`${base}/:id/deliveries/:deliveryId/replay`, requireRole('owner'), async (req, res) => {
    const { id, deliveryId } = deliveryParams.parse(req.params);
    res.status(202).json({ replayed: await replayDelivery(staffContextOf(platform, res), id, deliveryId) });
  });

  router.post(`${base}/:id/replay`, requireRole('owner'), requireJson, async (req, res) => {
    const { id } = endpointParams.parse(req.params);
    const range = replayRangeRequest.parse(req.body);
    res.status(202).json({ replayed: await replayRange(staffContextOf(platform, res), id, { from: new Date(range.from), to: new Date(range.to) }) });
  });

  return router;
}

export function describeWebhooksApi(registry: OpenAPIRegistry): void {
  const tags = ['Admin: webhooks'];
  const security = ADMIN_SECURITY;
  const denied = { 401: problemResponse('No valid session or token'), 403: problemResponse('Role too low, or a cookie write without X-CSRF-Token') };
  const json = <T>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
  const noEndpoint = { 404: problemResponse('No such endpoint') };
  registry.registerPath({
    method: 'get',
    path: '/api/admin/webhooks',
    tags,
    security,
    summary: 'Webhook endpoints (editor; never their secrets)',
    responses: { 200: json(endpointListSchema, 'Endpoints, oldest first'), ...denied },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/admin/webhooks',
    tags,
    security,
    summary: 'Register an endpoint (owner); its whsec_ signing secret is shown once',
    description:
      'Deliveries follow Standard Webhooks (webhook-id = the event id, webhook-timestamp, webhook-signature), are retried with exponential backoff for about three days, and an endpoint failing that long is disabled.',
    request: { body: { content: { 'application/json': { schema: endpointCreateRequest(new Set()) } } } },
    responses: { 201: json(endpointCreatedSchema, 'Registered'), 400: problemResponse('Invalid fields, or a URL that is not public https'), ...denied },
  });
  registry.registerPath({
    method: 'patch',
    path: '/api/admin/webhooks/{id}',
    tags,
    security,
    summary: 'Disable or enable an endpoint (owner); enabling starts its failure count afresh',
    request: { params: endpointParams, body: { content: { 'application/json': { schema: endpointPatchRequest } } } },
    responses: { 200: json(endpointSchema, 'The endpoint'), 400: problemResponse('Invalid fields'), ...denied, ...noEndpoint },
  });
  registry.registerPath({
    method: 'delete',
    path: '/api/admin/webhooks/{id}',
    tags,
    security,
    summary: 'Delete an endpoint with its deliveries (owner)',
    request: { params: endpointParams },
    responses: { 204: { description: 'Deleted' }, ...denied, ...noEndpoint },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/admin/webhooks/{id}/deliveries',
    tags,
    security,
    summary: "An endpoint's deliveries, newest first, each with its attempts and response codes (editor)",
    request: { params: endpointParams, query: deliveriesQuery },
    responses: { 200: json(deliveryListSchema, 'Deliveries'), 400: problemResponse('Invalid query'), ...denied, ...noEndpoint },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/admin/webhooks/{id}/deliveries/{deliveryId}/replay',
    tags,
    security,
    summary: 'Send one delivery again, with the same webhook-id (owner)',
    request: { params: deliveryParams },
    responses: { 202: json(replayAnswer, 'Queued'), ...denied, 404: problemResponse('No such delivery') },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/admin/webhooks/{id}/replay',
    tags,
    security,
    summary: 'Send again every delivery whose event occurred in [from, to) (owner; at most 10,000 at once)',
    request: { params: endpointParams, body: { content: { 'application/json': { schema: replayRangeRequest } } } },
    responses: { 202: json(replayAnswer, 'Queued'), 400: problemResponse('Invalid range'), ...denied, ...noEndpoint },
  });
}
