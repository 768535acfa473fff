import type { Platform } from '../../platform/context';
import type { FieldError } from '../../platform/errors';
import { allCatalogues, DEFAULT_LOCALE, translator, type Locale } from '../../platform/i18n';
import { formStartedToken, PROOF_OF_WORK_ASSETS, TRACKING_SLUG } from '../supporters';
import { languageLinks } from '../../platform/http/page-locale';
import { campaignForPage, confirmationLinkDays, liveCampaigns, type CampaignForPage } from './public.service';
import { signingFormHtml, type SigningFormOptions, type SigningFormValues } from './signing-form';
import { publicViews as views } from './views';

export const CAMPAIGN_SCRIPT = '/assets/public/campaign.js';

/** Hidden fields a campaign link can carry into the signature (where the supporter came from). */
const CARRIED_FIELDS = ['source', 'utm_source', 'utm_medium', 'utm_campaign'] as const;
export type CarriedFields = NonNullable<SigningFormOptions['hidden']>;

/** Carried fields from a query string or a posted form: only slugs the API accepts (anything else is dropped, never refused). */
export function carriedFields(from: unknown): CarriedFields {
  const record = from && typeof from === 'object' ? (from as Record<string, unknown>) : {};
  const carried: CarriedFields = {};
  for (const field of CARRIED_FIELDS) {
    const value = record[field];
    if (typeof value === 'string' && TRACKING_SLUG.test(value.trim())) carried[field] = value.trim();
  }
  return carried;
}

export interface CampaignPageInput {
  slug: string;
  locale: Locale;
  /** The page's own query string, kept by the language switcher. */
  query?: Record<string, unknown>;
  hidden?: CarriedFields;
  /** A form that came back with errors: what was typed, and what is wrong. */
  values?: SigningFormValues;
  errors?: FieldError[];
  formStarted?: string;
  /** Overrides the status (e.g. 409 when a form reached a campaign that has just closed). */
  status?: number;
}

/** The campaign page, or the not-found page for a campaign the public may not see. */
export async function renderCampaignPage(platform: Platform, input: CampaignPageInput): Promise<{ status: number; html: string }> {
  const campaign = await campaignForPage(platform, input.slug, input.locale);
  if (!campaign) return renderNotFound(platform, input.locale);
  const t = translator(input.locale);
  const hasErrors = (input.errors?.length ?? 0) > 0;
  const form =
    campaign.status === 'live' && campaign.consent
      ? signingFormHtml({
          action: `/api/campaigns/${campaign.slug}/signatures#signing`,
          locale: input.locale,
          campaignSlug: campaign.slug,
          consent: campaign.consent,
          formStarted: input.formStarted ?? formStartedToken(platform),
          ttlDays: confirmationLinkDays(platform),
          hidden: input.hidden ?? {},
          values: input.values ?? {},
          errors: input.errors ?? [],
          proofOfWork: campaign.proofOfWork,
        })
      : null;
  const html = views.page('campaign', {
    title: hasErrors ? t('page.campaign.errorTitle', { title: campaign.title }) : campaign.title,
    locale: input.locale,
    languages: languageLinks(`/c/${campaign.slug}`, input.locale, input.query),
    styles: campaign.proofOfWork ? [...PROOF_OF_WORK_ASSETS.styles] : [],
    // The widget registers before our script, which waits for its answer before posting.
    scripts: [...(campaign.proofOfWork ? PROOF_OF_WORK_ASSETS.scripts : []), CAMPAIGN_SCRIPT],
    campaign,
    statementParagraphs: campaign.statement
      .split(/\n\s*\n/)
      .map((p) => p.trim())
      .filter(Boolean),
    sourceDate: formatDate(campaign.source.date, input.locale),
    // Set by staff, but still only ever a web link: never a javascript: or data: URL.
    sourceUrl: campaign.source.url && /^https?:\/\//i.test(campaign.source.url) ? campaign.source.url : null,
    count: countView(campaign, input.locale),
    form,
    closed: campaign.status === 'closed',
  });
  return { status: input.status ?? (hasErrors ? 400 : 200), html };
}

export async function renderNotFound(platform: Platform, locale: Locale): Promise<{ status: number; html: string }> {
  const t = translator(locale);
  return {
    status: 404,
    html: views.page('not-found', { title: t('page.notFound.title'), locale, campaigns: await liveCampaigns(platform) }),
  };
}

function formatDate(date: string | null, locale: Locale): string | null {
  if (!date) return null;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${date}T00:00:00Z`));
}

/**
 * The count and its label. The script that refreshes the count needs every plural form of the
 * label (Russian has three), so they travel as data attributes.
 */
function countView(campaign: CampaignForPage, locale: Locale) {
  const t = translator(locale);
  const own = allCatalogues().get(locale)!;
  const english = allCatalogues().get(DEFAULT_LOCALE)!;
  const forms = (['zero', 'one', 'two', 'few', 'many', 'other'] as const)
    .map((category) => ({
      category,
      text: own.get(`page.count.label.${category}`) ?? (locale === DEFAULT_LOCALE ? english.get(`page.count.label.${category}`) : undefined),
    }))
    .filter((form): form is { category: typeof form.category; text: string } => form.text !== undefined);
  const value = campaign.counts.public;
  return {
    value,
    number: new Intl.NumberFormat(locale).format(value),
    label: t('page.count.label', { count: value }),
    goal: t('page.count.goal', { goal: campaign.goal }),
    progress: Math.min(value, campaign.goal),
    forms,
  };
}
