import fs from 'node:fs';
import path from 'node:path';

/**
 * Every string a supporter sees comes from the catalogues in src/locales/<locale>/<namespace>.json:
 * flat maps from key to text, with `{name}` placeholders. A key `page.title` lives in `page.json`
 * as `"title"`. Plural forms are keys ending in `.one`, `.few`, `.many`, `.other` (Intl.PluralRules
 * names), chosen by a numeric `count` parameter. A key missing in a language falls back to English.
 */
export const LOCALES = ['en', 'ru', 'kk'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'en';

/** Each language's name in itself, for the language switcher. */
export const LOCALE_NAMES: Record<Locale, string> = { en: 'English', ru: 'Русский', kk: 'Қазақша' };

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

export type Catalogue = ReadonlyMap<string, string>;
export type TranslationParams = Record<string, string | number | undefined | null>;
export type Translate = (key: string, params?: TranslationParams) => string;

const LOCALES_DIR = path.join(__dirname, '..', 'locales');

function loadCatalogue(locale: Locale, dir = LOCALES_DIR): Catalogue {
  const entries = new Map<string, string>();
  const localeDir = path.join(dir, locale);
  if (!fs.existsSync(localeDir)) return entries;
  for (const file of fs
    .readdirSync(localeDir)
    .filter((name) => name.endsWith('.json'))
    .sort()) {
    const namespace = path.basename(file, '.json');
    const content = JSON.parse(fs.readFileSync(path.join(localeDir, file), 'utf8')) as Record<string, unknown>;
    for (const [key, text] of Object.entries(content)) {
      if (typeof text !== 'string') throw new Error(`${locale}/${file}: "${key}" is not a string`);
      entries.set(`${namespace}.${key}`, text);
    }
  }
  return entries;
}

let catalogues: Map<Locale, Catalogue> | undefined;

/** All catalogues, read once. */
export function allCatalogues(): Map<Locale, Catalogue> {
  catalogues ??= new Map(LOCALES.map((locale) => [locale, loadCatalogue(locale)]));
  return catalogues;
}

const PLACEHOLDER = /\{(\w+)\}/g;

export function translator(locale: Locale): Translate {
  const own = allCatalogues().get(locale)!;
  const fallback = allCatalogues().get(DEFAULT_LOCALE)!;
  const plurals = new Intl.PluralRules(locale);
  const numbers = new Intl.NumberFormat(locale);
  const lookup = (key: string): string | undefined => own.get(key) ?? fallback.get(key);
  return (key, params = {}) => {
    const count = params.count;
    const text = (typeof count === 'number' ? (lookup(`${key}.${plurals.select(count)}`) ?? lookup(`${key}.other`)) : undefined) ?? lookup(key);
    if (text === undefined) throw new Error(`no translation for "${key}"`);
    return text.replace(PLACEHOLDER, (whole, name: string) => {
      const value = params[name];
      if (value === undefined || value === null) return whole;
      return typeof value === 'number' ? numbers.format(value) : value;
    });
  };
}

/** The placeholders a text uses, so tests can check that every translation keeps them. */
export function placeholdersOf(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((match) => match[1]!).sort();
}

interface LocaleSource {
  query: Record<string, unknown>;
  acceptsLanguages(...languages: string[]): string | false;
}

/** The supporter's language: `?lang=` when it names one we have, else the browser's `Accept-Language`, else English. */
export function negotiateLocale(req: LocaleSource): Locale {
  const asked = req.query.lang;
  if (isLocale(asked)) return asked;
  const accepted = req.acceptsLanguages(...LOCALES);
  return isLocale(accepted) ? accepted : DEFAULT_LOCALE;
}
