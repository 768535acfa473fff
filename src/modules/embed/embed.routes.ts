import express, { Router } from 'express';
import path from 'node:path';
import type { Platform } from '../../platform/context';
import { translator } from '../../platform/i18n';
import { Views, SHARED_VIEWS_DIR } from '../../platform/views';
import { slugParams } from '../../platform/http/params';
import { pageLocale } from '../../platform/http/page-locale';
import { campaignForPage, confirmationLinkDays, signingFormHtml } from '../public';
import { formStartedToken, partnerToken, PROOF_OF_WORK_ASSETS } from '../supporters';
import { findEmbeddableCampaign, isAllowedOrigin, normaliseOrigin } from './embed-origins';
import { allowFramingBy } from './frame-policy';
import { onlyGetAndHead } from '../../platform/http/method-not-allowed';

const STATIC_DIR = path.join(__dirname, 'static');
/** The public page's script: it signs without leaving the page and shows errors next to fields. */
const SIGNING_SCRIPT = '/assets/public/campaign.js';
const FRAME_SCRIPT = '/assets/embed/embed-frame.js';

/**
 * The embeddable signing form: `/c/:slug/embed` (a compact page for an iframe) and `/embed.js`
 * (the script a partner site includes to insert that iframe). Only the campaign's `embedOrigins`
 * may frame the page, and only they are named as the partner of a signature made in it.
 */
export function embedRouter(platform: Platform): Router {
  const router = Router();
  const views = new Views([path.join(__dirname, 'pages'), SHARED_VIEWS_DIR]);

  router.use('/assets/embed', onlyGetAndHead, express.static(STATIC_DIR, { maxAge: '1h', fallthrough: false, index: false }));

  router.get('/embed.js', (_req, res) => {
    // Loaded by partner pages from their own origin: helmet's same-origin CORP would block it.
    res.set({ 'Cross-Origin-Resource-Policy': 'cross-origin', 'Cache-Control': 'public, max-age=3600' });
    res.type('application/javascript').sendFile(path.join(STATIC_DIR, 'embed.js'));
  });

  router.get('/c/:slug/embed', async (req, res) => {
    const locale = pageLocale(req);
    const t = translator(locale);
    res.set('Cache-Control', 'no-store').vary('Accept-Language');
    const params = slugParams.safeParse(req.params);
    const embeddable = params.success ? await findEmbeddableCampaign(platform.db, params.data.slug) : null;
    const campaign = embeddable && params.success ? await campaignForPage(platform, params.data.slug, locale) : null;
    if (!embeddable || !campaign) {
      res
        .status(404)
        .type('html')
        .send(views.page('embed-missing', { title: t('embed.missing'), locale }));
      return;
    }
    allowFramingBy(res, embeddable.embedOrigins);
    // The partner names itself (embed.js passes its page's origin); only a listed origin is believed.
    const partner = normaliseOrigin(req.query.partner);
    const listed = isAllowedOrigin(embeddable, partner) ? partner : null;
    const form =
      campaign.status === 'live' && campaign.consent
        ? signingFormHtml({
            action: `/api/campaigns/${campaign.slug}/signatures`,
            locale,
            campaignSlug: campaign.slug,
            consent: campaign.consent,
            formStarted: formStartedToken(platform),
            ttlDays: confirmationLinkDays(platform),
            hidden: { source: 'embed', ...(listed ? { partner: partnerToken(platform, embeddable.id, listed) } : {}) },
            compact: true,
            idPrefix: 'embed',
            letterTarget: '_top',
            proofOfWork: campaign.proofOfWork,
          })
        : null;
    res.type('html').send(
      views.page('embed', {
        title: campaign.title,
        locale,
        styles: campaign.proofOfWork ? [...PROOF_OF_WORK_ASSETS.styles] : [],
        scripts: [...(campaign.proofOfWork ? PROOF_OF_WORK_ASSETS.scripts : []), SIGNING_SCRIPT, FRAME_SCRIPT],
        campaign,
        form,
        closed: campaign.status === 'closed',
        parentOrigin: listed ?? '',
        fullPage: `/c/${campaign.slug}?lang=${locale}`,
      }),
    );
  });

  return router;
}
