/**
 * The display name a letter is sent From: the supporter's name, always followed by "via" and the
 * campaign's sender name, so that nobody can pose as an official ("Ministry of Foreign Affairs"
 * still reads "… via UN Watch campaign"). What the supporter typed is reduced to plain words:
 * compatibility forms folded (NFKC: full-width and styled letters), no control, format or
 * bidirectional characters (which can reorder what a mail client shows), no quotes, angle
 * brackets, @ or other address punctuation, nothing shaped like an address or a domain, and at
 * most NAME_MAX characters.
 */
const NAME_MAX = 40;
const INVISIBLE_OR_CONTROL = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/gu;
const ADDRESS_PUNCTUATION = /["'`<>@,;:()[\]\\/|{}=+*&%$#!?~^\u2018\u2019\u201A\u201B\u201C\u201D\u201E\u201F\u2039\u203A\u00AB\u00BB\uFF02\uFF07]/gu;
/** A word with a dot between letters or digits: a domain (gov.kz), an address's part, a URL. */
const DOMAIN_LIKE = /\S*[\p{L}\p{N}]\.[\p{L}\p{N}]\S*/gu;

export function supporterDisplayName(typed: string, fallback: string): string {
  const cleaned = typed
    .normalize('NFKC')
    .replace(INVISIBLE_OR_CONTROL, ' ')
    .replace(DOMAIN_LIKE, ' ')
    .replace(ADDRESS_PUNCTUATION, ' ')
    .replace(/\s+/gu, ' ')
    .trim();
  const bounded = [...cleaned].slice(0, NAME_MAX).join('').trim();
  return bounded === '' ? fallback : bounded;
}

export function letterFromName(typedName: string, campaignSenderName: string, fallback = 'A supporter'): string {
  return `${supporterDisplayName(typedName, fallback)} via ${supporterDisplayName(campaignSenderName, 'Clarion')}`;
}
