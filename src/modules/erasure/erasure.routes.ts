import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router, type Request, type Response } from 'express';
import path from 'node:path';
import type { Platform } from '../../platform/context';
import { AppError } from '../../platform/errors';
import { requireContentType, requireJson } from '../../platform/http/content-type';
import { ADMIN_SECURITY, problemResponse } from '../../platform/http/openapi';
import { negotiateLocale, translator, type Locale } from '../../platform/i18n';
import { SHARED_VIEWS_DIR, Views } from '../../platform/views';
import { adminAuth, staffContextOf, supporterContext } from '../admin';
import { signingRateLimits } from '../supporters';
import { adminErasureRequest, erasureAnswer, erasureConfirmation, erasureRequest, erasureResult, erasureTokenParams } from './erasure.schemas';
import { eraseByEmail, eraseByToken, localeOrDefault, requestErasure, supporterForToken } from './erasure.service';

/**
 * Supporters delete their own data: `/erase` asks for a link by email, `/erase/:token` shows what
 * will go and a button (GET changes nothing: mail scanners open links), POST erases. The JSON API
 * does the same for other front ends; staff can erase on a verified request they received elsewhere.
 */
export function erasureRouter(platform: Platform): Router {
  const router = Router();
  const views = new Views([path.join(__dirname, 'pages'), SHARED_VIEWS_DIR]);
  const { requireRole } = adminAuth(platform);
  const page = (res: Response, locale: Locale, name: string, titleKey: string, data: object = {}, status = 200) => {
    res
      .status(status)
      .set('Cache-Control', 'no-store')
      .type('html')
      .send(views.page(name, { title: translator(locale)(titleKey), locale, ...data }));
  };

  router.get('/erase', (req, res) => page(res, negotiateLocale(req), 'erase-request', 'erasure.request.title'));

  router.post('/erase', requireForm, ...signingRateLimits(platform), async (req, res) => {
    const locale = localeOrDefault((req.body as { lang?: unknown }).lang, negotiateLocale(req));
    const parsed = erasureRequest.safeParse(req.body);
    if (!parsed.success) {
      page(res, locale, 'erase-request', 'erasure.request.title', { emailError: translator(locale)('erasure.request.email_invalid') }, 400);
      return;
    }
    await requestErasure(supporterContext(platform, locale), parsed.data.email);
    page(res, locale, 'erase-requested', 'erasure.requested.title', {}, 202);
  });

  router.get('/erase/:token', (req, res) => {
    const locale = negotiateLocale(req);
    const token = linkToken(req, res, locale);
    if (token) page(res, locale, 'erase-confirm', 'erasure.confirm.title', { token });
  });

  router.post('/erase/:token', async (req, res) => {
    const locale = negotiateLocale(req);
    const token = linkToken(req, res, locale);
    if (!token) return;
    const result = await eraseByToken(supporterContext(platform, locale), token);
    if (result.erased) req.log.info({ signatures: result.signatures, letters: result.letters }, 'supporter erased on request');
    page(res, locale, 'erased', 'erasure.done.title', result);
  });

  router.post('/api/erasure-requests', requireJson, ...signingRateLimits(platform), async (req, res) => {
    const input = erasureRequest.parse(req.body);
    const locale = localeOrDefault(input.lang, negotiateLocale(req));
    await requestErasure(supporterContext(platform, locale), input.email);
    res.status(202).json({ message: translator(locale)('erasure.answer') });
  });

  router.post('/api/erasures', requireJson, async (req, res) => {
    const { token } = erasureConfirmation.parse(req.body);
    res.json(await eraseByToken(supporterContext(platform, negotiateLocale(req)), token));
  });

  router.post('/api/admin/erasures', requireRole('editor'), requireJson, async (req, res) => {
    const { email } = adminErasureRequest.parse(req.body);
    res.json(await eraseByEmail(staffContextOf(platform, res), email));
  });

  /** A link that cannot be used gets the request form again, with why, so a new link is one step away. */
  function linkToken(req: Request, res: Response, locale: Locale): string | null {
    const token = erasureTokenParams.safeParse(req.params).data?.token ?? '';
    try {
      supporterForToken(platform, token);
      return token;
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      const problem = translator(locale)(error.code === 'token_expired' ? 'erasure.link.expired' : 'erasure.link.invalid');
      page(res, locale, 'erase-request', 'erasure.request.title', { problem }, error.code === 'token_expired' ? 410 : 400);
      return null;
    }
  }

  return router;
}

const requireForm = requireContentType(['application/x-www-form-urlencoded'], 'problems.detail.sendForm');

export function describeErasureApi(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'post',
    path: '/api/erasure-requests',
    summary: 'Ask for an erasure link by email (same answer whether or not the address is known)',
    tags: ['Erasure'],
    request: { body: { content: { 'application/json': { schema: erasureRequest } } } },
    responses: {
      202: { description: 'If the address is known, a link is on its way', content: { 'application/json': { schema: erasureAnswer } } },
      400: problemResponse('Not an email address'),
      429: problemResponse('Rate limit reached; see Retry-After'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/erasures',
    summary: 'Erase the supporter an emailed erasure link names: name, email, signatures on every campaign, letters',
    tags: ['Erasure'],
    request: { body: { content: { 'application/json': { schema: erasureConfirmation } } } },
    responses: {
      200: { description: 'Erased, or nothing left to erase', content: { 'application/json': { schema: erasureResult } } },
      400: problemResponse('The token is not valid'),
      410: problemResponse('The token has expired'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/admin/erasures',
    summary: 'Erase a supporter at once, on a request staff received and verified another way (audited without the address)',
    tags: ['Erasure'],
    security: ADMIN_SECURITY,
    request: { body: { content: { 'application/json': { schema: adminErasureRequest } } } },
    responses: {
      200: { description: 'Erased, or no supporter with that address', content: { 'application/json': { schema: erasureResult } } },
      400: problemResponse('Not an email address'),
      401: problemResponse('No valid credentials'),
      403: problemResponse('Needs the editor role'),
    },
  });
}
