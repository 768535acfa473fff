import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router, type RequestHandler } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Platform } from '../../platform/context';
import { AppError } from '../../platform/errors';
import { requireJson } from '../../platform/http/content-type';
import { ADMIN_SECURITY, problemResponse } from '../../platform/http/openapi';
import { z } from '../../platform/http/zod';
import { adminAuth, auditAccess, staffContextOf } from '../admin';
import { slugParams } from '../../platform/http/params';
import { deliveryManifest, letterExport, LETTER_COLUMNS, signatureExport, SIGNATURE_COLUMNS } from './exports';
import { invalidateSignatures, restoreSignatures, signingSources } from './fraud';
import {
  campaignMetricsSchema,
  invalidationBody,
  invalidationResultSchema,
  manifestSchema,
  metricsQuery,
  restoreBody,
  signaturesExportQuery,
  sourcesQuery,
  sourcesSchema,
} from './metrics.schemas';
import { campaignMetrics } from './metrics.service';
import type { Prometheus } from './prometheus';
import type { QueueHealth } from './queue-health';

export function metricsRouter(platform: Platform, parts: { prometheus: Prometheus; queues: QueueHealth }): Router {
  const router = Router();
  // The one place the admin guard is chosen: viewers read figures, exports need the export
  // permission (editors and owners by default), editors clean up.
  // Per route, since this router is mounted at the root and sees every request.
  const { requireRole, requireExport } = adminAuth(platform);
  const guard = { read: requireRole('viewer'), write: requireRole('editor'), exports: requireExport };
  const noStore: RequestHandler = (_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  };
  const base = '/api/admin/campaigns/:slug';

  router.get('/metrics', requireMetricsToken(platform.config.METRICS_TOKEN), async (_req, res) => {
    const { contentType, body } = await parts.prometheus.scrape();
    res.set('Cache-Control', 'no-store').type(contentType).send(body);
  });

  router.get(`${base}/metrics`, guard.read, noStore, async (req, res) => {
    const { slug } = slugParams.parse(req.params);
    res.json(await campaignMetrics(platform.db, parts.queues, slug, metricsQuery.parse(req.query)));
  });

  // Every export of personal data is audited with its filters before a byte leaves.
  router.get(`${base}/signatures.csv`, guard.exports, noStore, async (req, res) => {
    const { slug } = slugParams.parse(req.params);
    const filters = signaturesExportQuery.parse(req.query);
    const exporter = await signatureExport(platform, slug, filters);
    await auditAccess(staffContextOf(platform, res), 'exports.signatures', { subject: slug, details: { ...filters } });
    res.set('Content-Disposition', `attachment; filename="${exporter.filename}"`).type('text/csv; charset=utf-8');
    await exporter.writeTo(res);
  });

  router.get(`${base}/delivery-package/manifest.json`, guard.exports, noStore, async (req, res) => {
    const { slug } = slugParams.parse(req.params);
    const filters = signaturesExportQuery.parse(req.query);
    const manifest = await deliveryManifest(platform, slug, filters);
    await auditAccess(staffContextOf(platform, res), 'exports.manifest', { subject: slug, details: { ...filters } });
    res.json(manifest);
  });

  router.get(`${base}/letters.csv`, guard.exports, noStore, async (req, res) => {
    const { slug } = slugParams.parse(req.params);
    z.object({}).strict().parse(req.query);
    const exporter = await letterExport(platform, slug);
    await auditAccess(staffContextOf(platform, res), 'exports.letters', { subject: slug, details: {} });
    res.set('Content-Disposition', `attachment; filename="${exporter.filename}"`).type('text/csv; charset=utf-8');
    await exporter.writeTo(res);
  });

  router.get(`${base}/sources`, guard.read, noStore, async (req, res) => {
    const { slug } = slugParams.parse(req.params);
    const { window, ms } = sourcesQuery.parse(req.query);
    res.json(await signingSources(platform.db, slug, ms, window));
  });

  router.post(`${base}/signatures/invalidate`, guard.write, noStore, requireJson, async (req, res) => {
    const { slug } = slugParams.parse(req.params);
    res.json(await invalidateSignatures(staffContextOf(platform, res), slug, invalidationBody.parse(req.body)));
  });

  router.post(`${base}/signatures/restore`, guard.write, noStore, requireJson, async (req, res) => {
    const { slug } = slugParams.parse(req.params);
    res.json(await restoreSignatures(staffContextOf(platform, res), slug, restoreBody.parse(req.body)));
  });

  return router;
}

