import Handlebars from 'handlebars';
import fs from 'node:fs';
import path from 'node:path';
import { AppError, type FieldError } from '../../../platform/errors';
import { stripHiddenCharacters } from '../../../platform/hidden-text';
import type { DigestContext, LetterContext, RenderedLetter } from './letter-context';
import { Checker, DIGEST_VOCABULARY, LETTER_VOCABULARY, lineOf, MAILING_VOCABULARY, type TemplateError, type TemplatePart } from './templates.checker';

export type { TemplateError, TemplatePart } from './templates.checker';

/**
 * Letter templates: admins write them, supporters' words flow through them to diplomats. A
 * template is parsed and checked against the letter's vocabulary before it is stored, so a typo
 * is a 422 with a line number rather than a blank in a letter to a mission, and nothing a
 * supporter typed can reach an email header or unescaped HTML.
 */

export interface TemplateParts {
  subject: string;
  html: string;
  text: string;
}
export type LetterRenderer = (ctx: LetterContext) => RenderedLetter;

const engine = Handlebars.create();
// Numbers only: neither helper ever passes text through.
engine.registerHelper('add1', (value: unknown) => (typeof value === 'number' ? value + 1 : ''));
engine.registerHelper('plural', (count: unknown, one: unknown, many: unknown) =>
  typeof count === 'number' ? `${count} ${count === 1 ? String(one) : String(many)}` : '',
);
engine.registerHelper('paragraphs', (text: unknown) => new Handlebars.SafeString(paragraphsHtml(typeof text === 'string' ? text : '')));
// Not even reachable with knownHelpersOnly, but this instance has no use for them.
engine.unregisterHelper('lookup');
engine.unregisterHelper('log');

const COMPILE_OPTIONS: CompileOptions = {
  knownHelpersOnly: true,
  knownHelpers: { add1: true, plural: true, paragraphs: true, lookup: false, log: false },
  // Every name is checked before compiling and contexts always carry every key: a miss is a bug.
  strict: true,
  preventIndent: true,
};

/** Escaped paragraphs: blank lines separate <p>s, single newlines become <br>. */
export function paragraphsHtml(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split(/\n[ \t]*\n+/)
    .map((block) => block.trim())
    .filter(Boolean)
    .map(
      (block) =>
        `<p>${block
          .split('\n')
          .map((line) => Handlebars.escapeExpression(line.trim()))
          .join('<br>\n')}</p>`,
    )
    .join('\n');
}

// Dry-run contexts: every optional field present, so every branch of a template runs.
const SAMPLE_LETTER: LetterContext = {
  campaign: { title: 'Campaign', slug: 'campaign' },
  source: { organisation: 'Organisation', url: 'https://example.org/statement', date: '2025-01-01' },
  demands: [
    { title: 'Demand', quote: 'Quote.', quoteTranslation: 'Translated quote.' },
    { title: 'Demand 2', quote: 'Quote 2.', quoteTranslation: null },
  ],
  supporter: { name: 'Name', city: 'City', country: 'Country', countryCode: 'KZ', paragraph: 'One.\n\nTwo.' },
  delegation: { iso2: 'FR', country: 'France', mission: 'Mission', salutation: 'Excellency,' },
};

const SAMPLE_DIGEST: DigestContext = {
  campaign: SAMPLE_LETTER.campaign,
  source: SAMPLE_LETTER.source,
  demands: SAMPLE_LETTER.demands,
  delegation: SAMPLE_LETTER.delegation,
  period: { from: '2025-01-01', to: '2025-01-02' },
  count: 2,
  entries: [
    { name: 'Name', country: 'Country', paragraph: 'One.' },
    { name: 'Other', country: null, paragraph: null },
  ],
};

/** What a mailing (campaign update) template can see. */
export interface MailingContext {
  campaign: { title: string; slug: string };
  supporter: { name: string };
}

const SAMPLE_MAILING: MailingContext = { campaign: SAMPLE_LETTER.campaign, supporter: { name: 'Name' } };

function firstLine(error: unknown): string {
  return String((error as Error).message ?? error)
    .split('\n')[0]!
    .replace(/ - \d+:\d+$/, '');
}

