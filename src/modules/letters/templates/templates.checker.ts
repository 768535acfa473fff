/**
 * What a template may name, and the walk that checks a template against it before it is stored:
 * an unknown name or a supporter's words where they may not go (a subject, triple-stash HTML) is
 * an error with its line, never a blank or an injection in a letter to a mission.
 */

export type TemplatePart = 'subject' | 'html' | 'text';
export interface TemplateError {
  part: TemplatePart;
  line: number;
  message: string;
}

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

export const LETTER_VOCABULARY: Field = object({
  ...shared,
  supporter: object({ name: pv, city: pv, country: pv, countryCode: pv, paragraph: pv }, true),
});

export const DIGEST_VOCABULARY: Field = object({
  ...shared,
  period: object({ from: v, to: v }),
  count: v,
  entries: list(object({ name: pv, country: pv, paragraph: pv }), true),
});

/** A campaign update to supporters: the campaign's words and the recipient's own name. */
export const MAILING_VOCABULARY: Field = object({
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

interface Scope {
  field: Field;
  personal: boolean;
}

/** Walks one part's syntax tree with a stack of scopes (`each` and `with` push one, as Handlebars does). */
export class Checker {
  readonly errors: TemplateError[] = [];
  private readonly scopes: Scope[];
  private eachDepth = 0;

  constructor(
    private readonly part: TemplatePart,
    root: Field,
  ) {
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
    if (!name || !helper)
      return this.failed(node, `the helper "${name ?? '?'}" is not allowed (allowed: if, unless, each, with, ${Object.keys(HELPERS).join(', ')})`);
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
    if (resolved.field.kind !== wanted)
      return this.fail(
        node,
        `{{#${name} ${(param as hbs.AST.PathExpression).original}}} needs ${wanted === 'list' ? 'a list (demands or entries)' : 'an object'}`,
      );
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
      const next = field.kind === 'object' ? (Object.hasOwn(field.fields, part) ? field.fields[part] : undefined) : undefined;
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
export function lineOf(error: unknown): number {
  const given = (error as { lineNumber?: unknown }).lineNumber;
  if (typeof given === 'number') return given;
  const match = /line (\d+)/.exec(String((error as Error).message ?? ''));
  return match ? Number(match[1]) : 1;
}
