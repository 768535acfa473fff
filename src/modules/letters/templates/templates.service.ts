import { countryName } from '../../../platform/countries';
import { auditedWrite, type UseCaseContext } from '../../admin';
import { findLocalisedTexts } from '../../campaigns';
import type { DbClient } from '../../../platform/db';
import { AppError } from '../../../platform/errors';
import type { LetterContext, RenderedLetter } from './letter-context';
import {
  compileTemplate,
  DEFAULT_LETTER,
  DEFAULT_LETTER_TRANSLATIONS,
  templateFieldErrors,
  validateTemplate,
  type LetterRenderer,
  type TemplateParts,
} from './templates.engine';
import * as templates from './templates.repository';

/** The letter template of a campaign: stored per language, checked before it is stored. */

export interface SavedTemplate extends TemplateParts {
  language: string;
  /** `default` when the campaign has no template of its own and letters use DEFAULT_LETTER. */
  origin: 'campaign' | 'default';
  updatedAt: string | null;
}

/** Stores a template after checking it; a template with errors is refused with every line that is wrong. */
/** An editor's template, checked, saved and audited in one transaction. */
export async function saveTemplate(ctx: UseCaseContext, slug: string, language: string, parts: TemplateParts): Promise<SavedTemplate> {
  const errors = validateTemplate(parts);
  if (errors.length) throw new AppError('template_invalid', { key: 'staff.templateHasErrors', params: { count: errors.length } }, templateFieldErrors(errors));
  return auditedWrite(ctx, 'templates.save', async (tx) => {
    const campaign = await requireCampaign(tx, slug);
    const saved = await templates.upsertTemplate(tx, campaign.id, language, parts);
    return { result: shape(saved), subject: slug, details: { language } };
  });
}

/** The campaign's template in `language` (with the usual fallbacks), or the default letter. */
export async function getTemplate(platform: { db: DbClient }, slug: string, language: string): Promise<SavedTemplate> {
  const campaign = await requireCampaign(platform.db, slug);
  const found = await templates.findTemplate(platform.db, campaign.id, language);
  return found ? shape(found) : { language: 'en', origin: 'default', updatedAt: null, ...DEFAULT_LETTER };
}

/** Creates the campaign's English template from the default letter, unless it has one. */
export function seedDefaultTemplate(db: DbClient, campaignId: string): Promise<boolean> {
  return templates.createTemplateIfMissing(db, campaignId, 'en', DEFAULT_LETTER);
}

/**
 * Creates the default letter's translations (Russian) as the campaign's templates in those
 * languages, unless it has one there already; for a campaign whose texts are translated too
 * (the seeded Kazakhstan campaign). Returns the languages it created.
 */
export async function seedTranslatedDefaultTemplates(db: DbClient, campaignId: string): Promise<string[]> {
  const created: string[] = [];
  for (const [language, parts] of Object.entries(DEFAULT_LETTER_TRANSLATIONS)) {
    if (await templates.createTemplateIfMissing(db, campaignId, language, parts)) created.push(language);
  }
  return created;
}

/** A compiled template, with the language it is written in (for the country names in its context). */
export type TemplateRenderer = LetterRenderer & { readonly language: string };

// Compiling costs far more than rendering; a stored template compiles once per version.
const MAX_CACHED = 200;
const renderers = new Map<string, TemplateRenderer>();
let defaultRenderer: TemplateRenderer | undefined;

/**
 * The renderer for a campaign's letters in `language`, falling back to its template in the
 * campaign's own language, then its English or first template, then to the default letter;
 * `renderer.language` says which language it got (what `Letter.language` records). A stored
 * template that no longer passes the checks (say, after the vocabulary changed) throws
 * template_invalid rather than render half a letter.
 */
export async function getLetterRenderer(db: DbClient, campaignId: string, language = 'en'): Promise<TemplateRenderer> {
  const found = await templates.findTemplate(db, campaignId, language, await templates.findCampaignLanguage(db, campaignId));
  return rendererFor(db, found);
}

/**
 * The renderer for a template the caller has already chosen (the letters worker reads the choice,
 * id and version with the letter): the stored text is read only when that version is not compiled
 * yet. Null means the campaign has no template: the default letter.
 */
export async function rendererFor(db: DbClient, chosen: { id: string; updatedAt: Date } | null): Promise<TemplateRenderer> {
  if (!chosen) return (defaultRenderer ??= Object.assign(compileTemplate(DEFAULT_LETTER), { language: 'en' }));
  const key = `${chosen.id}:${chosen.updatedAt.getTime()}`;
  let renderer = renderers.get(key);
  if (!renderer) {
    const found = 'subject' in chosen ? (chosen as templates.StoredTemplate) : await templates.findTemplateById(db, chosen.id);
    // Deleted since it was chosen: the caller's read was a moment ago, so the default is what it would get now.
    if (!found) return rendererFor(db, null);
    renderer = Object.assign(compileTemplate(found), { language: found.language });
    if (renderers.size >= MAX_CACHED) renderers.delete(renderers.keys().next().value!);
    renderers.set(`${found.id}:${found.updatedAt.getTime()}`, renderer);
  }
  return renderer;
}

