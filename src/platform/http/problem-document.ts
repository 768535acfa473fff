import { errorCodes, type ErrorCode, type FieldError } from '../errors';

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

export function problemFor(code: ErrorCode, detail?: string, errors: FieldError[] = []): Problem {
  const { status, title } = errorCodes[code];
  return { type: `urn:clarion:problem:${code}`, title, status, code, ...(detail ? { detail } : {}), ...(errors.length ? { errors } : {}) };
}
