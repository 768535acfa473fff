import { isLocale, type Locale } from '../../../platform/i18n';
import { lettersRequest, UN_GROUPS, type LettersRequest } from './letters.schemas';

/**
 * The letter step's form, as the browser posts it (application/x-www-form-urlencoded). Reading it
 * never throws: whatever arrives is kept as text so a page with errors shows the supporter what
 * they chose and typed. Checking happens in `checkLetterForm`, with the letters API's own schema.
 */
export type Choice = 'all' | 'group' | 'own' | 'countries';
const CHOICES: readonly Choice[] = ['all', 'group', 'own', 'countries'];

export interface LetterForm {
  actionToken: string;
  /** The language the page asked for (a language switch) or carried (hidden field), if any. */
  locale: Locale | undefined;
  choice: Choice | undefined;
  group: string;
  countries: string[];
  paragraph: string;
}

export function readLetterForm(body: unknown): LetterForm {
  const fields = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const choice = text(fields.choice);
  return {
    actionToken: text(fields.actionToken).slice(0, 400),
    // `lang` is the switcher's and the hidden field's name; `locale` is what signing pages may send.
    locale: [fields.lang, fields.locale].map(text).find(isLocale),
    choice: (CHOICES as readonly string[]).includes(choice) ? (choice as Choice) : undefined,
    group: text(fields.group),
    countries: list(fields.countries)
      .map((c) => c.trim().toUpperCase())
      .filter((c) => /^[A-Z]{2}$/.test(c))
      .slice(0, 300),
    paragraph: text(fields.paragraph).slice(0, 20_000),
  };
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : Array.isArray(value) && typeof value.at(-1) === 'string' ? (value.at(-1) as string) : '';
}

function list(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** Which field of the page an error belongs to. */
export type FormField = 'choice' | 'group' | 'countries' | 'paragraph';
export type FormProblem = { field: FormField; reason: 'no_choice' | 'no_group' | 'no_countries' | 'bad_countries' | 'paragraph_too_long' | 'no_targets' };

/** The form as a letters request (the JSON API's schema, so limits and cleaning are the same), or what is wrong. */
export function checkLetterForm(form: LetterForm): { ok: true; request: LettersRequest } | { ok: false; problems: FormProblem[] } {
  const problems: FormProblem[] = [];
  let targets: unknown;
  switch (form.choice) {
    case 'all':
      targets = { all: true };
      break;
    case 'own':
      targets = { own: true };
      break;
    case 'group':
      if (!(UN_GROUPS as readonly string[]).includes(form.group)) problems.push({ field: 'group', reason: 'no_group' });
      targets = { group: form.group };
      break;
    case 'countries':
      if (form.countries.length === 0) problems.push({ field: 'countries', reason: 'no_countries' });
      targets = { countries: form.countries };
      break;
    default:
      problems.push({ field: 'choice', reason: 'no_choice' });
  }
  const parsed = lettersRequest.safeParse({ actionToken: form.actionToken || '-', targets, paragraph: form.paragraph });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.path[0] === 'paragraph') problems.push({ field: 'paragraph', reason: 'paragraph_too_long' });
      else if (issue.path[0] === 'targets' && form.choice === 'countries' && form.countries.length > 0)
        problems.push({ field: 'countries', reason: 'bad_countries' });
    }
  }
  if (problems.length > 0 || !parsed.success) return { ok: false, problems: dedupe(problems.length ? problems : [{ field: 'choice', reason: 'no_choice' }]) };
  return { ok: true, request: { ...parsed.data, actionToken: form.actionToken } };
}

function dedupe(problems: FormProblem[]): FormProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => !seen.has(p.field) && seen.add(p.field));
}
