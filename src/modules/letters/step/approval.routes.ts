import { Router, type Request, type Response } from 'express';
import path from 'node:path';
import type { Platform } from '../../../platform/context';
import { AppError } from '../../../platform/errors';
import { negotiateLocale, translator, type Locale } from '../../../platform/i18n';
import { SHARED_VIEWS_DIR, Views } from '../../../platform/views';
import { supporterContext } from '../../admin';
import { approveLetters, inspectApproval, type ApprovalView } from './approvals.service';
import { delegationName, STYLES } from './letter-step.view';

/**
 * The page an approval email's link opens. GET shows the letters (name, delegations, paragraph)
 * and a button, and changes nothing: mail scanners open links. POST sends them.
 */
export function approvalRouter(platform: Platform): Router {
  const router = Router();
  const views = new Views([path.join(__dirname, 'pages'), SHARED_VIEWS_DIR]);

  const locale = (req: Request): Locale => negotiateLocale(req);
  const tokenOf = (req: Request): string => (typeof req.params.token === 'string' && req.params.token.length <= 200 ? req.params.token : '');

  function problem(res: Response, loc: Locale, error: unknown): void {
    if (!(error instanceof AppError)) throw error;
    const t = translator(loc);
    const expired = error.code === 'token_expired';
    const closed = error.code === 'campaign_not_open';
    res
      .status(expired ? 410 : closed ? 409 : 400)
      .type('html')
      .send(
        views.page('write-problem', {
          title: t('write.approve.problem.title'),
          locale: loc,
          styles: STYLES,
          heading: t(closed ? 'write.error.closed.title' : 'write.approve.problem.title'),
          message: t(closed ? 'write.error.closed' : expired ? 'write.approve.problem.expired' : 'write.approve.problem.invalid'),
          campaignLink: null,
        }),
      );
  }

  function shown(view: ApprovalView, loc: Locale) {
    return {
      campaignTitle: view.campaign.title,
      name: view.name,
      paragraph: view.paragraph,
      count: view.delegations.length,
      delegations: view.delegations.map((d) => delegationName(d, loc)).sort(new Intl.Collator(loc).compare),
      nothing: view.delegations.length === 0 || view.approved,
    };
  }

  router.get('/letters/approve/:token', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const loc = locale(req);
    try {
      const view = await inspectApproval(platform, tokenOf(req));
      res
        .type('html')
        .send(views.page('approve', { title: translator(loc)('write.approve.title'), locale: loc, styles: STYLES, token: tokenOf(req), ...shown(view, loc) }));
    } catch (error) {
      problem(res, loc, error);
    }
  });

  router.post('/letters/approve/:token', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const loc = locale(req);
    try {
      const { view, released } = await approveLetters(supporterContext(platform, loc), tokenOf(req));
      res.type('html').send(
        views.page('approved', {
          title: translator(loc)('write.approved.title'),
          locale: loc,
          styles: STYLES,
          campaignTitle: view.campaign.title,
          campaignSlug: view.campaign.slug,
          released,
        }),
      );
    } catch (error) {
      problem(res, loc, error);
    }
  });

  return router;
}
