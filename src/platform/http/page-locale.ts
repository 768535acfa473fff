import { isLocale, LOCALE_NAMES, LOCALES, negotiateLocale, type Locale } from '../i18n';

interface LocaleRequest {
  query: Record<string, unknown>;
  body?: unknown;
  acceptsLanguages(...languages: string[]): string | false;
}

/**
 * The language of a supporter-facing page: `?lang=` first, then the language the flow was started
 * in (a form's hidden `locale`, or the one stored with a signing), then the browser's.
 */
export function pageLocale(req: LocaleRequest, carried?: unknown): Locale {
  if (isLocale(req.query.lang)) return req.query.lang;
  const fromBody = req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>).locale : undefined;
  if (isLocale(fromBody)) return fromBody;
  if (isLocale(carried)) return carried;
  return negotiateLocale(req);
}

export interface LanguageLink {
  code: Locale;
  name: string;
  href: string;
  current: boolean;
}

/**
 * The language switcher's links: the same page (`path`, with its other query parameters kept, so a
 * campaign's utm_* survive) in each language.
 */
export function languageLinks(path: string, current: Locale, query: Record<string, unknown> = {}): LanguageLink[] {
  return LOCALES.map((code) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (key !== 'lang' && typeof value === 'string') params.set(key, value);
    }
    params.set('lang', code);
    return { code, name: LOCALE_NAMES[code], href: `${path}?${params.toString()}`, current: code === current };
  });
}
