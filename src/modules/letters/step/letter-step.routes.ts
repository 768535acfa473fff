import express, { Router, type Request, type Response } from 'express';
import path from 'node:path';
import type { Platform } from '../../../platform/context';
import { AppError } from '../../../platform/errors';
import { requireContentType } from '../../../platform/http/content-type';
import { negotiateLocale, type Locale } from '../../../platform/i18n';
import { SHARED_VIEWS_DIR, Views } from '../../../platform/views';
import { slugParams } from '../../../platform/http/params';
import { checkLetterForm, readLetterForm, type LetterForm } from './letter-step.schemas';
import { supporterContext } from '../../admin';
import { loadLetterStep, previewStepLetter, sendStepLetters, type LetterStep } from './letter-step.service';
import { problemPage, resultPage, stepPage, type ProblemKind } from './letter-step.view';
import { onlyGetAndHead } from '../../../platform/http/method-not-allowed';

/**
 * The supporter's letter step, as HTML forms: `POST /c/:slug/write` (from the pages that follow
 * signing and confirming, with the action token in a hidden field, never in a URL), then
 * `/preview` and `/send`. Every answer is a page; a mistake re-renders the form with the message
 * beside its field. The script in static/write.js does the same through the JSON API.
 */
export function letterStepRouter(platform: Platform): Router {
  const router = Router();
  const views = new Views([path.join(__dirname, 'pages'), SHARED_VIEWS_DIR]);

  // Not under /static: the platform's static router answers 404 for anything it does not have there.
  router.use('/assets/write', onlyGetAndHead, express.static(path.join(__dirname, 'static'), { maxAge: '1h', fallthrough: false, index: false }));

  /** Loads the step for the form's token, or answers with the page that says why it cannot be used. */
  async function withStep(req: Request, res: Response, run: (step: LetterStep, form: LetterForm, locale: Locale) => Promise<void>): Promise<void> {
    // The page carries the action token: no cache may keep it.
    res.set('Cache-Control', 'no-store');
    const form = readLetterForm(req.body);
    const locale = form.locale ?? negotiateLocale(req);
    const params = slugParams.safeParse(req.params);
    if (!params.success) return sendProblemPage(res, 'notFound', null, locale);
    let step: LetterStep;
    try {
      step = await loadLetterStep(platform, params.data.slug, form.actionToken);
    } catch (error) {
      return sendProblemPage(res, problemKindOf(error), params.data.slug, locale);
    }
    try {
      await run(step, form, locale);
    } catch (error) {
      if (error instanceof AppError && (error.code === 'no_targets' || error.code === 'target_not_found')) {
        // The choice names nothing we can write to (say, "own" without a country on the signature).
        const page = stepPage(step, form, locale, { problems: [{ field: 'choice', reason: 'no_targets' }] });
        res.status(422).type('html').send(views.page('write', page));
        return;
      }
      sendProblemPage(res, problemKindOf(error), step.campaign.slug, locale);
    }
  }

  function sendProblemPage(res: Response, kind: ProblemKind, slug: string | null, locale: Locale): void {
    const status = { expired: 410, invalid: 400, closed: 409, notFound: 404 }[kind];
    res
      .status(status)
      .type('html')
      .send(views.page('write-problem', problemPage(kind, slug, locale)));
  }

  router.post('/c/:slug/write', requireForm, (req, res) =>
    withStep(req, res, async (step, form, locale) => {
      res.type('html').send(views.page('write', stepPage(step, form, locale)));
    }),
  );

  router.post('/c/:slug/write/preview', requireForm, (req, res) =>
    withStep(req, res, async (step, form, locale) => {
      const checked = checkLetterForm(form);
      if (!checked.ok) {
        res
          .status(400)
          .type('html')
          .send(views.page('write', stepPage(step, form, locale, { problems: checked.problems })));
        return;
      }
      const preview = await previewStepLetter(platform, step, checked.request);
      res.type('html').send(views.page('write', stepPage(step, form, locale, { preview })));
    }),
  );

  router.post('/c/:slug/write/send', requireForm, (req, res) =>
    withStep(req, res, async (step, form, locale) => {
      const checked = checkLetterForm(form);
      if (!checked.ok) {
        res
          .status(400)
          .type('html')
          .send(views.page('write', stepPage(step, form, locale, { problems: checked.problems })));
        return;
      }
      const outcome = await sendStepLetters(supporterContext(platform, locale), step, checked.request);
      res.type('html').send(views.page('write-result', resultPage(step, form, locale, outcome)));
    }),
  );

  return router;
}

const requireForm = requireContentType(['application/x-www-form-urlencoded'], 'problems.detail.sendLetterForm');

/** Only the refusals a supporter can meet here have a page; anything else is a real fault. */
function problemKindOf(error: unknown): ProblemKind {
  if (!(error instanceof AppError)) throw error;
  switch (error.code) {
    case 'token_expired':
      return 'expired';
    case 'token_invalid':
      return 'invalid';
    case 'campaign_not_open':
      return 'closed';
    case 'campaign_not_found':
      return 'notFound';
    default:
      throw error;
  }
}