/** /metrics is open unless METRICS_TOKEN is set; then it wants that bearer token. */
function requireMetricsToken(token: string | undefined): RequestHandler {
  const expected = token ? digest(token) : undefined;
  return (req, res, next) => {
    if (!expected) return next();
    const given = /^Bearer (.+)$/i.exec(req.get('authorization') ?? '')?.[1];
    if (!given) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="clarion-metrics"');
      throw new AppError('unauthorised', { key: 'staff.metricsToken' });
    }
    if (!timingSafeEqual(digest(given), expected)) throw new AppError('forbidden', { key: 'staff.metricsTokenWrong' });
    next();
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

export function describeMetricsApi(registry: OpenAPIRegistry): void {
  const unauthorised = {
    401: problemResponse('Not logged in, or an unknown token'),
    403: problemResponse(
      'Not allowed (figures: viewer; exports of personal data: the export permission, editors and owners by default; invalidate and restore: editor)',
    ),
  };
  const tags = ['Admin: metrics and exports'];
  const params = slugParams;
  const notFound = { 404: problemResponse('No such campaign') };
  const csv = (columns: readonly string[]) => ({ 'text/csv': { schema: z.string().openapi({ example: `${columns.join(',')}\n` }) } });

  registry.registerPath({
    method: 'get',
    path: '/api/admin/campaigns/{slug}/metrics',
    tags,
    security: ADMIN_SECURITY,
    summary: "A campaign's figures: counts, goal, letters, countries, sources, funnel, series, queues",
    description:
      'Read from exact counters and hourly rollups kept in the signing transaction, never a scan of signatures. ' +
      'Series buckets are local hours or days in `tz` (day buckets group UTC hours by their local date); empty buckets are zeros.',
    request: { params, query: metricsQuery.in },
    responses: {
      200: { description: 'Figures', content: { 'application/json': { schema: campaignMetricsSchema } } },
      400: problemResponse('Bad query'),
      ...unauthorised,
      ...notFound,
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/admin/campaigns/{slug}/signatures.csv',
    tags,
    security: ADMIN_SECURITY,
    summary: 'Stream the signatures as CSV (default: confirmed), in signing order',
    description: 'Cells a spreadsheet would run as a formula (starting with = + - @, tab or CR) get a leading single quote.',
    request: { params, query: signaturesExportQuery },
    responses: { 200: { description: 'The file', content: csv(SIGNATURE_COLUMNS) }, 400: problemResponse('Bad query'), ...unauthorised, ...notFound },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/admin/campaigns/{slug}/delivery-package/manifest.json',
    tags,
    security: ADMIN_SECURITY,
    summary: 'The delivery manifest: campaign, statement, demands, counts by country and the SHA-256 of signatures.csv with the same filters',
    request: { params, query: signaturesExportQuery },
    responses: {
      200: { description: 'Manifest', content: { 'application/json': { schema: manifestSchema } } },
      400: problemResponse('Bad query'),
      ...unauthorised,
      ...notFound,
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/admin/campaigns/{slug}/letters.csv',
    tags,
    security: ADMIN_SECURITY,
    summary: 'Stream the letters with their delivery state as CSV (no supporter address, no paragraph)',
    request: { params },
    responses: { 200: { description: 'The file', content: csv(LETTER_COLUMNS) }, ...unauthorised, ...notFound },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/admin/campaigns/{slug}/sources',
    tags,
    security: ADMIN_SECURITY,
    summary: 'Recent signing sources: signatures by source-network hash and by email domain, busiest first (50 each)',
    request: { params, query: sourcesQuery.in },
    responses: {
      200: { description: 'Sources', content: { 'application/json': { schema: sourcesSchema } } },
      400: problemResponse('Bad window'),
      ...unauthorised,
      ...notFound,
    },
  });
  for (const [action, body, summary] of [
    ['invalidate', invalidationBody, 'Invalidate matching signatures: they leave counts and the default export, and stay recorded with who and why'],
    ['restore', restoreBody, 'Undo invalidations: matching signatures return to the status they had'],
  ] as const) {
    registry.registerPath({
      method: 'post',
      path: `/api/admin/campaigns/{slug}/signatures/${action}`,
      tags,
      security: ADMIN_SECURITY,
      summary,
      request: { params, body: { content: { 'application/json': { schema: body } } } },
      responses: {
        200: { description: 'How many changed', content: { 'application/json': { schema: invalidationResultSchema } } },
        400: problemResponse('No condition, or a bad one'),
        ...unauthorised,
        ...notFound,
      },
    });
  }
  registry.registerPath({
    method: 'get',
    path: '/metrics',
    tags: ['Operations'],
    summary: 'Prometheus metrics (bearer METRICS_TOKEN when configured)',
    security: [{ metricsToken: [] }],
    responses: {
      200: { description: 'Prometheus text format', content: { 'text/plain': { schema: z.string() } } },
      401: problemResponse('METRICS_TOKEN is set and no token was sent'),
      403: problemResponse('The token sent is not METRICS_TOKEN'),
    },
  });
}
