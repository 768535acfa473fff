/**
 * The pages the signing and confirmation routes answer to a browser: the no-JavaScript form's
 * answers, and the pages of the emailed link. Every text comes from the catalogues.
 */

import type { Request, Response } from 'express';
import Handlebars from 'handlebars';
import { ZodError } from 'zod';
import type { Platform } from '../../platform/context';
import { AppError, type FieldError } from '../../platform/errors';
import { fieldErrorsOf } from '../../platform/http/problem';
import { translator, type Locale } from '../../platform/i18n';
import { languageLinks, pageLocale } from '../../platform/http/page-locale';
import { carriedFields, renderCampaignPage, renderNotFound } from './campaign-page';
import { confirmationLinkDays, liveCampaigns } from './public.service';
import { letterOfferHtml, signedMessageHtml, type SigningFormValues } from './signing-form';
import { publicViews as views } from './views';

const TRUE_WORDS = ['true', 'on', '1', 'yes'];

/** What the supporter typed, to give the form back with it; strings only, whatever was posted. */
function typedValues(body: unknown): SigningFormValues {
  const record = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const text = (key: string) => (typeof record[key] === 'string' ? (record[key] as string) : undefined);
  const consent = record.consent && typeof record.consent === 'object' ? (record.consent as Record<string, unknown>) : {};
  const updates = typeof consent.updates === 'string' && TRUE_WORDS.includes(consent.updates.toLowerCase());
  return { name: text('name'), email: text('email'), country: text('country'), city: text('city'), comment: text('comment'), updates };
}

function postedFormStarted(body: unknown): string | undefined {
  const value = body && typeof body === 'object' ? (body as Record<string, unknown>).form_started : undefined;
  // Kept, so a person who fixes a mistake quickly is not taken for a bot; a forged one is still caught.
  return typeof value === 'string' && value.length <= 200 ? value : undefined;
}

/**
 * A form post that the API refuses comes back as the campaign page with what was typed and an
 * error beside each field. Returns false for errors a page cannot explain (they go to the problem handler).
 */
export async function answerRefusedForm(platform: Platform, req: Request, res: Response, slug: string, locale: Locale, error: unknown): Promise<boolean> {
  let errors: FieldError[];
  let status: number | undefined;
  if (error instanceof ZodError) errors = fieldErrorsOf(error);
  else if (error instanceof AppError && error.code === 'unknown_consent_wording') {
    errors = error.errors;
    status = 422;
  } else if (error instanceof AppError && error.code === 'campaign_not_open') {
    errors = [];
    status = 409;
  } else if (error instanceof AppError && error.code === 'campaign_not_found') {
    const page = await renderNotFound(platform, locale);
    res.status(page.status).type('html').send(page.html);
    return true;
  } else return false;

  // Which fields, never what was in them.
  req.log.info({ fields: errors.map((e) => e.field) }, 'signing form refused');
  const page = await renderCampaignPage(platform, {
    slug,
    locale,
    hidden: carriedFields(req.body),
    values: typedValues(req.body),
    errors,
    formStarted: postedFormStarted(req.body),
    status,
  });
  res.status(page.status).set('Cache-Control', 'no-store').type('html').send(page.html);
  return true;
}

export function answerSignedPage(platform: Platform, res: Response, slug: string, locale: Locale, actionToken: string): void {
  const t = translator(locale);
  res
    .status(202)
    .set('Cache-Control', 'no-store')
    .type('html')
    .send(
      views.page('signed', {
        title: t('page.signed.title'),
        locale,
        languages: languageLinks(`/c/${slug}`, locale),
        message: signedMessageHtml({ locale, campaignSlug: slug, ttlDays: confirmationLinkDays(platform), actionToken, headingLevel: 1 }),
      }),
    );
}

export function confirmPage(token: string, locale: Locale, attempt: { confirmedAt: Date | null; signature: { campaign: { title: string } } }): string {
  return views.page('confirm', {
    title: translator(locale)('page.confirm.title'),
    locale,
    languages: languageLinks(`/confirm/${token}`, locale),
    token,
    campaignTitle: attempt.signature.campaign.title,
    alreadyConfirmed: attempt.confirmedAt !== null,
  });
}

