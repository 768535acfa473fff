import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import type { Platform } from '../../platform/context';
import { AppError } from '../../platform/errors';
import { requireContentType } from '../../platform/http/content-type';
import { problemResponse } from '../../platform/http/openapi';
import { pageLocale } from '../../platform/http/page-locale';
import { slugParams } from '../../platform/http/params';
import { supporterContext } from '../admin';
import { findPublicCampaignId } from '../campaigns';
import { recordAddressRequest } from './address-requests';
import { confirmSignature } from './confirmations.service';
import { signingRateLimits } from './rate-limits';
import { confirmationAnswer, confirmationRequest, resendAnswer, resendRequest, signingAnswer, signingRequest } from './supporters.schemas';
import { SIGNING_ANSWER, signPetition } from './supporters.service';

/** The answer to a request for a new link, known address or not. */
const RESEND_ANSWER = {
  status: 'received',
  message: 'If this address has a signature here that is waiting for confirmation, we have sent it a new confirmation link.',
} as const;

export function supportersRouter(platform: Platform): Router {
  const router = Router();

  // A browser's form post to the same URL is answered with pages by the public module first.
  router.post('/api/campaigns/:slug/signatures', requireBody, ...signingRateLimits(platform), async (req, res) => {
    const { slug } = slugParams.parse(req.params);
    const result = await signPetition(supporterContext(platform, pageLocale(req)), slug, signingRequest.parse(req.body), { ip: req.ip });
    if (result.kind === 'discarded') req.log.info({ reason: result.reason }, 'signing discarded as automated');
    res.status(202).json({ ...SIGNING_ANSWER, actionToken: result.actionToken });
  });

  router.post('/api/confirmations', requireBody, async (req, res) => {
    const { token } = confirmationRequest.parse(req.body);
    const { status, campaign } = await confirmSignature(supporterContext(platform, pageLocale(req)), token);
    res.json({ status, campaign });
  });

  router.post('/api/campaigns/:slug/confirmations/resend', requireBody, ...signingRateLimits(platform), async (req, res) => {
    const { slug } = slugParams.parse(req.params);
    const input = resendRequest.parse(req.body);
    const campaignId = await findPublicCampaignId(platform.db, slug);
    if (!campaignId) throw new AppError('campaign_not_found', { key: 'problems.detail.noCampaign', params: { slug } });
    await recordAddressRequest(platform, 'resend', input.email, campaignId, input.locale ?? pageLocale(req));
    res.status(202).json(RESEND_ANSWER);
  });

  return router;
}

/** Only JSON and HTML-form bodies are understood; anything else is refused before it is read. */
const requireBody = requireContentType(['application/json', 'application/*+json', 'application/x-www-form-urlencoded'], 'problems.detail.sendJsonOrForm');

export function describeSupportersApi(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'post',
    path: '/api/campaigns/{slug}/signatures',
    summary: 'Sign a campaign (double opt-in: the signature stays pending until the emailed link is used)',
    description:
      'Accepts JSON, or form encoding for the no-JavaScript page. A first and a repeated signing get the same answer; the email that follows tells the supporter which it was. Rate-limited per network and per email domain.',
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
  registry.registerPath({
    method: 'post',
    path: '/api/campaigns/{slug}/confirmations/resend',
    summary: 'Ask for a new confirmation link (the answer is the same whether or not the address has signed)',
    description:
      'When the address has a pending signature in the campaign, a fresh confirmation email is queued (at most one an hour per signature). The HTML form of the expired-link page posts to /c/{slug}/resend instead. Rate-limited like signing.',
    tags: ['Signing'],
    request: { params: slugParams, body: { content: { 'application/json': { schema: resendRequest } } } },
    responses: {
      202: { description: 'Received', content: { 'application/json': { schema: resendAnswer } } },
      400: problemResponse('Not an email address, or unknown fields'),
      404: problemResponse('No such campaign'),
      429: problemResponse('Rate limit reached; see Retry-After'),
    },
  });
}
