import Handlebars from 'handlebars';
import fs from 'node:fs';
import path from 'node:path';

/** The shared page layout and its assets. */
export const SHARED_VIEWS_DIR = path.join(__dirname, 'http', 'pages');

/**
 * Server-rendered pages and emails through Handlebars, which escapes every `{{value}}` by default:
 * whatever a supporter typed is inert in HTML. Templates are looked up in `roots` in order,
 * compiled once and cached.
 */
export class Views {
  private readonly engine = Handlebars.create();
  private readonly cache = new Map<string, Handlebars.TemplateDelegate>();

  constructor(private readonly roots: string[]) {
    this.engine.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  }

  render(name: string, data: object): string {
    let template = this.cache.get(name);
    if (!template) {
      const file = this.roots.map((root) => path.join(root, `${name}.hbs`)).find((candidate) => fs.existsSync(candidate));
      if (!file) throw new Error(`no template "${name}" in ${this.roots.join(', ')}`);
      template = this.engine.compile(fs.readFileSync(file, 'utf8'));
      this.cache.set(name, template);
    }
    return template(data);
  }

  /** A page inside the shared layout. */
  page(name: string, data: { title: string; lang?: string; [key: string]: unknown }): string {
    return this.render('layout', { ...data, lang: data.lang ?? 'en', body: new Handlebars.SafeString(this.render(name, data)) });
  }
}