export function confirmedPage(
  token: string,
  locale: Locale,
  result: { status: 'confirmed' | 'already_confirmed'; campaign: { slug: string; title: string } },
  letterStep: { actionToken: string } | null,
): string {
  return views.page('confirmed', {
    title: translator(locale)(result.status === 'confirmed' ? 'page.confirmed.title' : 'page.confirmed.alreadyTitle'),
    locale,
    languages: languageLinks(`/confirm/${token}`, locale),
    confirmedNow: result.status === 'confirmed',
    campaignTitle: result.campaign.title,
    campaignSlug: result.campaign.slug,
    letterOffer: letterStep ? letterOfferHtml({ locale, campaignSlug: result.campaign.slug, actionToken: letterStep.actionToken }) : null,
  });
}

/** An expired or broken link: say which, and offer a new link (or, with no campaign to name, the campaigns). */
export async function linkProblemPage(
  platform: Platform,
  token: string,
  locale: Locale,
  code: 'token_invalid' | 'token_expired',
  campaign: { slug: string; title: string } | null,
): Promise<string> {
  const t = translator(locale);
  const expired = code === 'token_expired';
  return views.page('link-problem', {
    title: t(expired ? 'page.linkProblem.expiredTitle' : 'page.linkProblem.invalidTitle'),
    locale,
    languages: languageLinks(`/confirm/${encodeURIComponent(token)}`, locale),
    expired,
    ttlDays: confirmationLinkDays(platform),
    campaign,
    resendForm: campaign ? resendFormHtml(campaign.slug, locale) : null,
    campaigns: campaign ? [] : await liveCampaigns(platform),
  });
}

function resendFormHtml(slug: string, locale: Locale, email = '', errors: FieldError[] = []): Handlebars.SafeString {
  const t = translator(locale);
  const error = errors.length === 0 ? null : t(errors.some((e) => e.field === 'email') ? 'errors.resend.email' : 'errors.form.general');
  return new Handlebars.SafeString(views.render('resend-form', { locale, slug, email, error }));
}

/** The answer to asking for a new link: the same whether or not the address had signed. */
export function resentPage(res: Response, slug: string, locale: Locale): void {
  const t = translator(locale);
  res
    .status(202)
    .set('Cache-Control', 'no-store')
    .type('html')
    .send(
      views.page('resent', {
        title: t('page.resent.title'),
        locale,
        languages: languageLinks(`/c/${slug}`, locale),
        slug,
      }),
    );
}

/** A resend form with an address that is not one: the form again, with the error beside the field. */
export function resendRefusedPage(res: Response, slug: string, locale: Locale, body: unknown, error: ZodError): void {
  const t = translator(locale);
  const email = typedValues(body).email ?? '';
  res
    .status(400)
    .set('Cache-Control', 'no-store')
    .type('html')
    .send(
      views.page('resend', {
        title: t('page.resend.errorTitle'),
        locale,
        languages: languageLinks(`/c/${slug}`, locale),
        slug,
        resendForm: resendFormHtml(slug, locale, email, fieldErrorsOf(error)),
      }),
    );
}

export async function sendNotFoundPage(platform: Platform, res: Response, locale: Locale): Promise<void> {
  const page = await renderNotFound(platform, locale);
  res.status(page.status).type('html').send(page.html);
}

/** A limit reached by a browser's form: a page that says how long to wait, in the form's language. */
export function answerLimitedPage(req: Request, res: Response, retryAfterSeconds: number): boolean {
  const locale = pageLocale(req);
  const slug = typeof req.params.slug === 'string' && /^[a-z0-9][a-z0-9-]{0,62}$/.test(req.params.slug) ? req.params.slug : null;
  res
    .status(429)
    .set('Cache-Control', 'no-store')
    .type('html')
    .send(
      views.page('limited', {
        title: translator(locale)('page.limited.title'),
        locale,
        slug,
        seconds: retryAfterSeconds,
        ...(slug ? { languages: languageLinks(`/c/${slug}`, locale) } : {}),
      }),
    );
  return true;
}
