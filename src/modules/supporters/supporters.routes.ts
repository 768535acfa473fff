import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router, type Request, type Response } from 'express';
import type { Platform } from '../../platform/context';
import { AppError } from '../../platform/errors';
import { requireContentType } from '../../platform/http/content-type';
import { problemResponse } from '../../platform/http/openapi';
import type { Locale } from '../../platform/i18n';
import { slugParams } from '../campaigns/campaigns.schemas';
import { pageLocale } from '../public';
import { signingRateLimits } from './rate-limits';
import {
  answerLimitedPage, answerRefusedForm, answerSignedPage, confirmedPage, confirmPage, linkProblemPage, resendRefusedPage, resentPage, sendNotFoundPage,
} from './supporters.pages';
import {
  confirmationAnswer, confirmationRequest, resendAnswer, resendRequest, signingAnswer, signingRequest, tokenParams,
} from './supporters.schemas';
import { findPublicCampaignId } from '../campaigns';
import { recordAddressRequest } from './address-requests';
import { campaignOfLink, confirmSignature, inspectConfirmation, localeOfLink } from './confirmations.service';
import { SIGNING_ANSWER, signPetition } from './supporters.service';

/** The answer to a request for a new link, known address or not. */
const RESEND_ANSWER = { status: 'received', message: 'If this address has a signature here that is waiting for confirmation, we have sent it a new confirmation link.' } as const;

export function supportersRouter(platform: Platform): Router {
  const router = Router();

  // A browser's form post that hits a limit gets a page that says so, not a problem document.
  const limitedPage = (req: Request, res: Response, retryAfter: number) => wantsHtml(req) && answerLimitedPage(req, res, retryAfter);
  router.post('/api/campaigns/:slug/signatures', requireBody, ...signingRateLimits(platform, limitedPage), async (req, res) => {
    const { slug } = slugParams.parse(req.params);
    // A browser's form post is answered with pages: a refusal is the form again, with its errors.
    const html = wantsHtml(req) ? { locale: pageLocale(req) } : null;
    let result: Awaited<ReturnType<typeof signPetition>>;
    try {
      const input = signingRequest.parse(req.body);
      result = await signPetition(platform, slug, input, { ip: req.ip });
    } catch (error) {
      if (html && (await answerRefusedForm(platform, req, res, slug, html.locale, error))) return;
      throw error;
    }
    if (result.kind === 'discarded') req.log.info({ reason: result.reason }, 'signing discarded as automated');
    if (html) {
      answerSignedPage(platform, res, slug, html.locale, result.actionToken);
      return;
    }
    res.status(202).json({ ...SIGNING_ANSWER, actionToken: result.actionToken });
  });

  // GET shows a button and changes nothing: mail scanners that prefetch links must not confirm.
  router.get('/confirm/:token', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const locale = await linkLocale(platform, req);
    try {
      const token = linkToken(req.params);
      const attempt = await inspectConfirmation(platform, token);
      res.type('html').send(confirmPage(token, locale, attempt));
    } catch (error) {
      await sendLinkProblem(res, platform, req, locale, error);
    }
  });

  router.post('/confirm/:token', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const locale = await linkLocale(platform, req);
    try {
      const token = linkToken(req.params);
      const result = await confirmSignature(platform, token);
      res.type('html').send(confirmedPage(token, locale, result, result.letterStep));
    } catch (error) {
      await sendLinkProblem(res, platform, req, locale, error);
    }
  });

  router.post('/api/confirmations', requireBody, async (req, res) => {
    const { token } = confirmationRequest.parse(req.body);
    const { status, campaign } = await confirmSignature(platform, token);
    res.json({ status, campaign });
  });

  // Asking for a new link shares the signing limits: it sends email too.
  router.post('/c/:slug/resend', requireBody, ...signingRateLimits(platform, answerLimitedPage), async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const locale = pageLocale(req);
    const params = slugParams.safeParse(req.params);
    const campaignId = params.success ? await findPublicCampaignId(platform.db, params.data.slug) : null;
    if (!params.success || !campaignId) {
      await sendNotFoundPage(platform, res, locale);
      return;
    }
    const input = resendRequest.safeParse(req.body);
    if (!input.success) {
      resendRefusedPage(res, params.data.slug, locale, req.body, input.error);
      return;
    }
    await recordAddressRequest(platform, 'resend', input.data.email, campaignId, input.data.locale ?? locale);
    resentPage(res, params.data.slug, locale);
  });

  router.post('/api/campaigns/:slug/confirmations/resend', requireBody, ...signingRateLimits(platform), async (req, res) => {
    const { slug } = slugParams.parse(req.params);
    const input = resendRequest.parse(req.body);
    const campaignId = await findPublicCampaignId(platform.db, slug);
    if (!campaignId) throw new AppError('campaign_not_found', `There is no campaign "${slug}".`);
    await recordAddressRequest(platform, 'resend', input.email, campaignId, input.locale ?? pageLocale(req));
    res.status(202).json(RESEND_ANSWER);
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

/** A link's page speaks `?lang=`, else the language the supporter signed in, else the browser's. */
async function linkLocale(platform: Platform, req: Request): Promise<Locale> {
  const token = tokenParams.safeParse(req.params);
  return pageLocale(req, token.success ? await localeOfLink(platform, token.data.token) : null);
}

async function sendLinkProblem(res: Response, platform: Platform, req: Request, locale: Locale, error: unknown): Promise<void> {
  if (!(error instanceof AppError) || (error.code !== 'token_invalid' && error.code !== 'token_expired')) throw error;
  const token = tokenParams.safeParse(req.params);
  const campaign = token.success ? await campaignOfLink(platform, token.data.token) : null;
  const html = await linkProblemPage(platform, token.success ? token.data.token : '', locale, error.code, campaign);
  res.status(error.code === 'token_expired' ? 410 : 400).type('html').send(html);
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
  registry.registerPath({
    method: 'post',
    path: '/api/campaigns/{slug}/confirmations/resend',
    summary: 'Ask for a new confirmation link (the answer is the same whether or not the address has signed)',
    description: 'When the address has a pending signature in the campaign, a fresh confirmation email is queued (at most one an hour per signature). The HTML form of the expired-link page posts to /c/{slug}/resend instead. Rate-limited like signing.',
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
