import Handlebars from 'handlebars';
import fs from 'node:fs';
import path from 'node:path';
import { AppError, type FieldError } from '../../platform/errors';
import type { DigestContext, LetterContext, RenderedLetter } from './letter-context';

/**
 * Letter templates: admins write them, supporters' words flow through them to diplomats. A
 * template is parsed and checked against the letter's vocabulary before it is stored, so a typo
 * is a 422 with a line number rather than a blank in a letter to a mission, and nothing a
 * supporter typed can reach an email header or unescaped HTML.
 */

export type TemplatePart = 'subject' | 'html' | 'text';
export interface TemplateParts { subject: string; html: string; text: string }
export interface TemplateError { part: TemplatePart; line: number; message: string }
export type LetterRenderer = (ctx: LetterContext) => RenderedLetter;

// ── Vocabulary ────────────────────────────────────────────────────────────────────────────────
// What a template may name. `personal` marks what a supporter wrote: never in a subject, never
// triple-stashed in HTML.

type Field =
  | { kind: 'value'; personal?: boolean }
  | { kind: 'object'; fields: Record<string, Field>; personal?: boolean }
  | { kind: 'list'; item: Field; personal?: boolean };

const v: Field = { kind: 'value' };
const pv: Field = { kind: 'value', personal: true };
const object = (fields: Record<string, Field>, personal = false): Field => ({ kind: 'object', fields, personal });
const list = (item: Field, personal = false): Field => ({ kind: 'list', item, personal });

const shared = {
  campaign: object({ title: v, slug: v }),
  source: object({ organisation: v, url: v, date: v }),
  demands: list(object({ title: v, quote: v, quoteTranslation: v })),
  delegation: object({ iso2: v, country: v, mission: v, salutation: v }),
};

const LETTER_VOCABULARY: Field = object({
  ...shared,
  supporter: object({ name: pv, city: pv, country: pv, countryCode: pv, paragraph: pv }, true),
});

const DIGEST_VOCABULARY: Field = object({
  ...shared,
  period: object({ from: v, to: v }),
  count: v,
  entries: list(object({ name: pv, country: pv, paragraph: pv }), true),
});

/** A campaign update to supporters: the campaign's words and the recipient's own name. */
const MAILING_VOCABULARY: Field = object({
  campaign: object({ title: v, slug: v }),
  supporter: object({ name: pv }, true),
});

// ── Helpers ───────────────────────────────────────────────────────────────────────────────────

/** Helpers a template may call besides if/unless/each/with, and the parts they may appear in. */
const HELPERS: Record<string, { arity: number; parts: TemplatePart[]; literals?: boolean }> = {
  /** `{{add1 @index}}`: numbering from 1. */
  add1: { arity: 1, parts: ['subject', 'html', 'text'] },
  /** `{{plural count "letter" "letters"}}` → "1 letter", "3 letters". */
  plural: { arity: 3, parts: ['subject', 'html', 'text'], literals: true },
  /** `{{paragraphs supporter.paragraph}}`: escaped text as <p>, single newlines as <br>. */
  paragraphs: { arity: 1, parts: ['html'] },
};
const BLOCK_HELPERS = new Set(['if', 'unless', 'each', 'with']);
/** Handlebars' other built-ins, named so that using one says "not allowed" rather than "unknown variable". */
const BUILTINS = new Set(['lookup', 'log', 'helperMissing', 'blockHelperMissing']);

const engine = Handlebars.create();
// Numbers only: neither helper ever passes text through.
engine.registerHelper('add1', (value: unknown) => (typeof value === 'number' ? value + 1 : ''));
engine.registerHelper('plural', (count: unknown, one: unknown, many: unknown) => (typeof count === 'number' ? `${count} ${count === 1 ? String(one) : String(many)}` : ''));
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
  return text.replace(/\r\n?/g, '\n').split(/\n[ \t]*\n+/).map((block) => block.trim()).filter(Boolean)
    .map((block) => `<p>${block.split('\n').map((line) => Handlebars.escapeExpression(line.trim())).join('<br>\n')}</p>`)
    .join('\n');
}

