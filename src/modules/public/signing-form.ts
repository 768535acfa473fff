import Handlebars from 'handlebars';
import { countryName, ISO_COUNTRY_CODES } from '../../platform/countries';
import type { FieldError } from '../../platform/errors';
import { translator, type Locale } from '../../platform/i18n';
import { publicViews as views } from './views';

/**
 * The signing form as a self-contained fragment: the campaign page shows it, and the embeddable
 * form (an iframe on a partner's site) shows the same fragment with its own action, source and
 * partner, in a compact layout. Its ids start with `idPrefix`, so it can share a page.
 */
export interface SigningFormOptions {
  /** Where the form posts: the signing API, which answers a form post with a page. */
  action: string;
  locale: Locale;
  campaignSlug: string;
  consent: { wording: string; text: string };
  /** The signed render time (`formStartedToken`), for the minimum fill time. */
  formStarted: string;
  /** Days a confirmation link works, for the message after signing. */
  ttlDays: number;
  hidden?: { source?: string; partner?: string; utm_source?: string; utm_medium?: string; utm_campaign?: string };
  compact?: boolean;
  idPrefix?: string;
  /** What the supporter typed, when the form comes back with errors. */
  values?: SigningFormValues;
  errors?: FieldError[];
  /** Where the letter step's form opens (`_top` inside an iframe). */
  letterTarget?: string;
  /** Shows the ALTCHA widget; the page must also load PROOF_OF_WORK_ASSETS. */
  proofOfWork?: boolean;
}

export interface SigningFormValues {
  name?: string;
  email?: string;
  country?: string;
  city?: string;
  comment?: string;
  updates?: boolean;
}

/** The fields a supporter can fix, and the catalogue text that says how. Others are hidden fields. */
const FIELD_MESSAGES: Record<string, { key: string; anchor: string }> = {
  name: { key: 'errors.field.name', anchor: 'name' },
  email: { key: 'errors.field.email', anchor: 'email' },
  country: { key: 'errors.field.country', anchor: 'country' },
  city: { key: 'errors.field.city', anchor: 'city' },
  comment: { key: 'errors.field.comment', anchor: 'comment' },
  'consent.updates': { key: 'errors.field.consent', anchor: 'updates' },
  'consent.wording': { key: 'errors.field.consentWording', anchor: 'updates' },
};

/** Own entries only: an unknown field named `constructor` or `__proto__` must not find Object's. */
function fieldMessage(field: string): { key: string; anchor: string } | undefined {
  return Object.hasOwn(FIELD_MESSAGES, field) ? FIELD_MESSAGES[field] : undefined;
}

const FIELD_ORDER = ['name', 'email', 'country', 'city', 'comment', 'updates'];
const countryLists = new Map<Locale, Array<{ code: string; name: string }>>();

/** Every country, by its name in the page's language. */
function countriesIn(locale: Locale): Array<{ code: string; name: string }> {
  let list = countryLists.get(locale);
  if (!list) {
    const collator = new Intl.Collator(locale);
    list = [...ISO_COUNTRY_CODES].map((code) => ({ code, name: countryName(code, locale) })).sort((a, b) => collator.compare(a.name, b.name));
    countryLists.set(locale, list);
  }
  return list;
}

export interface FormErrorView {
  /** Per visible field: the message shown next to it. */
  byField: Record<string, string>;
  /** For the summary at the top: each message once, linked to its field when it has one. */
  list: Array<{ message: string; href?: string }>;
}

/** Field errors from a problem answer as the page shows them, in the page's language. */
export function formErrorView(errors: FieldError[], locale: Locale, idPrefix = 'sign'): FormErrorView {
  const t = translator(locale);
  const byField: Record<string, string> = {};
  const list: FormErrorView['list'] = [];
  const seen = new Set<string>();
  // In the order the fields appear, whatever order the checks found them in.
  const rank = (field: string) => {
    const at = FIELD_ORDER.indexOf(fieldMessage(field)?.anchor ?? '');
    return at < 0 ? FIELD_ORDER.length : at;
  };
  for (const error of [...errors].sort((a, b) => rank(a.field) - rank(b.field))) {
    const known = fieldMessage(error.field);
    const message = t(known?.key ?? 'errors.form.general');
    if (known && !byField[known.anchor]) byField[known.anchor] = message;
    if (seen.has(message)) continue;
    seen.add(message);
    list.push(known ? { message, href: `#${idPrefix}-${known.anchor}` } : { message });
  }
  return { byField, list };
}

export function signingFormHtml(options: SigningFormOptions): Handlebars.SafeString {
  const idPrefix = options.idPrefix ?? 'sign';
  const values = options.values ?? {};
  const errors = formErrorView(options.errors ?? [], options.locale, idPrefix);
  const t = translator(options.locale);
  return new Handlebars.SafeString(
    views.render('partials/signing-form', {
      ...options,
      id: idPrefix,
      values,
      errors: errors.byField,
      errorList: errors.list,
      hidden: options.hidden ?? {},
      countries: countriesIn(options.locale).map((c) => ({ ...c, selected: c.code === values.country?.toUpperCase() })),
      signedMessage: signedMessageHtml({
        locale: options.locale,
        campaignSlug: options.campaignSlug,
        ttlDays: options.ttlDays,
        actionToken: '',
        letterTarget: options.letterTarget,
      }),
      // The JavaScript shows the same texts as the server would, in the page's language.
      scriptTexts: {
        network: t('errors.form.network'),
        general: t('errors.form.general'),
        closed: t('errors.form.closed'),
        rateLimited: t('errors.form.rateLimited'),
        sending: t('page.form.sending'),
      },
    }),
  );
}

/** What a supporter reads after signing (page or script): check your email, then the letter step. */
export function signedMessageHtml(data: {
  locale: Locale;
  campaignSlug: string;
  ttlDays: number;
  actionToken: string;
  letterTarget?: string | undefined;
  headingLevel?: 1 | 2;
}): Handlebars.SafeString {
  return new Handlebars.SafeString(views.render('partials/signed-message', { ...data, h1: data.headingLevel === 1, letterOffer: letterOfferHtml(data) }));
}

/** The button that takes a signing on to the letter step (another page, built by the letters module). */
export function letterOfferHtml(data: { locale: Locale; campaignSlug: string; actionToken: string; letterTarget?: string | undefined }): Handlebars.SafeString {
  return new Handlebars.SafeString(views.render('partials/letter-offer', data));
}
