import express, { Router, type RequestHandler } from 'express';
import path from 'node:path';
import type { Platform } from '../../platform/context';
import { Views } from '../../platform/views';
import { adminAuth } from '../admin';
import { getCampaignForAdmin, listCampaignsForAdmin, STATUS_TRANSITIONS } from '../campaigns';
import { slugParams } from '../../platform/http/params';
import { pageGuard, safeNext } from './page-guard';
import { chrome } from './chrome';
import { editingPagesRouter } from './editing.routes';
import { queueBoardRouter } from './queue-board';
import { onlyGetAndHead } from '../../platform/http/method-not-allowed';
import { previewRetention } from '../retention';
import { endpointsDisabledByFailure } from '../webhooks';

// Chart.js's package exports do not list its UMD file; it sits beside the CommonJS entry.
const CHART_JS = path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.min.js');

const STATUS_LABELS = { draft: 'Draft (not public)', live: 'Live: open for signing', closed: 'Closed: not accepting signatures' } as const;

/**
 * The staff dashboard: server-rendered pages behind the admin session, whose figures the browser
 * fetches from the admin API (and refreshes). Everything it loads is served from here: no CDN.
 */
export function dashboardRouter(platform: Platform): Router {
  const router = Router();
  const views = new Views([path.join(__dirname, 'pages')]);
  const { requireRole } = adminAuth(platform);
  const viewer = pageGuard(requireRole, 'viewer');
  const noStore: RequestHandler = (_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  };

  router.get('/admin/static/chart.umd.min.js', (_req, res) => {
    res.sendFile(CHART_JS, { maxAge: '1h' });
  });
  router.use('/admin/static', onlyGetAndHead, express.static(path.join(__dirname, 'static'), { maxAge: '1h', fallthrough: false, index: false }));

  router.get('/admin/login', noStore, (req, res) => {
    res.type('html').send(views.page('login', { title: 'Log in', next: safeNext(req.query.next), scripts: ['/admin/static/login.js'] }));
  });

  // The form is sent by login.js; without JavaScript it lands here, and the dashboard needs JavaScript anyway.
  router.post('/admin/login', noStore, (_req, res) => {
    res
      .status(400)
      .type('html')
      .send(
        views.page('login', {
          title: 'Log in',
          next: '/admin',
          error: 'The dashboard needs JavaScript: turn it on for this site and log in again.',
          scripts: ['/admin/static/login.js'],
        }),
      );
  });

  router.get('/admin', viewer, noStore, async (_req, res) => {
    const campaigns = (await listCampaignsForAdmin(platform.db)).map((c) => ({
      ...c,
      statusLabel: STATUS_LABELS[c.status],
      progress: percent(c.counts.confirmed, c.goal),
    }));
    // Webhook endpoints the worker disabled after days of failures: someone has to look (webhooks README).
    const failingWebhooks = await endpointsDisabledByFailure(platform.db);
    res.type('html').send(views.page('campaigns', { title: 'Campaigns', campaigns, failingWebhooks, ...chrome(res), scripts: ['/admin/static/nav.js'] }));
  });

  router.use(editingPagesRouter(platform, views, requireRole));

  // The dry run, rendered here (counts only); owners get the button that runs it.
  router.get('/admin/retention', pageGuard(requireRole, 'editor'), noStore, async (_req, res) => {
    res.type('html').send(
      views.page('retention', {
        title: 'Retention',
        preview: await previewRetention(platform),
        ...chrome(res),
        scripts: ['/admin/static/nav.js', '/admin/static/forms.js', '/admin/static/retention.js'],
      }),
    );
  });

  router.get('/admin/campaigns/:slug', viewer, noStore, async (req, res) => {
    const { slug } = slugParams.parse(req.params);
    const campaign = await getCampaignForAdmin(platform.db, slug);
    const base = platform.config.PUBLIC_BASE_URL;
    res.type('html').send(
      views.page('campaign', {
        title: campaign.title,
        campaign,
        statusLabel: STATUS_LABELS[campaign.status],
        statusOptions: [campaign.status, ...STATUS_TRANSITIONS[campaign.status]].map((value) => ({
          value,
          label: STATUS_LABELS[value],
          selected: value === campaign.status,
        })),
        embedOriginsText: campaign.embedOrigins.join('\n'),
        publicUrl: `${base}/c/${campaign.slug}`,
        iframeSnippet: `<iframe src="${base}/c/${campaign.slug}/embed" title="${attribute(campaign.title)}" width="100%" height="720" style="border:0" loading="lazy"></iframe>`,
        scriptSnippet: `<script src="${base}/embed.js" data-campaign="${campaign.slug}" async></script>`,
        ...chrome(res),
        scripts: ['/admin/static/nav.js', '/admin/static/chart.umd.min.js', '/admin/static/campaign.js', '/admin/static/deliverability.js'],
      }),
    );
  });

  router.use(queueBoardRouter(platform, requireRole));
  return router;
}

function percent(count: number, goal: number): number {
  return goal > 0 ? Math.min(100, Math.round((count / goal) * 100)) : 0;
}

/** For a snippet shown as text: Handlebars escapes the whole snippet, this keeps the title inside its quotes. */
function attribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}