const PARTS: TemplatePart[] = ['subject', 'html', 'text'];

const KINDS = {
  letter: { vocabulary: LETTER_VOCABULARY, sample: SAMPLE_LETTER },
  digest: { vocabulary: DIGEST_VOCABULARY, sample: SAMPLE_DIGEST },
  mailing: { vocabulary: MAILING_VOCABULARY, sample: SAMPLE_MAILING },
};

/**
 * Every problem in the template, each with its part and line; empty when it may be stored.
 * `kind` picks the vocabulary: a campaign's letter, or the system's digest.
 */
export function validateTemplate(parts: TemplateParts, kind: keyof typeof KINDS = 'letter'): TemplateError[] {
  const { vocabulary, sample } = KINDS[kind];
  const errors: TemplateError[] = [];
  for (const part of PARTS) {
    let ast: hbs.AST.Program;
    try {
      ast = Handlebars.parse(parts[part]);
    } catch (error) {
      errors.push({ part, line: lineOf(error), message: `syntax error: ${firstLine(error)}` });
      continue;
    }
    const checker = new Checker(part, vocabulary);
    checker.program(ast);
    errors.push(...checker.errors);
    if (checker.errors.length) continue;
    // The walk should have caught everything; a dry run with a full context proves it.
    try {
      compilePart(parts[part], part)(sample);
    } catch (error) {
      errors.push({ part, line: lineOf(error), message: firstLine(error) });
    }
  }
  return errors;
}

/** `html line 12`-style field errors for problem+json. */
export function templateFieldErrors(errors: TemplateError[]): FieldError[] {
  return errors.map((error) => ({ field: `${error.part} line ${error.line}`, message: error.message }));
}

// ── Rendering ─────────────────────────────────────────────────────────────────────────────────

function compilePart(source: string, part: TemplatePart): Handlebars.TemplateDelegate {
  // Only HTML escapes: a subject and a text body are plain text, where &amp; would be a typo.
  return engine.compile(source, { ...COMPILE_OPTIONS, noEscape: part !== 'html' });
}

/** Compiles a checked template; throws AppError('template_invalid') with line errors otherwise. */
export function compileTemplate(parts: TemplateParts): LetterRenderer {
  const errors = validateTemplate(parts);
  if (errors.length) throw new AppError('template_invalid', { key: 'staff.letterTemplateHasErrors' }, templateFieldErrors(errors));
  const render = compileParts(parts);
  return (ctx) => render(sanitiseContext(ctx));
}

/**
 * A campaign update: the same checked language as letters, with the mailing vocabulary. Without an
 * HTML part, the HTML is the rendered text as escaped paragraphs. Throws template_invalid otherwise.
 */
export function compileMailingTemplate(parts: { subject: string; text: string; html?: string | null }): (ctx: MailingContext) => RenderedLetter {
  const full: TemplateParts = { subject: parts.subject, text: parts.text, html: parts.html ?? '' };
  const errors = validateTemplate(full, 'mailing');
  if (errors.length) throw new AppError('template_invalid', { key: 'staff.updateHasErrors', params: { count: errors.length } }, templateFieldErrors(errors));
  const render = compileParts(full);
  return (ctx) => {
    const rendered = render({
      campaign: { title: cleanText(ctx.campaign.title), slug: cleanLine(ctx.campaign.slug) },
      supporter: { name: cleanLine(ctx.supporter.name) },
    });
    return parts.html ? rendered : { ...rendered, html: paragraphsHtml(rendered.text) };
  };
}

function compileParts(parts: TemplateParts): (data: object) => RenderedLetter {
  const subject = compilePart(parts.subject, 'subject');
  const html = compilePart(parts.html, 'html');
  const text = compilePart(parts.text, 'text');
  return (data) => ({ subject: oneLine(subject(data)), html: html(data), text: text(data) });
}

/** What a supporter typed on one line: no control characters, no line breaks. */
export function cleanLine(value: string): string {
  return stripHiddenCharacters(value.replace(/[\r\n\t]+/g, ' ')).trim();
}

