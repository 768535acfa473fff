import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router, type RequestHandler } from 'express';
import type { Platform } from '../../platform/context';
import { AppError } from '../../platform/errors';
import { requireJson } from '../../platform/http/content-type';
import { ADMIN_SECURITY, problemResponse } from '../../platform/http/openapi';
import { adminAuth, staffContextOf } from '../admin';
import { slugParams } from '../../platform/http/params';
import {
  createMailingSchema,
  mailingActionSchema,
  mailingCreatedSchema,
  mailingIdParams,
  mailingListSchema,
  mailingPreviewSchema,
  mailingSchema,
  mailingTestQueuedSchema,
  renderedMailingSchema,
} from './mailings.schemas';
import {
  cancelMailing,
  createMailing,
  getMailing,
  listMailings,
  pauseMailing,
  previewMailing,
  resumeMailing,
  sendMailing,
  sendTestMailing,
} from './mailings.service';

/** Campaign updates: editors write and send, viewers read. Every write is audited in its transaction. */
export function mailingsRouter(platform: Platform): Router {
  const router = Router();
  // Per route, not router.use(): this router is mounted at the root and sees every request.
  const { requireRole } = adminAuth(platform);

  router.get('/api/admin/campaigns/:slug/mailings', requireRole('viewer'), async (req, res) => {
    const { slug } = slugParams.parse(req.params);
    res.set('Cache-Control', 'no-store').json({ mailings: await listMailings(platform.db, slug) });
  });

  router.post('/api/admin/campaigns/:slug/mailings', requireRole('editor'), requireJson, async (req, res) => {
    const { slug } = slugParams.parse(req.params);
    const input = createMailingSchema.parse(req.body);
    const id = await createMailing(staffContextOf(platform, res), slug, input);
    res.status(201).set('Cache-Control', 'no-store').json({ id });
  });

  router.get('/api/admin/mailings/:id', requireRole('viewer'), async (req, res) => {
    const { id } = mailingIdParams.parse(req.params);
    res.set('Cache-Control', 'no-store').json(await getMailing(platform.db, id));
  });

  router.post('/api/admin/mailings/:id/preview', requireRole('editor'), requireJson, async (req, res) => {
    const { id } = mailingIdParams.parse(req.params);
    const { language } = mailingPreviewSchema.parse(req.body);
    res.set('Cache-Control', 'no-store').json(await previewMailing(platform, id, language));
  });

  router.post('/api/admin/mailings/:id/send', requireRole('editor'), async (req, res) => {
    const { id } = mailingIdParams.parse(req.params);
    res
      .status(202)
      .set('Cache-Control', 'no-store')
      .json(state(await sendMailing(staffContextOf(platform, res), id)));
  });
  // The body is optional (a language); with one, it must be JSON like every other write's.
  router.post('/api/admin/mailings/:id/test', requireRole('editor'), jsonIfAny, async (req, res) => {
    const { id } = mailingIdParams.parse(req.params);
    const { language } = mailingPreviewSchema.parse(req.body ?? {});
    res
      .status(202)
      .set('Cache-Control', 'no-store')
      .json(await sendTestMailing(staffContextOf(platform, res), id, language));
  });
  for (const [action, run] of [
    ['pause', pauseMailing],
    ['resume', resumeMailing],
    ['cancel', cancelMailing],
  ] as const) {
    router.post(`/api/admin/mailings/:id/${action}`, requireRole('editor'), async (req, res) => {
      const { id } = mailingIdParams.parse(req.params);
      res.set('Cache-Control', 'no-store').json(state(await run(staffContextOf(platform, res), id)));
    });
  }
  return router;
}

/** No body (none, or Content-Length: 0), or a JSON one. req.is answers false for a body of another type. */
const jsonIfAny: RequestHandler = (req, _res, next) => {
  if (req.get('content-length') !== '0' && req.is(['application/json', 'application/*+json']) === false)
    throw new AppError('unsupported_media_type', { key: 'staff.sendJsonOrNothing' });
  next();
};

const state = (mailing: { id: string; status: string }) => ({ id: mailing.id, status: mailing.status });