// Dry-run contexts: every optional field present, so every branch of a template runs.
const SAMPLE_LETTER: LetterContext = {
  campaign: { title: 'Campaign', slug: 'campaign' },
  source: { organisation: 'Organisation', url: 'https://example.org/statement', date: '2025-01-01' },
  demands: [{ title: 'Demand', quote: 'Quote.', quoteTranslation: 'Translated quote.' }, { title: 'Demand 2', quote: 'Quote 2.', quoteTranslation: null }],
  supporter: { name: 'Name', city: 'City', country: 'Country', countryCode: 'KZ', paragraph: 'One.\n\nTwo.' },
  delegation: { iso2: 'FR', country: 'France', mission: 'Mission', salutation: 'Excellency,' },
};

const SAMPLE_DIGEST: DigestContext = {
  campaign: SAMPLE_LETTER.campaign, source: SAMPLE_LETTER.source, demands: SAMPLE_LETTER.demands, delegation: SAMPLE_LETTER.delegation,
  period: { from: '2025-01-01', to: '2025-01-02' },
  count: 2,
  entries: [{ name: 'Name', country: 'Country', paragraph: 'One.' }, { name: 'Other', country: null, paragraph: null }],
};

/** What a mailing (campaign update) template can see. */
export interface MailingContext {
  campaign: { title: string; slug: string };
  supporter: { name: string };
}

const SAMPLE_MAILING: MailingContext = { campaign: SAMPLE_LETTER.campaign, supporter: { name: 'Name' } };

// ── Validation ────────────────────────────────────────────────────────────────────────────────

interface Scope { field: Field; personal: boolean }

/** Walks one part's syntax tree with a stack of scopes (`each` and `with` push one, as Handlebars does). */
class Checker {
  readonly errors: TemplateError[] = [];
  private readonly scopes: Scope[];
  private eachDepth = 0;

  constructor(private readonly part: TemplatePart, root: Field) {
    this.scopes = [{ field: root, personal: false }];
  }

  program(program: hbs.AST.Program | undefined): void {
    if (!program) return;
    if (program.blockParams?.length) this.fail(program, 'block parameters (as |x|) are not supported');
    for (const statement of program.body) this.statement(statement);
  }

  private statement(node: hbs.AST.Statement): void {
    switch (node.type) {
      case 'ContentStatement':
      case 'CommentStatement':
        return;
      case 'MustacheStatement':
        return this.mustache(node as hbs.AST.MustacheStatement);
      case 'BlockStatement':
        return this.block(node as hbs.AST.BlockStatement);
      case 'PartialStatement':
      case 'PartialBlockStatement':
        return this.fail(node, 'partials ({{> name}}) are not allowed');
      default:
        return this.fail(node, 'decorators and inline partials are not allowed');
    }
  }

  private mustache(node: hbs.AST.MustacheStatement): void {
    if (node.path.type !== 'PathExpression') return this.fail(node, 'only variables and helpers can be output');
    const path = node.path as hbs.AST.PathExpression;
    const name = helperName(path);
    if (name && BLOCK_HELPERS.has(name)) return this.fail(node, `{{${name}}} is a block helper: use {{#${name} ...}}...{{/${name}}}`);
    if (name && (Object.hasOwn(HELPERS, name) || BUILTINS.has(name) || node.params.length > 0)) {
      const personal = this.helperCall(node, name);
      // paragraphs escapes by itself; any other helper hands back what it was given, unescaped.
      if (personal && !node.escaped && this.part === 'html' && name !== 'paragraphs') {
        this.fail(node, `"${name}" is given what the supporter wrote and must be escaped: use {{ }}, not {{{ }}}`);
      }
      return;
    }
    if (node.params.length > 0 || node.hash) return this.fail(node, `"${path.original}" is not a helper`);
    const resolved = this.resolve(path);
    if (!resolved) return;
    if (resolved.field.kind !== 'value') return this.fail(node, `"${path.original}" is not a single value and cannot be output`);
    if (!node.escaped && resolved.personal && this.part === 'html') {
      this.fail(node, `"${path.original}" is written by the supporter and must be escaped: use {{${path.original}}}, not {{{${path.original}}}}`);
    }
  }

