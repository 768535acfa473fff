import { countryName } from '../../../platform/countries';
import { allCatalogues, DEFAULT_LOCALE, LOCALE_NAMES, LOCALES, translator, type Locale, type Translate } from '../../../platform/i18n';
import type { RenderedLetter } from '../templates';
import type { FormProblem, LetterForm } from './letter-step.schemas';
import type { LetterStep, StepDelegation } from './letter-step.service';
import { PARAGRAPH_MAX, UN_GROUPS } from './letters.schemas';

/** What the letter step's templates (pages/write*.hbs) and its script (static/write.js) are given. */

const GROUP_KEYS: Record<string, string> = {
  African: 'african',
  'Asia-Pacific': 'asiaPacific',
  'Eastern European': 'easternEuropean',
  'Latin American and Caribbean': 'latinAmerican',
  'Western European and Others': 'western',
};
const MAX_COUNTRIES = 60;
export const STYLES = ['/assets/write/write.css'];
const SCRIPTS = ['/assets/write/write.js'];

/** Delegations by the English names the targets carry, or by Intl's names in the page's language. */
export function delegationName(delegation: { iso2: string; country: string }, locale: Locale): string {
  if (locale === 'en') return delegation.country;
  const name = countryName(delegation.iso2, locale);
  return name === delegation.iso2 ? delegation.country : name;
}

export function groupLabel(t: Translate, group: string): string {
  const key = GROUP_KEYS[group];
  return key ? t(`write.group.${key}`) : group;
}

function languages(locale: Locale) {
  return LOCALES.map((code) => ({ code, name: LOCALE_NAMES[code], current: code === locale }));
}

export interface PreviewView {
  letter: RenderedLetter;
  first: { iso2: string; country: string };
  targets: Array<{ iso2: string; country: string }>;
}

/** The step page: choices as the supporter left them, errors beside their fields, and a preview if asked. */
export function stepPage(step: LetterStep, form: LetterForm, locale: Locale, extras: { problems?: FormProblem[]; preview?: PreviewView } = {}) {
  const t = translator(locale);
  const collator = new Intl.Collator(locale);
  const members = step.delegations.filter((d) => d.councilMember);
  const named = (d: StepDelegation) => ({ ...d, name: delegationName(d, locale) });
  const own = step.supporter.countryCode ? step.delegations.find((d) => d.iso2 === step.supporter.countryCode) : undefined;
  const chosen = new Set(form.countries);

  const errorFor: Partial<Record<FormProblem['field'], string>> = {};
  for (const problem of extras.problems ?? []) errorFor[problem.field] = problemMessage(t, problem, form);
  const errors = (extras.problems ?? []).map((p) => ({ anchor: anchorOf(p.field, members.length > 0), message: errorFor[p.field] }));

  const groups = UN_GROUPS.map((group) => ({ value: group, count: members.filter((d) => d.group === group).length }))
    .filter((g) => g.count > 0)
    .map((g) => ({ ...g, label: t('write.choice.groupOption', { group: groupLabel(t, g.value), count: g.count }), selected: g.value === form.group }));
  const countryGroups = [...UN_GROUPS, ...new Set(step.delegations.map((d) => d.group).filter((g) => !(UN_GROUPS as readonly string[]).includes(g)))]
    .map((group) => ({
      label: groupLabel(t, group),
      delegations: step.delegations
        .filter((d) => d.group === group)
        .map(named)
        .sort((a, b) => collator.compare(a.name, b.name))
        .map((d) => ({ iso2: d.iso2, name: d.name, group: d.group, member: d.councilMember, checked: chosen.has(d.iso2) })),
    }))
    .filter((g) => g.delegations.length > 0);

  const preview = extras.preview && {
    country: delegationName(extras.preview.first, locale),
    subject: extras.preview.letter.subject,
    html: extras.preview.letter.html,
    text: extras.preview.letter.text,
    countText: t('write.count', { count: extras.preview.targets.length }),
    recipients: extras.preview.targets.map((d) => delegationName(d, locale)).sort(collator.compare),
  };

  return {
    title: t('write.title'),
    locale,
    styles: STYLES,
    scripts: SCRIPTS,
    slug: step.campaign.slug,
    campaignTitle: step.campaign.title,
    actionToken: form.actionToken,
    // Not `languages`: the layout would draw its link switcher, and a link cannot carry the token.
    languageForms: languages(locale),
    verified: step.verified,
    form,
    errors,
    errorFor,
    allCount: members.length,
    groups,
    own: own ? { label: t('write.choice.own', { country: delegationName(own, locale) }) } : null,
    countryGroups,
    countriesOpen: form.choice === 'countries' || form.countries.length > 0 || errorFor.countries !== undefined,
    paragraphMax: PARAGRAPH_MAX,
    maxCountries: MAX_COUNTRIES,
    countText: preview ? preview.countText : t('write.countUnknown'),
    preview,
    clientData: JSON.stringify(clientData(step, locale, t, own?.iso2)),
  };
}

function anchorOf(field: FormProblem['field'], hasMembers: boolean): string {
  if (field === 'choice') return hasMembers ? 'choice-all' : 'choice-countries';
  if (field === 'countries') return 'countries-list';
  return field;
}

