import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router, type Request, type Response } from 'express';
import path from 'node:path';
import type { Platform } from '../../platform/context';
import { AppError } from '../../platform/errors';
import { requireContentType } from '../../platform/http/content-type';
import { problemResponse } from '../../platform/http/openapi';
import { SHARED_VIEWS_DIR, Views } from '../../platform/views';
import { slugParams } from '../campaigns/campaigns.schemas';
import { signingRateLimits } from './rate-limits';
import { confirmationAnswer, confirmationRequest, signingAnswer, signingRequest, tokenParams } from './supporters.schemas';
import { confirmSignature, inspectConfirmation, SIGNING_ANSWER, signPetition } from './supporters.service';

export function supportersRouter(platform: Platform): Router {
  const router = Router();
  const views = new Views([path.join(__dirname, 'pages'), SHARED_VIEWS_DIR]);

  router.post('/api/campaigns/:slug/signatures', requireBody, ...signingRateLimits(platform), async (req, res) => {
    const { slug } = slugParams.parse(req.params);
    const input = signingRequest.parse(req.body);
    const result = await signPetition(platform, slug, input, { ip: req.ip });
    if (result.kind === 'discarded') req.log.info({ reason: result.reason }, 'signing discarded as automated');
    if (wantsHtml(req)) {
      res.status(202).type('html').send(views.page('signed', { title: 'Thank you', message: SIGNING_ANSWER.message }));
      return;
    }
    res.status(202).json({ ...SIGNING_ANSWER, actionToken: result.actionToken });
  });

  // GET shows a button and changes nothing: mail scanners that prefetch links must not confirm.
  router.get('/confirm/:token', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    try {
      const token = linkToken(req.params);
      const attempt = await inspectConfirmation(platform, token);
      res.type('html').send(views.page('confirm', {
        title: 'Confirm your signature', token, campaignTitle: attempt.signature.campaign.title, alreadyConfirmed: attempt.confirmedAt !== null,
      }));
    } catch (error) {
      sendLinkProblem(res, views, platform, error);
    }
  });

  router.post('/confirm/:token', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    try {
      const token = linkToken(req.params);
      const result = await confirmSignature(platform, token);
      res.type('html').send(views.page('confirmed', {
        title: 'Signature confirmed', status: result.status, campaignTitle: result.campaign.title, campaignSlug: result.campaign.slug,
      }));
    } catch (error) {
      sendLinkProblem(res, views, platform, error);
    }
  });

  router.post('/api/confirmations', requireBody, async (req, res) => {
    const { token } = confirmationRequest.parse(req.body);
    res.json(await confirmSignature(platform, token));
  });

  return router;
}

/** A link's token; an empty or overlong one is a link that is not valid, answered with the same page. */
function linkToken(params: unknown): string {
  const parsed = tokenParams.safeParse(params);
  if (!parsed.success) throw new AppError('token_invalid', 'This confirmation link is not valid. Check that you opened the whole link from the email.');
  return parsed.data.token;
}

/** Only JSON and HTML-form bodies are understood; anything else is refused before it is read. */
const requireBody = requireContentType(['application/json', 'application/*+json', 'application/x-www-form-urlencoded'], 'Send application/json or application/x-www-form-urlencoded.');

function wantsHtml(req: Request): boolean {
  return req.is('application/x-www-form-urlencoded') === 'application/x-www-form-urlencoded' && req.accepts(['json', 'html']) === 'html';
}

function sendLinkProblem(res: Response, views: Views, platform: Platform, error: unknown): void {
  if (!(error instanceof AppError) || (error.code !== 'token_invalid' && error.code !== 'token_expired')) throw error;
  const expired = error.code === 'token_expired';
  res.status(expired ? 410 : 400).type('html').send(views.page('link-problem', {
    title: expired ? 'Link expired' : 'Link not valid',
    heading: expired ? 'This confirmation link has expired' : 'This confirmation link is not valid',
    detail: error.detail,
    ttlDays: Math.round(platform.config.CONFIRMATION_TOKEN_TTL_HOURS / 24),
  }));
}

export function describeSupportersApi(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'post',
    path: '/api/campaigns/{slug}/signatures',
    summary: 'Sign a campaign (double opt-in: the signature stays pending until the emailed link is used)',
    description: 'Accepts JSON, or form encoding for the no-JavaScript page. A first and a repeated signing get the same answer; the email that follows tells the supporter which it was. Rate-limited per network and per email domain.',
    tags: ['Signing'],
    request: {
      params: slugParams,
      body: { content: { 'application/json': { schema: signingRequest }, 'application/x-www-form-urlencoded': { schema: signingRequest } } },
    },
    responses: {
      202: { description: 'Received', content: { 'application/json': { schema: signingAnswer } } },
      400: problemResponse('Invalid fields (see errors[]), unknown fields or a malformed body'),
      404: problemResponse('No such campaign'),
      409: problemResponse('The campaign is closed'),
      413: problemResponse('Body larger than 16 KB'),
      415: problemResponse('Neither JSON nor a form'),
      422: problemResponse('Unknown consent wording'),
      429: problemResponse('Rate limit reached; see Retry-After'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/confirmations',
    summary: 'Confirm a signature with the token from the confirmation link',
    tags: ['Signing'],
    request: { body: { content: { 'application/json': { schema: confirmationRequest } } } },
    responses: {
      200: { description: 'Confirmed now, or already before', content: { 'application/json': { schema: confirmationAnswer } } },
      400: problemResponse('The token is not valid'),
      410: problemResponse('The token has expired'),
    },
  });
}
