import Handlebars from 'handlebars';
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_LOCALE, isLocale, translator, type Locale, type Translate } from './i18n';

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
    // {{t "page.key" name=value}}: the text in the page's `locale` (root data), escaped like any value.
    this.engine.registerHelper('t', (key: unknown, options: Handlebars.HelperOptions) => {
      const root = (options.data as { root?: { locale?: unknown } } | undefined)?.root;
      return translate(isLocale(root?.locale) ? root.locale : DEFAULT_LOCALE)(String(key), options.hash as Record<string, string | number>);
    });
  }

  render(name: string, data: object): string {
    let template = this.cache.get(name);
    if (!template) {
      const file = this.roots.map((root) => path.join(root, `${name}.hbs`)).find((candidate) => fs.existsSync(candidate));
      if (!file) throw new Error(`no template "${name}" in ${this.roots.join(', ')}`);
      // Plain-text emails are not HTML: escaping would print a name like O'Brien as O&#x27;Brien.
      template = this.engine.compile(fs.readFileSync(file, 'utf8'), { noEscape: name.endsWith('.text') });
      this.cache.set(name, template);
    }
    return template(data);
  }

  /** A page inside the shared layout, in `data.locale` (English when absent). */
  page(name: string, data: { title: string; locale?: Locale; [key: string]: unknown }): string {
    const full = { ...data, locale: data.locale ?? DEFAULT_LOCALE };
    return this.render('layout', { ...full, body: new Handlebars.SafeString(this.render(name, full)) });
  }
}

const translators = new Map<Locale, Translate>();
function translate(locale: Locale): Translate {
  let t = translators.get(locale);
  if (!t) translators.set(locale, (t = translator(locale)));
  return t;
}
