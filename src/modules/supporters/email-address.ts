import { domainToASCII } from 'node:url';

/**
 * Email addresses as supporters type them.
 *
 * Two forms matter:
 * - the *normalised* address (`normaliseEmail`) is what we send mail to: trimmed, lower-cased,
 *   local part in Unicode NFC, domain in ASCII (punycode);
 * - the *canonical* address (`canonicalEmail`) is only used to spot duplicates: it folds the
 *   variants a provider delivers to one mailbox (dots, `+tags`) into one key. It is never used
 *   for sending, because not every variant is deliverable as written.
 *
 * Validation is deliberately stricter than RFC 5322: no quoted local parts, no comments, no IP
 * literals. Real supporters do not use those, and they complicate escaping everywhere downstream.
 * Everything here is pure, with no DNS or SMTP look-ups.
 */

/** RFC 5321: the local part is at most 64 octets. */
const MAX_LOCAL_OCTETS = 64;
/** RFC 5321: a forward path is at most 256 octets including the angle brackets. */
const MAX_ADDRESS_OCTETS = 254;
/** RFC 1035: the domain is at most 253 characters in its textual, dot-separated form. */
const MAX_DOMAIN_LENGTH = 253;
/** Anything longer than this is rejected before any further work is done on it. */
const MAX_INPUT_LENGTH = 1024;

/** Whitespace, separators and every "other" category (control, format such as zero-width joiners and bidi overrides, surrogates, private use, unassigned). */
const FORBIDDEN_CHARACTERS = /[\s\p{Z}\p{C}]/u;

/**
 * One dot-atom piece of the local part: RFC 5322 `atext` plus, for SMTPUTF8 (RFC 6531), Unicode
 * letters, combining marks and digits. Dots are handled separately (no leading, trailing or
 * consecutive dots), so they are not part of an atom.
 */