  /** Checks a helper call; true if any argument is something the supporter wrote. */
  private helperCall(node: hbs.AST.MustacheStatement | hbs.AST.SubExpression, name: string | undefined): boolean {
    const helper = name && Object.hasOwn(HELPERS, name) ? HELPERS[name] : undefined;
    if (!name || !helper) return this.failed(node, `the helper "${name ?? '?'}" is not allowed (allowed: if, unless, each, with, ${Object.keys(HELPERS).join(', ')})`);
    if (!helper.parts.includes(this.part)) return this.failed(node, `the helper "${name}" can only be used in the ${helper.parts.join(' or ')} part`);
    if (node.hash) return this.failed(node, 'hash arguments (key=value) are not supported');
    if (node.params.length !== helper.arity) return this.failed(node, `"${name}" takes ${helper.arity} argument${helper.arity === 1 ? '' : 's'}`);
    let personal = false;
    for (const [index, param] of node.params.entries()) {
      if (index > 0 && helper.literals) {
        if (param.type !== 'StringLiteral') this.fail(param, `argument ${index + 1} of "${name}" must be a "quoted string"`);
      } else {
        personal = this.valueParam(param, name) || personal;
      }
    }
    return personal;
  }

  /** Checks an argument; true if it is (or is computed from) something the supporter wrote. */
  private valueParam(param: hbs.AST.Expression, helper: string): boolean {
    if (param.type === 'SubExpression') {
      const sub = param as hbs.AST.SubExpression;
      return this.helperCall(sub, helperName(sub.path));
    }
    if (param.type !== 'PathExpression') return false;
    const resolved = this.resolve(param as hbs.AST.PathExpression);
    if (resolved && resolved.field.kind !== 'value' && !BLOCK_HELPERS.has(helper)) {
      this.fail(param, `"${(param as hbs.AST.PathExpression).original}" is not a single value`);
    }
    return resolved?.personal ?? false;
  }

  private block(node: hbs.AST.BlockStatement): void {
    const name = helperName(node.path);
    if (!name || !BLOCK_HELPERS.has(name)) return this.fail(node, `"{{#${node.path.original}}}" is not allowed (block helpers: if, unless, each, with)`);
    if (node.hash) return this.fail(node, 'hash arguments (key=value) are not supported');
    const [param, ...rest] = node.params;
    if (!param || rest.length) return this.fail(node, `{{#${name}}} takes exactly one argument`);
    if (name === 'if' || name === 'unless') {
      this.valueParam(param, name);
      this.program(node.program);
      this.program(node.inverse);
      return;
    }
    if (param.type !== 'PathExpression') return this.fail(node, `{{#${name}}} needs a variable`);
    const resolved = this.resolve(param as hbs.AST.PathExpression);
    this.program(node.inverse);
    if (!resolved) return;
    const wanted = name === 'each' ? 'list' : 'object';
    if (resolved.field.kind !== wanted) return this.fail(node, `{{#${name} ${(param as hbs.AST.PathExpression).original}}} needs ${wanted === 'list' ? 'a list (demands or entries)' : 'an object'}`);
    const field = resolved.field.kind === 'list' ? resolved.field.item : resolved.field;
    this.scopes.push({ field, personal: resolved.personal || Boolean(field.personal) });
    if (name === 'each') this.eachDepth++;
    this.program(node.program);
    if (name === 'each') this.eachDepth--;
    this.scopes.pop();
  }

  /** What a path names, or undefined after recording why it names nothing. */
  private resolve(path: hbs.AST.PathExpression): Scope | undefined {
    let parts = path.parts;
    let scope: Scope | undefined;
    if (path.data) {
      const [head, ...tail] = parts;
      if (path.depth > 0) return this.failAt(path, `"${path.original}": @../ is not supported`);
      if (head === 'root') {
        scope = this.scopes[0];
        parts = tail;
      } else if ((head === 'index' || head === 'first' || head === 'last') && tail.length === 0) {
        if (this.eachDepth === 0) return this.failAt(path, `"${path.original}" only exists inside {{#each}}`);
        return { field: v, personal: false };
      } else {
        return this.failAt(path, `unknown variable "${path.original}"`);
      }
    } else {
      scope = this.scopes[this.scopes.length - 1 - path.depth];
      if (!scope) return this.failAt(path, `"${path.original}" goes above the top of the letter`);
    }
    let field = scope!.field;
    let personal = scope!.personal;
    for (const part of parts) {
      const next = field.kind === 'object' ? Object.hasOwn(field.fields, part) ? field.fields[part] : undefined : undefined;
      if (!next) return this.failAt(path, `unknown variable "${path.original}"${hint(field)}`);
      field = next;
      personal ||= Boolean(field.personal);
    }
    if (personal && this.part === 'subject') {
      return this.failAt(path, `"${path.original}" is written by the supporter and cannot appear in the subject`);
    }
    return { field, personal };
  }

