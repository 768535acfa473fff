/**
 * Characters that hide or reorder text: C0 and C1 controls other than tab and line feed (so a
 * carriage return too), zero-width characters, line and paragraph separators, direction overrides
 * and isolates, and the byte-order mark. They hide text in letters, admin views and exports, and
 * have no place in anything typed. One list for every place text comes in: a supporter's fields
 * and letters are stripped of them (rendering strips again, for text that came in another way);
 * staff texts are refused when they hold one.
 */
const HIDDEN_CHARACTER = '[\\u0000-\\u0008\\u000B-\\u001F\\u007F-\\u009F\\u200B-\\u200F\\u2028-\\u202E\\u2060-\\u2069\\uFEFF]';
const EVERY_HIDDEN = new RegExp(HIDDEN_CHARACTER, 'g');
const ANY_HIDDEN = new RegExp(HIDDEN_CHARACTER);

export function stripHiddenCharacters(value: string): string {
  return value.replace(EVERY_HIDDEN, '');
}

export function hasHiddenCharacters(value: string): boolean {
  return ANY_HIDDEN.test(value);
}
