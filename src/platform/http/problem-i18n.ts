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
 * - each `errors[]` message: the key the error named; for zod's issues (which have no key),
 *   `problems.field.<field>.<issue code>` first, then the `problems.message.*` entry whose English
 *   is the schema's message, then `problems.issue.<issue code>`, else the schema's English.
 *
 * `staff.*` keys exist in English only: staff tools and scripts read them, and admin routes
 * answer in English anyway.
 */
const NAMESPACE = 'problems';
const PLACEHOLDER = /\{(\w+)\}/g;

interface Pattern {
  key: string;
  regex: RegExp;
  names: string[];
}

let messagePatterns: Pattern[] | undefined;

/** The English `problems.message.*` texts as patterns, for the messages zod schemas carry. */
function patternsOfMessages(): Pattern[] {
  if (messagePatterns) return messagePatterns;
  const prefix = `${NAMESPACE}.message.`;
  messagePatterns = [];
  for (const [key, text] of allCatalogues().get(DEFAULT_LOCALE)!) {
    if (!key.startsWith(prefix)) continue;
    const names = [...text.matchAll(PLACEHOLDER)].map((m) => m[1]!);
    const source = text
      .split(PLACEHOLDER)
      .map((part, i) => (i % 2 === 1 ? '(.+?)' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('');
    messagePatterns.push({ key, regex: new RegExp(`^${source}$`, 's'), names });
  }
  return messagePatterns;
}

function hasKey(key: string): boolean {
  return allCatalogues().get(DEFAULT_LOCALE)!.has(key);
}

function zodMessage(error: FieldError, issueCode: string | undefined, locale: Locale): string {
  const t = translator(locale);
  const specific = issueCode ? `${NAMESPACE}.field.${error.field}.${issueCode}` : undefined;
  if (specific && hasKey(specific)) return t(specific);
  for (const pattern of patternsOfMessages()) {
    const match = pattern.regex.exec(error.message);
    if (match) return t(pattern.key, Object.fromEntries(pattern.names.map((name, i) => [name, match[i + 1]!])));
  }
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