  private fail(node: { loc?: hbs.AST.SourceLocation }, message: string): void {
    this.errors.push({ part: this.part, line: node.loc?.start.line ?? 1, message });
  }

  private failed(node: { loc?: hbs.AST.SourceLocation }, message: string): false {
    this.fail(node, message);
    return false;
  }

  private failAt(node: { loc?: hbs.AST.SourceLocation }, message: string): undefined {
    this.fail(node, message);
    return undefined;
  }
}

/** The helper a path would call: a simple one-part name (not `this.x`, `../x` or `@x`). */
function helperName(path: hbs.AST.PathExpression | hbs.AST.Literal): string | undefined {
  if (path.type !== 'PathExpression') return undefined;
  const p = path as hbs.AST.PathExpression;
  return !p.data && p.depth === 0 && p.parts.length === 1 && p.original === p.parts[0] ? p.parts[0] : undefined;
}

function hint(field: Field): string {
  return field.kind === 'object' ? ` (known here: ${Object.keys(field.fields).join(', ')})` : '';
}

/** Line of a Handlebars exception: parse errors say "on line N", others carry lineNumber. */
function lineOf(error: unknown): number {
  const given = (error as { lineNumber?: unknown }).lineNumber;
  if (typeof given === 'number') return given;
  const match = /line (\d+)/.exec(String((error as Error).message ?? ''));
  return match ? Number(match[1]) : 1;
}

function firstLine(error: unknown): string {
  return String((error as Error).message ?? error).split('\n')[0]!.replace(/ - \d+:\d+$/, '');
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
  if (errors.length) throw new AppError('template_invalid', 'The letter template has errors.', templateFieldErrors(errors));
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
  if (errors.length) throw new AppError('template_invalid', `The update has ${errors.length} error${errors.length === 1 ? '' : 's'}.`, templateFieldErrors(errors));
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

/**
 * Invisible and bidirectional-override characters: they hide or reorder text in a letter. The
 * API strips them on input; rendering strips them again, since a letter may be rendered from
 * data that came in some other way.
 */
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u200B-\u200F\u2028-\u202E\u2060-\u2069\uFEFF]/g;

/** What a supporter typed on one line: no control characters, no line breaks. */
export function cleanLine(value: string): string {
  return value.replace(/[\r\n\t]+/g, ' ').replace(CONTROL, '').trim();
}

/** What a supporter typed over several lines: newlines kept (normalised to \n), nothing else invisible. */
export function cleanText(value: string): string {
  return value.replace(/\r\n?/g, '\n').replace(CONTROL, '').trim();
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
      iso2: cleanLine(ctx.delegation.iso2), country: cleanLine(ctx.delegation.country),
      // Stored as "Excellency" or "Excellency,": templates add their own punctuation.
      mission: cleanLine(ctx.delegation.mission), salutation: cleanLine(ctx.delegation.salutation).replace(/[\s,;:.]+$/, ''),
    },
  };
}

/** A subject is one header line: no CR/LF whatever the data held. */
function oneLine(value: string): string {
  return value.replace(CONTROL, '').replace(/\s+/g, ' ').trim();
}

/** A letter that says nothing (e.g. a template of only conditionals that all failed): delivery cancels it. */
export function isEmptyLetter(rendered: RenderedLetter): boolean {
  return rendered.text.replace(CONTROL, '').trim() === '';
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
    campaign: clean.campaign, source: clean.source, demands: clean.demands, delegation: clean.delegation,
    period: { from: cleanLine(ctx.period.from), to: cleanLine(ctx.period.to) },
    count: ctx.count,
    entries: ctx.entries.map((entry) => ({ name: cleanLine(entry.name), country: nullableLine(entry.country), paragraph: nullableText(entry.paragraph) })),
  });
}
