import type { Request } from 'express';
import { allCatalogues, DEFAULT_LOCALE, negotiateLocale, translator, type Locale } from '../i18n';
import { errorCodes, type FieldError } from '../errors';
import type { Problem, ProblemSource } from './problem-document';

/**
 * Problem answers in the supporter's language. An AppError names its text by catalogue key
 * (src/locales/<locale>/problems.json), so every language, English included, is read from the
 * catalogue by that key:
 *
 * - `title`: `problems.title.<code>`.
 * - `detail`: the error's key, with its parameters.
 * - each `errors[]` message: the key the error or the schema named (`msg` in
 *   platform/schema-messages.ts); for zod's own messages, which have none,
 *   `problems.field.<field>.<issue code>` first, then `problems.issue.<issue code>`, else the
 *   schema's English.
 *
 * `staff.*` keys exist in English only: staff tools and scripts read them, and admin routes
 * answer in English anyway.
 */
const NAMESPACE = 'problems';

function hasKey(key: string): boolean {
  return allCatalogues().get(DEFAULT_LOCALE)!.has(key);
}

function zodMessage(error: FieldError, issueCode: string | undefined, locale: Locale): string {
  const t = translator(locale);
  const specific = issueCode ? `${NAMESPACE}.field.${error.field}.${issueCode}` : undefined;
  if (specific && hasKey(specific)) return t(specific);
  const generic = issueCode ? `${NAMESPACE}.issue.${issueCode}` : undefined;
  return generic && hasKey(generic) ? t(generic) : error.message;
}

function renderFieldError(error: FieldError, issueCode: string | undefined, locale: Locale): FieldError {
  const { text, ...shown } = error;
  if (text) return { ...shown, message: translator(locale)(text.key, text.params ?? {}) };
  return locale === DEFAULT_LOCALE ? shown : { ...shown, message: zodMessage(error, issueCode, locale) };
}

/** The problem document of `source`, in `locale`. */
export function renderProblem(source: ProblemSource, locale: Locale): Problem {
  const t = translator(locale);
  const issueCodes = source.issueCodes ?? [];
  return {
    type: `urn:clarion:problem:${source.code}`,
    title: t(`${NAMESPACE}.title.${source.code}`),
    status: errorCodes[source.code].status,
    code: source.code,
    ...(source.text ? { detail: t(source.text.key, source.text.params ?? {}) } : {}),
    ...(source.errors?.length ? { errors: source.errors.map((error, i) => renderFieldError(error, issueCodes[i], locale)) } : {}),
    ...(source.instance ? { instance: source.instance } : {}),
  };
}

const ENGLISH_ONLY = [/^\/api\/admin(\/|$)/, /^\/metrics$/];

/** The language to answer a request's problem in: negotiated (?lang=, Accept-Language) except on admin routes. */
export function problemLocaleOf(req: Request | undefined): Locale {
  if (!req || ENGLISH_ONLY.some((pattern) => pattern.test(req.path))) return DEFAULT_LOCALE;
  try {
    return negotiateLocale(req);
  } catch {
    // A malformed query or header must not turn a 4xx into a 500.
    return DEFAULT_LOCALE;
  }
}
