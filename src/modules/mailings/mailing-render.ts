import type { Platform } from '../../platform/context';
import { DEFAULT_LOCALE, isLocale, translator } from '../../platform/i18n';
import { findLocalisedTexts } from '../campaigns';
import { compileMailingTemplate } from '../letters';
import type { CampaignForMail, MailingRow } from './mailings.repository';

export interface RenderedMailing {
  language: string;
  subject: string;
  text: string;
  html: string;
}

/**
 * Renders a mailing for one recipient: the version in their language, else the mailing's main
 * one; the campaign's title in that language when it has the translation; then the footer with
 * why they receive it and the visible unsubscribe link. No tracking: no pixel, no rewritten link.
 */
export class MailingRenderer {
  private readonly compiled = new Map<string, ReturnType<typeof compileMailingTemplate>>();
  private readonly titles = new Map<string, string>();
  /** Per language: the translator and the footer's first line, made once per run (not per recipient). */
  private readonly footers = new Map<string, { t: ReturnType<typeof translator>; why: string }>();

  constructor(
    private readonly platform: Platform,
    private readonly mailing: Pick<MailingRow, 'language' | 'versions'>,
    private readonly campaign: CampaignForMail,
  ) {}

  async render(language: string, supporterName: string, unsubscribeLink: string): Promise<RenderedMailing> {
    const version =
      this.mailing.versions.find((v) => v.language === language) ??
      this.mailing.versions.find((v) => v.language === this.mailing.language) ??
      this.mailing.versions[0]!;
    let render = this.compiled.get(version.language);
    if (!render) this.compiled.set(version.language, (render = compileMailingTemplate(version)));
    const title = await this.titleIn(version.language);
    const body = render({ campaign: { title, slug: this.campaign.slug }, supporter: { name: supporterName } });
    const { t, why } = this.footerIn(version.language, title);
    const unsubscribe = t('email.unsubscribe', { link: unsubscribeLink });
    return {
      language: version.language,
      subject: body.subject,
      text: `${body.text.trimEnd()}\n\n-- \n${why}\n${unsubscribe}\n`,
      html:
        `${body.html}\n<hr>\n<p style="font-size:small;color:#555">${esc(why)}<br>\n` +
        `<a href="${esc(unsubscribeLink)}">${esc(t('email.unsubscribeLabel'))}</a></p>\n`,
    };
  }

  private footerIn(language: string, title: string): { t: ReturnType<typeof translator>; why: string } {
    let footer = this.footers.get(language);
    if (!footer) {
      const t = translator(isLocale(language) ? language : DEFAULT_LOCALE);
      this.footers.set(language, (footer = { t, why: t('email.mailing.footer', { title }) }));
    }
    return footer;
  }

  private async titleIn(language: string): Promise<string> {
    let title = this.titles.get(language);
    if (title === undefined) {
      title =
        language === this.campaign.language
          ? this.campaign.title
          : ((await findLocalisedTexts(this.platform.db, this.campaign.id, language))?.title ?? this.campaign.title);
      this.titles.set(language, title);
    }
    return title;
  }
}

/** HTML text and attribute escaping (Handlebars' also escapes `=`, which spoils a URL's query in some clients). */
function esc(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