export function problemMessage(t: Translate, problem: FormProblem, form?: LetterForm): string {
  switch (problem.reason) {
    case 'bad_countries':
      return t('write.error.bad_countries', { max: MAX_COUNTRIES });
    case 'paragraph_too_long':
      return t('write.error.paragraph_too_long', { length: form?.paragraph.replace(/\r\n?/g, '\n').trim().length ?? 0, max: PARAGRAPH_MAX });
    default:
      return t(`write.error.${problem.reason}`);
  }
}

/**
 * What the script needs: texts (plural forms raw, filled in by the script with Intl.PluralRules),
 * the delegations, and the supporter's fields for the JSON preview, which the page has anyway.
 */
function clientData(step: LetterStep, locale: Locale, t: Translate, ownIso2: string | undefined) {
  const raw = (key: string) => t(key);
  return {
    locale,
    slug: step.campaign.slug,
    paragraphMax: PARAGRAPH_MAX,
    maxCountries: MAX_COUNTRIES,
    supporter: step.supporter,
    ownIso2: ownIso2 ?? null,
    delegations: step.delegations.map((d) => ({ iso2: d.iso2, name: delegationName(d, locale), group: d.group, member: d.councilMember })),
    plurals: {
      count: pluralForms(locale, 'write.count'),
      left: pluralForms(locale, 'write.paragraph.left'),
      recorded: pluralForms(locale, 'write.result.recorded'),
      already: pluralForms(locale, 'write.result.already'),
    },
    texts: {
      countUnknown: raw('write.countUnknown'),
      previewHeading: raw('write.preview.heading'),
      frameTitle: raw('write.preview.frameTitle'),
      subject: raw('write.preview.subject'),
      loading: raw('write.preview.loading'),
      sending: raw('write.result.sending'),
      waiting: raw('write.result.waiting'),
      queued: raw('write.result.queued'),
      onceOnly: raw('write.result.onceOnly'),
      failed: raw('write.error.failed'),
      expired: `${raw('write.error.expired.title')}. ${raw('write.error.expired')}`,
      invalid: `${raw('write.error.invalid.title')}. ${raw('write.error.invalid')}`,
      closed: `${raw('write.error.closed.title')}. ${raw('write.error.closed')}`,
      no_choice: raw('write.error.no_choice'),
      no_group: raw('write.error.no_group'),
      no_countries: raw('write.error.no_countries'),
      bad_countries: problemMessage(t, { field: 'countries', reason: 'bad_countries' }),
      paragraph_too_long: t('write.error.paragraph_too_long', { max: PARAGRAPH_MAX }),
      no_targets: raw('write.error.no_targets'),
    },
  };
}

/** A plural text's forms in `locale` (English's where the language has none), placeholders unfilled. */
function pluralForms(locale: Locale, key: string): Record<string, string> {
  const own = allCatalogues().get(locale)!;
  const fallback = allCatalogues().get(DEFAULT_LOCALE)!;
  const forms: Record<string, string> = {};
  for (const category of ['zero', 'one', 'two', 'few', 'many', 'other']) {
    const text = own.get(`${key}.${category}`) ?? (own.has(`${key}.other`) ? undefined : fallback.get(`${key}.${category}`));
    if (text !== undefined) forms[category] = text;
  }
  return forms;
}

export interface SendOutcome {
  recorded: number;
  status: 'waiting_for_confirmation' | 'queued';
  delegations: Array<{ iso2: string; country: string }>;
  alreadyWritten: string[] | null;
}

/** The page after sending without JavaScript. */
export function resultPage(step: LetterStep, form: LetterForm, locale: Locale, outcome: SendOutcome) {
  const t = translator(locale);
  return {
    title: t('write.result.title'),
    locale,
    styles: STYLES,
    slug: step.campaign.slug,
    campaignTitle: step.campaign.title,
    actionToken: form.actionToken,
    // Not `languages`: the layout would draw its link switcher, and a link cannot carry the token.
    languageForms: languages(locale),
    recordedText: t('write.result.recorded', { count: outcome.recorded }),
    delegations: outcome.delegations.map((d) => delegationName(d, locale)).sort(new Intl.Collator(locale).compare),
    alreadyText: outcome.alreadyWritten && outcome.alreadyWritten.length > 0 ? t('write.result.already', { count: outcome.alreadyWritten.length }) : null,
    statusText: t(outcome.status === 'queued' ? 'write.result.queued' : 'write.result.waiting'),
  };
}

export type ProblemKind = 'expired' | 'invalid' | 'closed' | 'notFound';

/** A page for what cannot be fixed on the form: the supporter goes back to the campaign. */
export function problemPage(kind: ProblemKind, slug: string | null, locale: Locale) {
  const t = translator(locale);
  return {
    title: t(`write.error.${kind}.title`),
    locale,
    styles: STYLES,
    heading: t(`write.error.${kind}.title`),
    message: t(`write.error.${kind}`),
    campaignLink: slug && kind !== 'notFound' ? `/c/${encodeURIComponent(slug)}?lang=${locale}` : null,
  };
}
