import type { Request } from 'express';
import { allCatalogues, DEFAULT_LOCALE, negotiateLocale, translator, type Locale } from '../i18n';
import type { FieldError } from '../errors';
import type { Problem } from './problem-document';

/**
 * Problem answers in the supporter's language. Domain code keeps writing English (`AppError(code,
 * detail)`, zod messages); here, at the edge, the English texts are recognised against the English
 * catalogue (src/locales/en/problems.json), their variable parts ({slug}, {max}…) carried over, and
 * the text of the same key in the asked language put in their place. So English answers stay
 * exactly what they were, and anything not (yet) in the catalogue stays English rather than vanish.
 *
 * - `title`: `problems.title.<code>`.
 * - `detail`: the `problems.detail.*` entry whose English matches.
 * - each `errors[]` message: `problems.field.<field>.<zod issue code>` first, then the
 *   `problems.message.*` entry whose English matches, then `problems.issue.<zod issue code>`.
 *
 * Admin answers stay English: staff tools and scripts read them.
 */
const NAMESPACE = 'problems';
const PLACEHOLDER = /\{(\w+)\}/g;

interface Pattern {
  key: string;
  regex: RegExp;
  names: string[];
}

const patternCache = new Map<string, Pattern[]>();

function patternsOf(group: 'detail' | 'message'): Pattern[] {
  let patterns = patternCache.get(group);
  if (patterns) return patterns;
  const prefix = `${NAMESPACE}.${group}.`;
  patterns = [];
  for (const [key, text] of allCatalogues().get(DEFAULT_LOCALE)!) {
    if (!key.startsWith(prefix)) continue;
    const names = [...text.matchAll(PLACEHOLDER)].map((m) => m[1]!);
    const source = text.split(PLACEHOLDER).map((part, i) => (i % 2 === 1 ? '(.+?)' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('');
    patterns.push({ key, regex: new RegExp(`^${source}$`, 's'), names });
  }
  patternCache.set(group, patterns);
  return patterns;
}

function hasKey(key: string): boolean {
  return allCatalogues().get(DEFAULT_LOCALE)!.has(key);
}

/** The same text in `locale` when the English one is in the catalogue's `group`, else undefined. */
function translateKnown(group: 'detail' | 'message', english: string, locale: Locale): string | undefined {
  for (const pattern of patternsOf(group)) {
    const match = pattern.regex.exec(english);
    if (!match) continue;
    const params = Object.fromEntries(pattern.names.map((name, i) => [name, match[i + 1]!]));
    return translator(locale)(pattern.key, params);
  }
  return undefined;
}

function translateFieldError(error: FieldError, issueCode: string | undefined, locale: Locale): FieldError {
  const t = translator(locale);
  const specific = issueCode ? `${NAMESPACE}.field.${error.field}.${issueCode}` : undefined;
  if (specific && hasKey(specific)) return { ...error, message: t(specific) };
  const known = translateKnown('message', error.message, locale);
  if (known !== undefined) return { ...error, message: known };
  const generic = issueCode ? `${NAMESPACE}.issue.${issueCode}` : undefined;
  if (generic && hasKey(generic)) return { ...error, message: t(generic) };
  return error;
}

/** `problem` in `locale`; `issueCodes[i]` is the zod issue code behind `problem.errors[i]`, when there is one. */
export function localiseProblem(problem: Problem, locale: Locale, issueCodes: ReadonlyArray<string | undefined> = []): Problem {
  if (locale === DEFAULT_LOCALE) return problem;
  const titleKey = `${NAMESPACE}.title.${problem.code}`;
  return {
    ...problem,
    title: hasKey(titleKey) ? translator(locale)(titleKey) : problem.title,
    ...(problem.detail !== undefined ? { detail: translateKnown('detail', problem.detail, locale) ?? problem.detail } : {}),
    ...(problem.errors ? { errors: problem.errors.map((error, i) => translateFieldError(error, issueCodes[i], locale)) } : {}),
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
