import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router, type Request, type Response } from 'express';
import path from 'node:path';
import type { Platform } from '../../../platform/context';
import { AppError, fieldError } from '../../../platform/errors';
import { negotiateLocale, translator } from '../../../platform/i18n';
import { ADMIN_SECURITY, problemResponse } from '../../../platform/http/openapi';
import { slugParams } from '../../../platform/http/params';
import { z } from '../../../platform/http/zod';
import { SHARED_VIEWS_DIR, Views } from '../../../platform/views';
import { adminAuth, staffContextOf } from '../../admin';
import { overrideState, readDigestToken, restoreIndividualLetters, switchToDigest } from './digest-overrides';
import { iso2Params } from '../targets';

/**
 * The List-Unsubscribe link of letters and digests to delegations. GET shows what the button does
 * and changes nothing (mail scanners open links). POST with `List-Unsubscribe=One-Click` (RFC 8058:
 * no login, cookie or CSRF token; the signed token is the authority) switches that campaign's
 * letters to this delegation to the daily digest; again changes nothing more. A wrong or expired
 * token on POST is a problem+json (a mail client reads the status, not the page).
 */
export function digestOverridesRouter(platform: Platform): Router {
  const router = Router();
  const views = new Views([path.join(__dirname, 'pages'), SHARED_VIEWS_DIR]);
  const { requireRole } = adminAuth(platform);
  const tokenOf = (req: Request): string => (typeof req.params.token === 'string' && req.params.token.length <= 200 ? req.params.token : '');

  function page(req: Request, res: Response, state: Record<string, unknown>, status = 200): void {
    const locale = negotiateLocale(req);
    res
      .status(status)
      .set('Cache-Control', 'no-store')
      .type('html')
      .send(views.page('delegation-digest', { title: translator(locale)('page.delegationDigest.title'), locale, token: tokenOf(req), ...state }));
  }

  router.get('/delegations/digest/:token', async (req, res) => {
    let ids;
    try {
      ids = readDigestToken(platform, tokenOf(req));
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      return page(req, res, { problem: true }, error.code === 'token_expired' ? 410 : 400);
    }
    const state = await overrideState(platform.db, ids);
    page(req, res, { campaignTitle: state.campaignTitle ?? '', digest: state.digest });
  });

  router.post('/delegations/digest/:token', async (req, res) => {
    const ids = readDigestToken(platform, tokenOf(req));
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (body['List-Unsubscribe'] !== 'One-Click') {
      throw new AppError('validation_failed', { key: 'problems.detail.oneClickBody' }, [fieldError('List-Unsubscribe', 'problems.message.mustBeOneClick')]);
    }
    const switched = await switchToDigest(platform.db, ids, req.accepts(['json', 'html']) === 'html' ? 'page' : 'one_click');
    // Signed by us, but the campaign or the delegation has since been deleted: nothing left to mail.
    if (!switched) throw new AppError('not_found', { key: 'problems.detail.noSuchResource' });
    const state = await overrideState(platform.db, ids);
    page(req, res, { campaignTitle: state.campaignTitle ?? '', digest: true });
  });

  router.delete('/api/admin/campaigns/:slug/digest-overrides/:iso2', requireRole('editor'), async (req, res) => {
    const { slug } = slugParams.parse(req.params);
    const { iso2 } = iso2Params.parse(req.params);
    res.set('Cache-Control', 'no-store').json(await restoreIndividualLetters(staffContextOf(platform, res), slug, iso2));
  });

  return router;
}

export function describeDigestOverridesApi(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'delete',
    path: '/api/admin/campaigns/{slug}/digest-overrides/{iso2}',
    summary: "Send a campaign's letters to a delegation one by one again, after its mail administrator asked for the digest (audited)",
    description: 'Letters still waiting for the digest get their own jobs at once; none is sent twice.',
    tags: ['Admin: delegations'],
    security: ADMIN_SECURITY,
    request: { params: slugParams.merge(iso2Params) },
    responses: {
      200: { description: 'Removed', content: { 'application/json': { schema: z.object({ requeued: z.number().int() }).openapi('DigestOverrideRemoved') } } },
      400: problemResponse('Malformed slug or code'),
      401: problemResponse('No valid session or token'),
      403: problemResponse('Role below editor, or a cookie write without X-CSRF-Token'),
      404: problemResponse('No such override'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/delegations/digest/{token}',
    summary: "RFC 8058 one-click action of a letter's List-Unsubscribe: this campaign's letters to this delegation become a daily digest",
    tags: ['Delegations'],
    request: {
      params: z.object({ token: z.string() }),
      body: { content: { 'application/x-www-form-urlencoded': { schema: z.object({ 'List-Unsubscribe': z.literal('One-Click') }) } } },
    },
    responses: {
      200: { description: 'Done (again: nothing more changes)', content: { 'text/html': { schema: z.string() } } },
      400: problemResponse('The token is not valid, or the body is not List-Unsubscribe=One-Click'),
      404: problemResponse('The campaign or the delegation no longer exists'),
      410: problemResponse('The link has expired'),
    },
  });
}
