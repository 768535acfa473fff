import type { ErrorCode, FieldError, ProblemText } from '../errors';

/** RFC 9457 problem details: the one shape of every error this API answers. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  code: ErrorCode;
  errors?: FieldError[];
  instance?: string;
}

/**
 * A problem before it has a language: its code, what it says (a catalogue key) and its fields.
 * `issueCodes[i]` is the zod issue code behind `errors[i]`, when there is one.
 */
export interface ProblemSource {
  code: ErrorCode;
  text?: ProblemText;
  errors?: FieldError[];
  issueCodes?: ReadonlyArray<string | undefined>;
  instance?: string;
}

export function problemFor(code: ErrorCode, text?: ProblemText, errors: FieldError[] = []): ProblemSource {
  return { code, ...(text ? { text } : {}), ...(errors.length ? { errors } : {}) };
}