export function describeMailingsApi(registry: OpenAPIRegistry): void {
  const tags = ['Admin: mailings'];
  const unauthorised = {
    401: problemResponse('No valid session or token'),
    403: problemResponse('Role too low (viewer reads, editor writes), or a cookie write without X-CSRF-Token'),
  };
  registry.registerPath({
    method: 'get',
    path: '/api/admin/campaigns/{slug}/mailings',
    operationId: 'listMailings',
    summary: "The campaign's updates, newest first, with their counts",
    tags,
    security: ADMIN_SECURITY,
    request: { params: slugParams },
    responses: {
      200: { description: 'The mailings', content: { 'application/json': { schema: mailingListSchema } } },
      ...unauthorised,
      404: problemResponse('No such campaign'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/admin/campaigns/{slug}/mailings',
    operationId: 'createMailing',
    summary: "Write an update to the campaign's supporters (a draft)",
    description:
      "Subject, text and optional HTML in the letters' template language, with the vocabulary campaign.title, campaign.slug and supporter.name " +
      "(never in the subject; escaped in HTML). The main version is in the campaign's language; `translations` add others, and a supporter whose " +
      'language has none gets the main one. `languages` and `countries` narrow the recipients. Template errors: 422 with errors[] naming the part and line.',
    tags,
    security: ADMIN_SECURITY,
    request: { params: slugParams, body: { content: { 'application/json': { schema: createMailingSchema } } } },
    responses: {
      201: { description: 'Created as a draft', content: { 'application/json': { schema: mailingCreatedSchema } } },
      400: problemResponse('Invalid fields (see errors[])'),
      ...unauthorised,
      404: problemResponse('No such campaign'),
      415: problemResponse('Not JSON'),
      422: problemResponse('The template has errors (template_invalid)'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/admin/mailings/{id}',
    operationId: 'getMailing',
    summary: "A mailing's status and counts",
    tags,
    security: ADMIN_SECURITY,
    request: { params: mailingIdParams },
    responses: {
      200: { description: 'The mailing', content: { 'application/json': { schema: mailingSchema } } },
      400: problemResponse('Not a mailing id'),
      ...unauthorised,
      404: problemResponse('No such mailing'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/admin/mailings/{id}/preview',
    operationId: 'previewMailing',
    summary: 'Render the mailing in a language for a sample supporter (nothing is sent)',
    tags,
    security: ADMIN_SECURITY,
    request: { params: mailingIdParams, body: { content: { 'application/json': { schema: mailingPreviewSchema } } } },
    responses: {
      200: { description: 'As a supporter would receive it', content: { 'application/json': { schema: renderedMailingSchema } } },
      400: problemResponse('Invalid fields (see errors[])'),
      ...unauthorised,
      404: problemResponse('No such mailing'),
      415: problemResponse('Not JSON'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/admin/mailings/{id}/test',
    operationId: 'testMailing',
    summary: "Send the mailing, as the preview renders it and marked [TEST], to your own account's address only",
    description:
      'Queued through the outbox (202). Sample supporter data and a demo unsubscribe link that names nobody. ' +
      'Any state; at most MAILINGS_TESTS_PER_HOUR per account per hour (429 beyond); audited as mailings.test. The bootstrap token has no address: 403.',
    tags,
    security: ADMIN_SECURITY,
    request: { params: mailingIdParams, body: { required: false, content: { 'application/json': { schema: mailingPreviewSchema } } } },
    responses: {
      202: { description: 'Queued', content: { 'application/json': { schema: mailingTestQueuedSchema } } },
      400: problemResponse('Invalid fields (see errors[])'),
      ...unauthorised,
      404: problemResponse('No such mailing'),
      415: problemResponse('Not JSON'),
      429: problemResponse('Too many tests from this account in the last hour'),
    },
  });
  const actions = [
    [
      'send',
      'sendMailing',
      'Start sending a draft: the recipients are fixed now (confirmed, agreed to updates, not unsubscribed or suppressed, filters)',
      202,
      'Sending',
    ],
    ['pause', 'pauseMailing', 'Pause a mailing that is sending (messages in flight finish)', 200, 'Paused'],
    ['resume', 'resumeMailing', 'Resume a paused mailing', 200, 'Sending again'],
    ['cancel', 'cancelMailing', 'Cancel a draft, sending or paused mailing: nobody not yet sent to gets it', 200, 'Cancelled'],
  ] as const;
  for (const [action, operationId, summary, status, description] of actions) {
    registry.registerPath({
      method: 'post',
      path: `/api/admin/mailings/{id}/${action}`,
      operationId,
      summary,
      tags,
      security: ADMIN_SECURITY,
      request: { params: mailingIdParams },
      responses: {
        [status]: { description, content: { 'application/json': { schema: mailingActionSchema } } },
        400: problemResponse('Not a mailing id'),
        ...unauthorised,
        404: problemResponse('No such mailing'),
        409: problemResponse("Not possible in the mailing's current state"),
      },
    });
  }
}
