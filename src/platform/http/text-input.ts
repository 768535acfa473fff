import type { IncomingMessage } from 'node:http';
import { isUtf8 } from 'node:buffer';
import type { RequestHandler } from 'express';
import { AppError, fieldError, type FieldError } from '../errors';

/**
 * Text no field of any operation may hold, checked once at the edge for the path, the query and
 * the parsed body, so no route can forget it: NUL (PostgreSQL refuses it in text, error 22021) and
 * unpaired UTF-16 surrogates (not Unicode text at all; Prisma's JSON and PostgreSQL refuse them).
 * Such a request is refused with a 400 naming the field, before anything reads or writes it; we
 * reject rather than strip, so a stored value is always exactly what was sent.
 */
const UNSAFE_TEXT = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function hasUnsafeText(value: string): boolean {
  return UNSAFE_TEXT.test(value);
}

/** decodeURIComponent that reports failure (a lone `%`, bytes that are not UTF-8) instead of throwing. */
function strictDecode(value: string): string | null {
  try {
    return decodeURIComponent(value);
  } catch {
    return null;
  }
}

/** The first problem in a `name=value&…` string (a query or a form body), or null. */
function formEncodedProblem(encoded: string, where: string): FieldError | null {
  for (const pair of encoded.split('&')) {
    if (pair === '') continue;
    const at = pair.indexOf('=');
    const rawName = at < 0 ? pair : pair.slice(0, at);
    const name = strictDecode(rawName.replaceAll('+', ' '));
    const value = at < 0 ? '' : strictDecode(pair.slice(at + 1).replaceAll('+', ' '));
    // A field name is repeated in the answer only when it is made of ordinary characters (safeFieldName).
    if (name === null || value === null) return fieldError(where, 'problems.message.notPercentEncodedUtf8');
    if (hasUnsafeText(name)) return fieldError(where, 'problems.message.unsafeFieldName');
    if (hasUnsafeText(value)) return fieldError(safeFieldName(name, where), 'problems.message.unsafeText');
  }
  return null;
}

function formDecodes(encoded: string): boolean {
  return encoded.split(/[&=]/).every((part) => strictDecode(part.replaceAll('+', ' ')) !== null);
}

/** A field name fit for an error message: only names made of ordinary characters are repeated. */
function safeFieldName(name: string, fallback: string): string {
  return /^[A-Za-z0-9_.[\]-]{1,64}$/.test(name) ? name : fallback;
}

function pathProblem(rawPath: string): FieldError | null {
  for (const segment of rawPath.split('/')) {
    const decoded = strictDecode(segment);
    if (decoded === null) return fieldError('(path)', 'problems.message.notPercentEncodedUtf8');
    if (hasUnsafeText(decoded)) return fieldError('(path)', 'problems.message.unsafeText');
  }
  return null;
}

/** Walks a parsed body without recursion (a 16 KB body can nest thousands of levels deep). */
function bodyProblem(body: unknown): FieldError | null {
  const pending: Array<{ value: unknown; path: string }> = [{ value: body, path: '' }];
  while (pending.length > 0) {
    const { value, path } = pending.pop()!;
    if (typeof value === 'string') {
      if (hasUnsafeText(value)) return fieldError(path || '(body)', 'problems.message.unsafeText');
    } else if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        if (hasUnsafeText(key)) return fieldError(path || '(body)', 'problems.message.unsafeFieldName');
        pending.push({ value: child, path: path ? `${path}.${safeFieldName(key, '?')}` : safeFieldName(key, '?') });
      }
    }
  }
  return null;
}

/** After the body parsers, before every router: refuses unsafe text anywhere in the request. */
export function refuseUnsafeText(): RequestHandler {
  return (req, _res, next) => {
    const url = req.originalUrl;
    const queryAt = url.indexOf('?');
    const problem =
      pathProblem(queryAt < 0 ? url : url.slice(0, queryAt)) ??
      (queryAt < 0 ? null : formEncodedProblem(url.slice(queryAt + 1), '(query)')) ??
      bodyProblem(req.body);
    if (problem) throw new AppError('validation_failed', { key: 'problems.detail.textNotStorable' }, [problem]);
    next();
  };
}

/** An error body-parser passes on with our type, mapped to a 400 in problem.ts. */
class InvalidEncoding extends Error {
  readonly type = 'encoding.invalid';
  readonly status = 400;
}

/**
 * body-parser's `verify` hook: the raw bytes must be UTF-8 (the parsers would silently turn invalid
 * bytes into U+FFFD), and a form's percent-escapes must decode to UTF-8 too (qs keeps a bad escape
 * as literal text).
 */
export function verifyUtf8Body(req: IncomingMessage, _res: unknown, buffer: Buffer): void {
  if (!isUtf8(buffer)) throw new InvalidEncoding('The body is not valid UTF-8.');
  const type = req.headers['content-type'] ?? '';
  if (/^application\/x-www-form-urlencoded/i.test(type) && !formDecodes(buffer.toString('utf8'))) {
    throw new InvalidEncoding('The form body is not valid percent-encoded UTF-8.');
  }
}
