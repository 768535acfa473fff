import { Router, type Request, type Response } from 'express';
import path from 'node:path';
import type { Platform } from '../../platform/context';
import { AppError } from '../../platform/errors';
import { negotiateLocale, translator } from '../../platform/i18n';
import { SHARED_VIEWS_DIR, Views } from '../../platform/views';
import { resumeMailTo, stopMailTo, supporterOfNotMeToken } from './mail-gate';

/**
 * "This wasn't me", from the link in every email to a supporter. GET shows a button and changes
 * nothing (mail scanners open links); POST stops all mail to the address; undo lifts it again.
 */
export function notMeRouter(platform: Platform): Router {
  const router = Router();
  const views = new Views([path.join(__dirname, 'pages'), SHARED_VIEWS_DIR]);

  function answer(req: Request, res: Response, state: { done?: boolean; resumed?: boolean; problem?: boolean }, status = 200): void {
    const locale = negotiateLocale(req);
    res
      .status(status)
      .set('Cache-Control', 'no-store')
      .type('html')
      .send(views.page('not-me', { title: translator(locale)('page.notMe.title'), locale, token: req.params.token, ...state }));
  }

  /** Runs `act` with the link's supporter, or answers that the link cannot be used. */
  const withSupporter = (act: (supporterId: string) => Promise<{ done?: boolean; resumed?: boolean }>) => async (req: Request, res: Response) => {
    let supporterId: string;
    try {
      supporterId = supporterOfNotMeToken(platform, typeof req.params.token === 'string' ? req.params.token : '');
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      answer(req, res, { problem: true }, error.code === 'token_expired' ? 410 : 400);
      return;
    }
    answer(req, res, await act(supporterId));
  };

  router.get(
    '/not-me/:token',
    withSupporter(async () => ({})),
  );
  router.post(
    '/not-me/:token',
    withSupporter(async (id) => {
      await stopMailTo(platform.db, id);
      return { done: true };
    }),
  );
  router.post(
    '/not-me/:token/undo',
    withSupporter(async (id) => {
      await resumeMailTo(platform.db, id);
      return { resumed: true };
    }),
  );
  return router;
}
