import { Router, type Request, type Response } from 'express';
import path from 'node:path';
import type { Platform } from '../../platform/context';
import { AppError } from '../../platform/errors';
import { negotiateLocale, translator } from '../../platform/i18n';
import { SHARED_VIEWS_DIR, Views } from '../../platform/views';
import { readUnsubscribeToken, unsubscribeState, withdrawConsent, type UnsubscribeScope } from './unsubscribe';

/**
 * The unsubscribe link of campaign updates and reminders. GET shows the choice and changes nothing
 * (mail scanners open links). POST with `List-Unsubscribe=One-Click` (RFC 8058, sent by the mail
 * client: no login, cookie or CSRF token, the signed token is the authority) stops this
 * campaign's updates at once; the page's buttons POST `scope=campaign` or `scope=all`. Repeating
 * either changes nothing more.
 */
export function unsubscribeRouter(platform: Platform): Router {
  const router = Router();
  const views = new Views([path.join(__dirname, 'pages'), SHARED_VIEWS_DIR]);

  function answer(req: Request, res: Response, state: Record<string, unknown>, status = 200): void {
    const locale = negotiateLocale(req);
    res
      .status(status)
      .set('Cache-Control', 'no-store')
      .type('html')
      .send(views.page('unsubscribe', { title: translator(locale)('page.unsubscribe.title'), locale, token: req.params.token, ...state }));
  }

  function idsOf(req: Request, res: Response): { supporterId: string; campaignId: string } | undefined {
    try {
      return readUnsubscribeToken(platform, typeof req.params.token === 'string' ? req.params.token : '');
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      answer(req, res, { problem: true }, error.code === 'token_expired' ? 410 : 400);
      return undefined;
    }
  }

  router.get('/unsubscribe/:token', async (req, res) => {
    const ids = idsOf(req, res);
    if (!ids) return;
    const state = await unsubscribeState(platform.db, ids);
    answer(req, res, { campaignTitle: state.campaignTitle, stoppedCampaign: state.campaign, stoppedAll: state.all });
  });

  router.post('/unsubscribe/:token', async (req, res) => {
    const ids = idsOf(req, res);
    if (!ids) return;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const oneClick = body['List-Unsubscribe'] === 'One-Click';
    const scope: UnsubscribeScope | undefined = oneClick ? 'campaign' : body.scope === 'campaign' || body.scope === 'all' ? body.scope : undefined;
    if (!scope) {
      answer(req, res, { badChoice: true }, 400);
      return;
    }
    await withdrawConsent(platform.db, ids, scope, oneClick ? 'one_click' : 'page');
    const state = await unsubscribeState(platform.db, ids);
    answer(req, res, { done: true, campaignTitle: state.campaignTitle, stoppedCampaign: state.campaign, stoppedAll: state.all });
  });
  return router;
}
