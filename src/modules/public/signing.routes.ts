/**
 * The signing flow as a browser without JavaScript sees it: the form's post answered with pages,
 * the emailed confirmation link, and the form that asks for a new link. The rules are the
 * supporters module's; this file only turns their answers and refusals into pages.
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { Platform } from '../../platform/context';
import { AppError } from '../../platform/errors';
import { requireContentType } from '../../platform/http/content-type';
import { pageLocale } from '../../platform/http/page-locale';
import { slugParams } from '../../platform/http/params';
import type { Locale } from '../../platform/i18n';
import { supporterContext } from '../admin';
import { findPublicCampaignId } from '../campaigns';
import {
  campaignOfLink,
  confirmSignature,
  inspectConfirmation,
  localeOfLink,
  recordAddressRequest,
  resendRequest,
  signingRateLimits,
  signingRequest,
  signPetition,
  tokenParams,
} from '../supporters';
import {
  answerLimitedPage,
  answerRefusedForm,
  answerSignedPage,
  confirmedPage,
  confirmPage,
  linkProblemPage,
  resendRefusedPage,
  resentPage,
  sendNotFoundPage,
} from './signing-pages';

export function signingPagesRouter(platform: Platform): Router {
  const router = Router();

  // The same URL as the JSON API: a browser's form post is answered here, with pages (a refusal
  // is the form again, with its errors); anything else goes on to the supporters API route.
  router.post('/api/campaigns/:slug/signatures', onlyBrowserForms, requireForm, ...signingRateLimits(platform, answerLimitedPage), async (req, res) => {
    const { slug } = slugParams.parse(req.params);
    const locale = pageLocale(req);
    let result: Awaited<ReturnType<typeof signPetition>>;
    try {
      result = await signPetition(supporterContext(platform, locale), slug, signingRequest.parse(req.body), { ip: req.ip });
    } catch (error) {
      if (await answerRefusedForm(platform, req, res, slug, locale, error)) return;
      throw error;
    }
    if (result.kind === 'discarded') req.log.info({ reason: result.reason }, 'signing discarded as automated');
    answerSignedPage(platform, res, slug, locale, result.actionToken);
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
      const result = await confirmSignature(supporterContext(platform, locale), token);
      res.type('html').send(confirmedPage(token, locale, result, result.letterStep));
    } catch (error) {
      await sendLinkProblem(res, platform, req, locale, error);
    }
  });

  // Asking for a new link shares the signing limits: it sends email too.
  router.post('/c/:slug/resend', requireForm, ...signingRateLimits(platform, answerLimitedPage), async (req, res) => {
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

  return router;
}

/** Only JSON and HTML-form bodies are understood; anything else is refused before it is read. */
const requireForm = requireContentType(['application/json', 'application/*+json', 'application/x-www-form-urlencoded'], 'problems.detail.sendJsonOrForm');

function onlyBrowserForms(req: Request, _res: Response, next: NextFunction): void {
  const browserForm = req.is('application/x-www-form-urlencoded') === 'application/x-www-form-urlencoded' && req.accepts(['json', 'html']) === 'html';
  next(browserForm ? undefined : 'route');
}

/** A link's token; an empty or overlong one is a link that is not valid, answered with the same page. */
function linkToken(params: unknown): string {
  const parsed = tokenParams.safeParse(params);
  if (!parsed.success) throw new AppError('token_invalid', { key: 'problems.detail.confirmLinkInvalid' });
  return parsed.data.token;
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
  res
    .status(error.code === 'token_expired' ? 410 : 400)
    .type('html')
    .send(html);
}
