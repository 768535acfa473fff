import { englishOf, type ProblemKey, type ProblemText } from './errors';
import type { TranslationParams } from './i18n';

/**
 * zod messages named by catalogue key. zod carries a message as a string, so `msg` makes the
 * English from the catalogue and remembers which key (and parameters) made it; the problem layer
 * reads the key back with `textOfMessage`, an exact lookup of a string this module produced, and
 * translates by key. A schema therefore holds no English of its own: rewording a catalogue entry
 * rewords every language at once, and a message typed as English (not through `msg`) has no key,
 * which tests/unit/platform/schema-messages.test.ts refuses in supporter-facing schemas.
 */
const textByEnglish = new Map<string, ProblemText>();

export type MessageKey = Extract<ProblemKey, `problems.message.${string}`>;

/** `z.string().max(100, msg('problems.message.maxChars', { max: 100 }))`. */
export function msg(key: MessageKey, params?: TranslationParams): string {
  const text: ProblemText = params ? { key, params } : { key };
  const english = englishOf(text);
  // Two texts that read the same in English are the same message; the first one's key stays.
  if (!textByEnglish.has(english)) textByEnglish.set(english, text);
  return english;
}

/** The catalogue text behind a zod message that `msg` made, or undefined for any other string. */
export function textOfMessage(message: string): ProblemText | undefined {
  return textByEnglish.get(message);
}

/**
 * `z.string(isRequired)`: "is required" for a missing or mistyped value only. A message given to
 * the type itself (`z.string({ error: '…' })`) would also name every check without one of its
 * own, so a 65-character value would be "required".
 */
export const isRequired = { error: (issue: { code: string }) => (issue.code === 'invalid_type' ? msg('problems.message.isRequired') : undefined) };