const LOCAL_ATOM = /^[a-z0-9!#$%&'*+\-/=?^_`{|}~\p{L}\p{M}\p{N}]+$/u;

/**
 * Characters allowed in the domain *before* IDNA conversion: letters, marks, digits, hyphens and
 * the dot plus its ideographic look-alikes, which IDNA maps to a dot. This keeps `%` escapes and
 * other URL host syntax away from `domainToASCII`, which would otherwise decode them.
 */
const UNICODE_DOMAIN = /^[\p{L}\p{M}\p{N}\-.\u3002\uFF0E\uFF61]+$/u;

/** An ASCII domain label (RFC 1123 host name rules). */
const ASCII_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

function utf8Length(value: string): number {
  return Buffer.byteLength(value, 'utf8');
}

function isValidLocalPart(local: string): boolean {
  if (local.length === 0 || utf8Length(local) > MAX_LOCAL_OCTETS) return false;
  // Splitting on dots yields an empty atom exactly when a dot leads, trails or is doubled.
  return local.split('.').every((atom) => LOCAL_ATOM.test(atom));
}

/** Returns the ASCII (punycode) domain, or null when it is not an acceptable host name. */
function asciiDomain(domain: string): string | null {
  // IP literals (`[192.0.2.1]`, `[IPv6:...]`) are refused outright.
  if (domain.length === 0 || !UNICODE_DOMAIN.test(domain)) return null;
  const ascii = domainToASCII(domain); // '' when IDNA processing fails
  if (ascii === '' || ascii.length > MAX_DOMAIN_LENGTH) return null;
  const labels = ascii.split('.');
  if (labels.length < 2) return null;
  if (!labels.every((label) => ASCII_LABEL.test(label))) return null;
  // An all-numeric last label is an IPv4 address (domainToASCII also turns `0x7f.1` into
  // `127.0.0.1`), never a real top-level domain.
  const tld = labels[labels.length - 1]!;
  if (/^[0-9]+$/.test(tld)) return null;
  return ascii;
}

/**
 * Validates and normalises an address typed by a supporter.
 *
 * Returns the address to send to (lower-cased, local part NFC-normalised, domain converted to
 * punycode), or null when the input is not an address we accept.
 */
export function normaliseEmail(input: string): string | null {
  if (typeof input !== 'string' || input.length > MAX_INPUT_LENGTH) return null;
  const trimmed = input.trim();
  if (trimmed.length === 0 || FORBIDDEN_CHARACTERS.test(trimmed)) return null;
  // Quoted local parts are refused, so there is no quoted '@' to account for: exactly one '@'.
  const parts = trimmed.split('@');
  if (parts.length !== 2) return null;
  const [rawLocal, rawDomain] = parts as [string, string];

  const local = rawLocal.normalize('NFC').toLowerCase();
  if (!isValidLocalPart(local)) return null;

  const domain = asciiDomain(rawDomain.toLowerCase());
  if (domain === null) return null;

  const address = `${local}@${domain}`;
  if (utf8Length(address) > MAX_ADDRESS_OCTETS) return null;
  return address;
}

interface ProviderRule {
  /** The domain the provider's aliases collapse to (e.g. googlemail.com → gmail.com). */
  readonly canonicalDomain?: string;
  /** The provider ignores dots in the local part. */
  readonly ignoresDots?: boolean;
  /** Everything from this character on is a sub-address (tag) the provider ignores. */
  readonly tagSeparator?: '+' | '-';
}

const PLUS_TAGS: ProviderRule = { tagSeparator: '+' };
const GMAIL: ProviderRule = { canonicalDomain: 'gmail.com', ignoresDots: true, tagSeparator: '+' };

/**
 * Mail providers that deliver several spellings of an address to the same mailbox.
 *
 * Why: a petition counts people, not strings. Gmail delivers `j.doe+x@gmail.com`,
 * `jdoe@googlemail.com` and `jdoe@gmail.com` to one inbox, and many providers ignore a
 * `+tag`; without folding these, one person could sign the same petition many times
 * (and confirm every signature from a single inbox).
 *
 * Only providers documented to behave this way are listed: folding addresses at a provider that
 * treats them as distinct mailboxes would wrongly merge different people. Other domains are left
 * alone, because on a private mail server `a+b` and `a` may well be different people.
 */
export const MAILBOX_ALIAS_PROVIDERS: ReadonlyMap<string, ProviderRule> = new Map<string, ProviderRule>([
  // Google: dots are ignored and `+tags` are sub-addresses; googlemail.com is the same service.
  ['gmail.com', GMAIL],
  ['googlemail.com', GMAIL],
  // Microsoft consumer mail: plus addressing.
  ['outlook.com', PLUS_TAGS],
  ['hotmail.com', PLUS_TAGS],
  ['live.com', PLUS_TAGS],
  ['msn.com', PLUS_TAGS],
  // Apple iCloud: plus addressing.
  ['icloud.com', PLUS_TAGS],
  ['me.com', PLUS_TAGS],
  ['mac.com', PLUS_TAGS],
  // Fastmail: plus addressing.
  ['fastmail.com', PLUS_TAGS],
  ['fastmail.fm', PLUS_TAGS],
  // Proton: plus addressing.
  ['protonmail.com', PLUS_TAGS],
  ['protonmail.ch', PLUS_TAGS],
  ['proton.me', PLUS_TAGS],
  ['pm.me', PLUS_TAGS],
  // Yandex and Mail.ru: plus addressing.
  ['yandex.ru', PLUS_TAGS],
  ['yandex.com', PLUS_TAGS],
  ['ya.ru', PLUS_TAGS],
  ['mail.ru', PLUS_TAGS],
  // Yahoo: disposable addresses take the form `base-keyword@yahoo.com`.
  ['yahoo.com', { tagSeparator: '-' }],
]);

function splitAddress(address: string): [local: string, domain: string] {
  const at = address.lastIndexOf('@');
  if (at < 0) return [address, ''];
  return [address.slice(0, at), address.slice(at + 1)];
}

/**
 * The form of a normalised address used for deduplication (never for sending).
 *
 * Expects the output of `normaliseEmail`; it lower-cases again so that it is idempotent and safe
 * on stored values, but performs no validation.
 */
export function canonicalEmail(normalised: string): string {
  const [rawLocal, domain] = splitAddress(normalised.toLowerCase());
  const rule = MAILBOX_ALIAS_PROVIDERS.get(domain);
  if (rule === undefined) return `${rawLocal}@${domain}`;

  let local = rawLocal;
  if (rule.tagSeparator !== undefined) {
    const tagAt = local.indexOf(rule.tagSeparator);
    // A local part that *starts* with the separator has no base to keep; leave it as typed.
    if (tagAt > 0) local = local.slice(0, tagAt);
  }
  if (rule.ignoresDots) {
    const undotted = local.replaceAll('.', '');
    if (undotted.length > 0) local = undotted;
  }
  return `${local}@${rule.canonicalDomain ?? domain}`;
}

/** The domain of a normalised address (the part after the last '@'), e.g. for per-domain rate limits. */
export function emailDomain(normalised: string): string {
  return splitAddress(normalised)[1];
}