/** What a supporter typed over several lines: newlines kept (normalised to \n), nothing else invisible. */
export function cleanText(value: string): string {
  return stripHiddenCharacters(value.replace(/\r\n?/g, '\n')).trim();
}

const nullableLine = (value: string | null | undefined) => (value == null ? null : cleanLine(value) || null);
const nullableText = (value: string | null | undefined) => (value == null ? null : cleanText(value) || null);

/** A copy with everything the supporter wrote cleaned (and admin text stripped of invisible characters). */
export function sanitiseContext(ctx: LetterContext): LetterContext {
  return {
    campaign: { title: cleanText(ctx.campaign.title), slug: cleanLine(ctx.campaign.slug) },
    source: { organisation: cleanText(ctx.source.organisation), url: nullableLine(ctx.source.url), date: nullableLine(ctx.source.date) },
    demands: ctx.demands.map((d) => ({ title: cleanText(d.title), quote: cleanText(d.quote), quoteTranslation: nullableText(d.quoteTranslation ?? null) })),
    supporter: {
      name: cleanLine(ctx.supporter.name),
      city: nullableLine(ctx.supporter.city),
      country: nullableLine(ctx.supporter.country),
      countryCode: nullableLine(ctx.supporter.countryCode),
      paragraph: nullableText(ctx.supporter.paragraph),
    },
    delegation: {
      iso2: cleanLine(ctx.delegation.iso2),
      country: cleanLine(ctx.delegation.country),
      // Stored as "Excellency" or "Excellency,": templates add their own punctuation.
      mission: cleanLine(ctx.delegation.mission),
      salutation: cleanLine(ctx.delegation.salutation).replace(/[\s,;:.]+$/, ''),
    },
  };
}

/** A subject is one header line: no CR/LF whatever the data held. */
function oneLine(value: string): string {
  return stripHiddenCharacters(value).replace(/\s+/g, ' ').trim();
}

/** A letter that says nothing (e.g. a template of only conditionals that all failed): delivery cancels it. */
export function isEmptyLetter(rendered: RenderedLetter): boolean {
  return stripHiddenCharacters(rendered.text).trim() === '';
}

// ── The system's own templates ────────────────────────────────────────────────────────────────

function loadParts(dir: string): TemplateParts {
  const read = (file: string) => fs.readFileSync(path.join(__dirname, dir, file), 'utf8');
  return { subject: read('subject.hbs').trim(), html: read('body.html.hbs'), text: read('body.text.hbs') };
}

/** The English letter every campaign starts with (seeded as its 'en' template). */
export const DEFAULT_LETTER: TemplateParts = loadParts('default-letter');
/**
 * The same letter in other languages, seeded beside the English one. Quotes stay verbatim in the
 * original with the (unofficial) translation beside them: only the original is what was said.
 */
export const DEFAULT_LETTER_TRANSLATIONS: Readonly<Record<string, TemplateParts>> = { ru: loadParts('default-letter/ru') };
/** One message per delegation and period, in digest mode. A system template, not per campaign. */
export const DIGEST_LETTER: TemplateParts = loadParts('digest-letter');

let digestRenderer: ((data: object) => RenderedLetter) | undefined;

export function renderDigest(ctx: DigestContext): RenderedLetter {
  if (!digestRenderer) {
    const errors = validateTemplate(DIGEST_LETTER, 'digest');
    if (errors.length) throw new Error(`digest template: ${errors.map((e) => `${e.part} line ${e.line}: ${e.message}`).join('; ')}`);
    digestRenderer = compileParts(DIGEST_LETTER);
  }
  const clean = sanitiseContext({ ...ctx, supporter: { name: '', city: null, country: null, countryCode: null, paragraph: null } });
  return digestRenderer({
    campaign: clean.campaign,
    source: clean.source,
    demands: clean.demands,
    delegation: clean.delegation,
    period: { from: cleanLine(ctx.period.from), to: cleanLine(ctx.period.to) },
    count: ctx.count,
    entries: ctx.entries.map((entry) => ({ name: cleanLine(entry.name), country: nullableLine(entry.country), paragraph: nullableText(entry.paragraph) })),
  });
}
