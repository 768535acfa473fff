import { translator, type TranslationParams } from './i18n';
import type problemsCatalogue from '../locales/en/problems.json';
import type staffCatalogue from '../locales/en/staff.json';

/**
 * The one error type domain code throws. Services name what went wrong with a code; only the
 * HTTP error middleware turns codes into statuses (see `problem.ts`). The title of each code is
 * the catalogue's `problems.title.<code>`.
 */
export const errorCodes = {
  validation_failed: { status: 400 },
  malformed_body: { status: 400 },
  unsupported_media_type: { status: 415 },
  payload_too_large: { status: 413 },
  not_found: { status: 404 },
  campaign_not_found: { status: 404 },
  campaign_not_open: { status: 409 },
  unknown_consent_wording: { status: 422 },
  token_invalid: { status: 400 },
  token_expired: { status: 410 },
  rate_limited: { status: 429 },
  proof_of_work_failed: { status: 400 },
  unauthorised: { status: 401 },
  forbidden: { status: 403 },
  csv_invalid: { status: 422 },
  template_invalid: { status: 422 },
  target_not_found: { status: 404 },
  letter_not_found: { status: 404 },
  no_targets: { status: 422 },
  conflict: { status: 409 },
  /** Stored data that does not open for its row (copied from another row, or tampered with): not the caller's doing, but no 500 either. */
  sealed_data_refused: { status: 409 },
  method_not_allowed: { status: 405 },
  not_ready: { status: 503 },
  unavailable: { status: 503 },
  internal: { status: 500 },
} as const satisfies Record<string, { status: number }>;

export type ErrorCode = keyof typeof errorCodes;

/**
 * What an error says, as a catalogue key and its parameters, never as English typed at the throw
 * site: English comes from the catalogue like every other language, so rewording a text cannot
 * lose its translations. `problems.*` keys are said to supporters, in en, ru and kk;
 * `staff.*` keys only to staff tools and scripts, which are answered in English.
 */
/** A plural's forms (`x.one`, `x.other`) are one key, `x`, chosen by its `count` parameter. */
type WithoutPluralForm<K> = K extends `${infer Base}.${'zero' | 'one' | 'two' | 'few' | 'many' | 'other'}` ? Base : K;
type PublicKey = `problems.${WithoutPluralForm<Exclude<keyof typeof problemsCatalogue, `title.${string}` | `issue.${string}` | `field.${string}`> & string>}`;
type StaffKey = `staff.${WithoutPluralForm<keyof typeof staffCatalogue & string>}`;
export type ProblemKey = PublicKey | StaffKey;

export interface ProblemText {
  key: ProblemKey;
  params?: TranslationParams;
}

export interface FieldError {
  /** JSON-pointer-like path of the field, e.g. `consent.wording`. */
  field: string;
  /** In English; answers in another language translate `text` (or, for zod's issues, the issue code). */
  message: string;
  /** For errors in an uploaded file (a CSV import): the line, as an editor numbers it (header = 1). */
  line?: number;
  /** The catalogue text behind `message`, when an AppError named one. */
  text?: ProblemText;
}

export function englishOf(text: ProblemText): string {
  return translator('en')(text.key, text.params ?? {});
}

/** A field's error, said by key: `fieldError('targets', 'problems.message.matchesNoDelegation')`. */
export function fieldError(field: string, key: ProblemKey, params?: TranslationParams): FieldError {
  const text: ProblemText = params ? { key, params } : { key };
  return { field, message: englishOf(text), text };
}

export class AppError extends Error {
  /** In English, from the catalogue: for logs of staff tools and for the CLI. */
  readonly detail: string | undefined;

  constructor(
    readonly code: ErrorCode,
    readonly text?: ProblemText,
    readonly errors: FieldError[] = [],
  ) {
    const detail = text ? englishOf(text) : undefined;
    super(detail ?? code);
    this.detail = detail;
    this.name = 'AppError';
  }
}
