import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import express, { Router, type RequestHandler } from 'express';
import type { Platform } from '../../../platform/context';
import { AppError } from '../../../platform/errors';
import { requireJson } from '../../../platform/http/content-type';
import { verifyUtf8Body } from '../../../platform/http/text-input';
import { ADMIN_SECURITY, problemResponse } from '../../../platform/http/openapi';
import { z } from '../../../platform/http/zod';
import { adminAuth, staffContextOf } from '../../admin';
import { slugParams } from '../../../platform/http/params';
import { CSV_COLUMNS, MAX_CSV_ROWS } from './targets.csv';
import { adminTargetListSchema, adminTargetSchema, importResultSchema, iso2Params, publicTargetListSchema, targetPatchSchema } from './targets.schemas';
import { exportTargetsCsv, importTargets, listPublicTargets, listTargetsForAdmin, updateTarget } from './targets.service';

export function targetsRouter(platform: Platform): Router {
  const router = Router();
  // Per route, not router.use(): this router is mounted at the root and sees every request.
  const { requireRole } = adminAuth(platform);

  router.get('/api/campaigns/:slug/targets', async (req, res) => {
    const { slug } = slugParams.parse(req.params);
    const list = await listPublicTargets(platform.db, slug);
    res.set('Cache-Control', 'public, max-age=60').json(list);
  });

  router.get('/api/admin/targets', requireRole('viewer'), async (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ targets: await listTargetsForAdmin(platform.db) });
  });

  router.get('/api/admin/targets.csv', requireRole('viewer'), async (_req, res) => {
    const csv = await exportTargetsCsv(platform.db);
    res.set('Cache-Control', 'no-store').set('Content-Disposition', 'attachment; filename="targets.csv"').type('text/csv; charset=utf-8').send(csv);
  });

  router.post(
    '/api/admin/targets/import',
    requireRole('editor'),
    requireCsv,
    express.text({ type: 'text/csv', limit: '1mb', verify: verifyUtf8Body }),
    async (req, res) => {
      if (typeof req.body !== 'string') throw new AppError('unsupported_media_type', { key: 'staff.sendCsv' });
      const result = await importTargets(staffContextOf(platform, res), req.body);
      res.set('Cache-Control', 'no-store').json(result);
    },
  );

  router.patch('/api/admin/targets/:iso2', requireRole('editor'), requireJson, async (req, res) => {
    const { iso2 } = iso2Params.parse(req.params);
    const patch = targetPatchSchema.parse(req.body);
    const target = await updateTarget(staffContextOf(platform, res), iso2, patch);
    res.set('Cache-Control', 'no-store').json(target);
  });

  return router;
}

const requireCsv: RequestHandler = (req, _res, next) => {
  if (!req.is('text/csv')) throw new AppError('unsupported_media_type', { key: 'staff.sendCsvBody' });
  next();
};

export function describeTargetsApi(registry: OpenAPIRegistry): void {
  const unauthorised = {
    401: problemResponse('No valid session or token'),
    403: problemResponse('Role too low (viewer reads, editor writes), or a cookie write without X-CSRF-Token'),
  };

  registry.registerPath({
    method: 'get',
    path: '/api/campaigns/{slug}/targets',
    summary: "The delegations a campaign's supporters can write to (never their addresses)",
    tags: ['Delegations'],
    request: { params: slugParams },
    responses: {
      200: { description: 'Active delegations, sorted by iso2', content: { 'application/json': { schema: publicTargetListSchema } } },
      400: problemResponse('The slug is malformed'),
      404: problemResponse('No such campaign (drafts are not public)'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/admin/targets',
    summary: 'Every delegation with its addresses, their health and placeholder flags',
    tags: ['Admin: delegations'],
    security: ADMIN_SECURITY,
    responses: {
      200: { description: 'Delegations, sorted by iso2', content: { 'application/json': { schema: adminTargetListSchema } } },
      ...unauthorised,
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/admin/targets.csv',
    summary: "Export the delegations file (the import's format)",
    description:
      'Cells that a spreadsheet would run as a formula (starting with = + - @, tab or CR) are prefixed with a single quote; the import removes that prefix.',
    tags: ['Admin: delegations'],
    security: ADMIN_SECURITY,
    responses: {
      200: { description: 'The file', content: { 'text/csv': { schema: z.string().openapi({ example: `${CSV_COLUMNS.join(',')}\n` }) } } },
      ...unauthorised,
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/admin/targets/import',
    summary: 'Import the delegations file: all lines valid, or nothing is written',
    description:
      `Header row required, then one row per delegation (at most ${MAX_CSV_ROWS}, 1 MB): ${CSV_COLUMNS.join(',')}. ` +
      '`emails` is a ;-separated list; addresses at reserved example domains are placeholders. Delegations are created or updated by iso2 in one transaction; ' +
      'kept addresses keep their health, unlisted ones are removed. Delegations not in the file are left as they are.',
    tags: ['Admin: delegations'],
    security: ADMIN_SECURITY,
    request: { body: { content: { 'text/csv': { schema: z.string() } } } },
    responses: {
      200: { description: 'Imported', content: { 'application/json': { schema: importResultSchema } } },
      ...unauthorised,
      413: problemResponse('Larger than 1 MB'),
      415: problemResponse('Not text/csv'),
      422: problemResponse('The file has errors (csv_invalid): errors[] names each line and column; nothing was written'),
    },
  });
  registry.registerPath({
    method: 'patch',
    path: '/api/admin/targets/{iso2}',
    summary: 'Change one delegation',
    tags: ['Admin: delegations'],
    security: ADMIN_SECURITY,
    request: { params: iso2Params, body: { content: { 'application/json': { schema: targetPatchSchema } } } },
    responses: {
      200: { description: 'The delegation as saved', content: { 'application/json': { schema: adminTargetSchema } } },
      400: problemResponse('Invalid fields (see errors[])'),
      ...unauthorised,
      404: problemResponse('No such delegation'),
      415: problemResponse('Not JSON'),
    },
  });
}
