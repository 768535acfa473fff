import express, { Router } from 'express';
import path from 'node:path';
import type { Platform } from '../../platform/context';
import { slugParams } from '../../platform/http/params';
import { carriedFields, renderCampaignPage, renderNotFound } from './campaign-page';
import { pageLocale } from '../../platform/http/page-locale';
import { onlyGetAndHead } from '../../platform/http/method-not-allowed';

/** The pages supporters see first: a campaign, its signing form, and their script and styles. */
export function publicRouter(platform: Platform): Router {
  const router = Router();
  // Not under /static: the shared static files answer 404 for anything they do not have.
  router.use('/assets/public', onlyGetAndHead, express.static(path.join(__dirname, 'static'), { maxAge: '1h', fallthrough: false, index: false }));

  router.get('/c/:slug', async (req, res) => {
    const locale = pageLocale(req);
    const params = slugParams.safeParse(req.params);
    const page = params.success
      ? await renderCampaignPage(platform, { slug: params.data.slug, locale, query: req.query, hidden: carriedFields(req.query) })
      : await renderNotFound(platform, locale);
    // Each render carries a fresh form token, and the language follows Accept-Language.
    res.status(page.status).set('Cache-Control', 'no-cache').vary('Accept-Language').type('html').send(page.html);
  });

  return router;
}
