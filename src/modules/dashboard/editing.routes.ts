import { getOpenApiMetadata } from '@asteasolutions/zod-to-openapi';
import { Router, type RequestHandler } from 'express';
import type { Platform } from '../../platform/context';
import { DOMAIN_EVENTS } from '../../platform/domain-events';
import { LOCALES } from '../../platform/i18n';
import type { Views } from '../../platform/views';
import type { Role } from '../admin';
import { getCampaignForAdmin } from '../campaigns';
import { slugParams } from '../../platform/http/params';
import { templateUpdateSchema, UN_GROUPS } from '../letters';
import { chrome } from './chrome';
import { pageGuard } from './page-guard';

const LANGUAGE_NAMES: Record<string, string> = { en: 'English', ru: 'Russian', kk: 'Kazakh' };

/**
 * The pages that let staff run a campaign without curl: create and edit campaigns, the letter
 * template, delegations, fraud clean-up, accounts. Each page is a form over an admin API route the
 * browser calls itself (`static/*.js`); these handlers only render the page and what it starts with.
 * Viewers get the same pages without forms; the API checks the role again on every write.
 */
export function editingPagesRouter(platform: Platform, views: Views, requireRole: (min: Role) => RequestHandler): Router {
  const router = Router();
  const viewer = pageGuard(requireRole, 'viewer');
  const noStore: RequestHandler = (_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  };
  const scripts = (...files: string[]) => ['/admin/static/nav.js', '/admin/static/forms.js', ...files.map((f) => `/admin/static/${f}`)];
  const languageOptions = (selected: string) => LOCALES.map((value) => ({ value, label: LANGUAGE_NAMES[value] ?? value, selected: value === selected }));

  // A path of its own rather than /admin/campaigns/new, which would hide a campaign named "new".
  router.get('/admin/new-campaign', pageGuard(requireRole, 'editor'), noStore, (_req, res) => {
    res.type('html').send(
      views.page('campaign-new', {
        title: 'New campaign',
        languages: languageOptions('en'),
        ...chrome(res),
        scripts: scripts('demand-rows.js', 'campaign-new.js'),
      }),
    );
  });

  router.get('/admin/campaigns/:slug/edit', viewer, noStore, async (req, res) => {
    const { slug } = slugParams.parse(req.params);
    const campaign = await getCampaignForAdmin(platform.db, slug);
    const translations = LOCALES.filter((lang) => lang !== campaign.language).map((lang) => {
      const saved = campaign.translations.find((t) => t.language === lang);
      return {
        lang,
        name: LANGUAGE_NAMES[lang] ?? lang,
        saved: Boolean(saved),
        title: saved?.title ?? '',
        summary: saved?.summary ?? '',
        demands: campaign.demands.map((d) => {
          const translated = saved?.demands.find((t) => t.position === d.position);
          return { position: d.position, index: d.position - 1, original: d.title, title: translated?.title ?? '', quote: translated?.quote ?? '' };
        }),
      };
    });
    res.type('html').send(
      views.page('campaign-edit', {
        title: `Edit ${campaign.title}`,
        campaign,
        translations,
        digest: campaign.letterMode === 'digest',
        currentWording: campaign.consentWordings.find((w) => w.current),
        oldWordings: campaign.consentWordings.filter((w) => !w.current),
        ...chrome(res),
        scripts: scripts('demand-rows.js', 'campaign-edit.js'),
      }),
    );
  });

  router.get('/admin/campaigns/:slug/letter-template', viewer, noStore, async (req, res) => {
    const { slug } = slugParams.parse(req.params);
    const campaign = await getCampaignForAdmin(platform.db, slug);
    // The templates module's own description of what a template may use, so the two never drift.
    const [variables = '', helpers = ''] = (getOpenApiMetadata(templateUpdateSchema).description ?? '').replace(/^Variables: /, '').split(' Helpers: ');
    res.type('html').send(
      views.page('template', {
        title: `Letter template: ${campaign.title}`,
        campaign,
        languages: languageOptions(campaign.language),
        variables,
        helpers,
        ...chrome(res),
        scripts: scripts('template.js'),
      }),
    );
  });

  router.get('/admin/campaigns/:slug/sources', viewer, noStore, async (req, res) => {
    const { slug } = slugParams.parse(req.params);
    const campaign = await getCampaignForAdmin(platform.db, slug);
    res.type('html').send(views.page('sources', { title: `Signing sources: ${campaign.title}`, campaign, ...chrome(res), scripts: scripts('sources.js') }));
  });

  router.get('/admin/campaigns/:slug/mailings', viewer, noStore, async (req, res) => {
    const { slug } = slugParams.parse(req.params);
    const campaign = await getCampaignForAdmin(platform.db, slug);
    const translations = LOCALES.filter((lang) => lang !== campaign.language).map((lang) => ({ lang, name: LANGUAGE_NAMES[lang] ?? lang }));
    res.type('html').send(
      views.page('mailings', {
        title: `Updates: ${campaign.title}`,
        campaign,
        campaignLanguage: LANGUAGE_NAMES[campaign.language] ?? campaign.language,
        languages: languageOptions(campaign.language),
        translations,
        variables: 'campaign.title, campaign.slug, supporter.name',
        testsPerHour: platform.config.MAILINGS_TESTS_PER_HOUR,
        ...chrome(res),
        scripts: scripts('mailings.js'),
      }),
    );
  });

  router.get('/admin/targets', viewer, noStore, (_req, res) => {
    res.type('html').send(views.page('targets', { title: 'Delegations', groups: UN_GROUPS, ...chrome(res), scripts: scripts('targets.js') }));
  });

  router.get('/admin/accounts', pageGuard(requireRole, 'owner'), noStore, (_req, res) => {
    res.type('html').send(views.page('accounts', { title: 'Accounts and tokens', ...chrome(res), scripts: scripts('accounts.js') }));
  });

  router.get('/admin/webhooks', pageGuard(requireRole, 'owner'), noStore, (_req, res) => {
    res.type('html').send(views.page('webhooks', { title: 'Webhooks', events: DOMAIN_EVENTS, ...chrome(res), scripts: scripts('webhooks.js') }));
  });

  return router;
}