export interface LetterCampaign {
  title: string;
  slug: string;
  sourceOrganisation: string;
  sourceUrl: string | null;
  statementDate: Date | null;
}
export interface LetterTarget {
  iso2: string;
  country: string;
  missionName: string;
  salutation: string;
}
export interface LetterSupporter {
  name: string;
  city?: string | null;
  /** ISO 3166-1 alpha-2; the letter shows the country's name in its language. */
  countryCode?: string | null;
  paragraph?: string | null;
}

/** The context a template sees, from rows as they come out of the database. */
export function buildLetterContext(input: {
  campaign: LetterCampaign;
  /** Localised titles and quote translations come from `localisedLetterTexts`. */
  demands: ReadonlyArray<{ title: string; quote: string; quoteTranslation?: { text: string } | null }>;
  target: LetterTarget;
  supporter: LetterSupporter;
  /** Language of the letter, for the supporter's country name. */
  language?: string;
}): LetterContext {
  const { campaign, target, supporter } = input;
  const countryCode = supporter.countryCode?.trim().toUpperCase() || null;
  return {
    campaign: { title: campaign.title, slug: campaign.slug },
    source: {
      organisation: campaign.sourceOrganisation,
      url: campaign.sourceUrl,
      date: campaign.statementDate ? campaign.statementDate.toISOString().slice(0, 10) : null,
    },
    demands: input.demands.map((d) => ({ title: d.title, quote: d.quote, ...(d.quoteTranslation ? { quoteTranslation: d.quoteTranslation.text } : {}) })),
    supporter: {
      name: supporter.name,
      city: supporter.city || null,
      country: countryCode ? countryName(countryCode, input.language ?? 'en') : null,
      countryCode,
      paragraph: supporter.paragraph || null,
    },
    // A letter in another language names the delegation's country in that language too.
    delegation: { iso2: target.iso2, country: localCountryName(target, input.language), mission: target.missionName, salutation: target.salutation },
  };
}

function localCountryName(target: LetterTarget, language = 'en'): string {
  if (language === 'en') return target.country;
  const local = countryName(target.iso2, language);
  return local === target.iso2 ? target.country : local;
}

export interface PreviewRequest {
  iso2: string;
  supporter: LetterSupporter;
  /** An unsaved template to try; otherwise the campaign's own (or the default letter). */
  template?: TemplateParts;
  language?: string;
}

/**
 * Renders a letter for the given delegation and supporter fields without storing anything.
 * `publicOnly` hides drafts, as everywhere the public looks.
 */
export async function previewLetter(
  platform: { db: DbClient },
  slug: string,
  request: PreviewRequest,
  options: { publicOnly: boolean },
): Promise<RenderedLetter> {
  const campaign = await requireCampaign(platform.db, slug, options.publicOnly);
  const target = await templates.findActiveTargetByIso2(platform.db, request.iso2);
  if (!target) throw new AppError('target_not_found', { key: 'problems.detail.noActiveDelegation', params: { iso2: request.iso2 } });
  const wanted = request.language ?? target.preferredLanguage;
  const render = request.template
    ? Object.assign(compileTemplate(request.template), { language: wanted })
    : await getLetterRenderer(platform.db, campaign.id, wanted);
  const texts = await localisedLetterTexts(platform.db, campaign, render.language);
  return render(
    buildLetterContext({
      campaign: { ...campaign, title: texts.title },
      demands: texts.demands,
      target,
      supporter: request.supporter,
      language: render.language,
    }),
  );
}

/**
 * The campaign's title and demands as a letter in `language` shows them: translated titles and
 * quote translations when the campaign has that translation, the original otherwise.
 */
export async function localisedLetterTexts(
  db: DbClient,
  campaign: { id: string; title: string; demands: ReadonlyArray<{ title: string; quote: string }> },
  language: string,
) {
  const texts = await findLocalisedTexts(db, campaign.id, language);
  return texts ?? { title: campaign.title, demands: campaign.demands.map((d) => ({ ...d, quoteTranslation: null })) };
}

async function requireCampaign(db: DbClient, slug: string, publicOnly = false): Promise<templates.LetterCampaignRow> {
  const campaign = await templates.findCampaignForLetters(db, { slug });
  if (!campaign || (publicOnly && campaign.status === 'draft'))
    throw new AppError('campaign_not_found', { key: 'problems.detail.noCampaign', params: { slug } });
  return campaign;
}

function shape(row: templates.StoredTemplate): SavedTemplate {
  return { language: row.language, origin: 'campaign', updatedAt: row.updatedAt.toISOString(), subject: row.subject, html: row.html, text: row.text };
}
