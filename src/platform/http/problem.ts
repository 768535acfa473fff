import type { ErrorRequestHandler, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { ZodError } from 'zod';
import { EnvelopeRefused } from '../crypto';
import { AppError, type FieldError } from '../errors';
import type { Logger } from '../logger';
import { unavailableDependency } from '../unavailable';
import { isLocale, translator } from '../i18n';
import { SHARED_VIEWS_DIR, Views } from '../views';
import { problemFor, type Problem } from './problem-document';
import { localiseProblem, problemLocaleOf } from './problem-i18n';

export { problemFor, type Problem } from './problem-document';

/**
 * Answers in the request's language (problem-i18n.ts); `issueCodes` are the zod issue codes behind
 * `problem.errors`, for field-specific translations.
 */
export function sendProblem(res: Response, problem: Problem, issueCodes: ReadonlyArray<string | undefined> = []): void {
  const locale = problemLocaleOf(res.req);
  const answer = localiseProblem(problem, locale, issueCodes);
  if (!res.headersSent) res.vary('Accept-Language').set('Content-Language', locale);
  res.status(answer.status).type('application/problem+json').send(JSON.stringify(answer));
}

/** The zod issue code behind each entry of `fieldErrorsOf(error)`, in the same order. */
export function fieldIssueCodesOf(error: ZodError): string[] {
  return error.issues.flatMap((issue) => (issue.code === 'unrecognized_keys' ? issue.keys.map(() => issue.code) : [issue.code]));
}

export function fieldErrorsOf(error: ZodError): FieldError[] {
  return error.issues.flatMap((issue) => {
    // An unknown key is reported on its parent object; name each key itself (`consent.marketing`).
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: [...issue.path, key].join('.'), message: 'is not a known field' }));
    }
    return [{ field: issue.path.length ? issue.path.join('.') : '(body)', message: issue.message }];
  });
}

/** Body-parser failures carry a `type`; they are the client's fault and must not become 500s. */
function problemForParserError(error: { type?: string; status?: number }): Problem | undefined {
  switch (error.type) {
    case 'entity.too.large': return problemFor('payload_too_large', 'The body is larger than this endpoint accepts (16 KB).');
    case 'entity.parse.failed': return problemFor('malformed_body', 'The body is not valid JSON.');
    case 'encoding.invalid': return problemFor('malformed_body', 'The body is not valid UTF-8 (or has a percent-escape that is not).');
    case 'charset.unsupported':
    case 'encoding.unsupported': return problemFor('unsupported_media_type', 'Use UTF-8 JSON or form encoding.');
    case 'parameters.too.many': return problemFor('payload_too_large', 'Too many form fields.');
    default:
      if (error.status === 404) return problemFor('not_found', 'No such resource.');
      return error.status && error.status >= 400 && error.status < 500 ? problemFor('validation_failed', 'The request could not be read.') : undefined;
  }
}

const UNAVAILABLE_DETAIL = 'The service is overloaded or briefly unavailable. Try again after the time in Retry-After.';
const views = new Views([SHARED_VIEWS_DIR]);

/**
 * A browser's page request (a supporter pressing the confirm button) gets a page that says to
 * try again, in the page's language: the form's `locale` field or `?lang=`, else Accept-Language
 * (the link's own language is in the database, which may be what is down).
 */
function sendUnavailablePage(req: Parameters<ErrorRequestHandler>[1], res: Parameters<ErrorRequestHandler>[2]): void {
  const fromBody = req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>).locale : undefined;
  const locale = isLocale(fromBody) ? fromBody : problemLocaleOf(req);
  res.status(503).set('Cache-Control', 'no-store').type('html').send(views.page('unavailable', { title: translator(locale)('common.unavailable.title'), locale }));
}

function wantsPage(req: Parameters<ErrorRequestHandler>[1]): boolean {
  return !req.path.startsWith('/api/') && req.path !== '/metrics' && (req.accepts(['html', 'json']) === 'html');
}

export function errorMiddleware(logger: Logger, retryAfterSeconds = 5): ErrorRequestHandler {
  let lastOverloadLog = 0;
  return (error, req, res, _next) => {
    const dependency = unavailableDependency(error);
    if (dependency) {
      // Overload comes in floods: one warning a second is enough to see it, with its cause.
      if (Date.now() - lastOverloadLog > 1000) {
        lastOverloadLog = Date.now();
        logger.warn({ dependency, reason: error instanceof Error ? error.message.slice(0, 200) : String(error), requestId: req.id }, 'answered 503: dependency unavailable');
      }
      if (res.headersSent) return res.end();
      res.setHeader('Retry-After', String(retryAfterSeconds));
      if (wantsPage(req)) return sendUnavailablePage(req, res);
      return sendProblem(res, problemFor('unavailable', UNAVAILABLE_DETAIL));
    }
    let problem: Problem | undefined;
    let issueCodes: string[] = [];
    if (error instanceof EnvelopeRefused) {
      // Data copied between rows or tampered with: an operator must hear of it, the client not why.
      logger.error({ sealedColumn: error.sealedColumn, reason: error.reason, requestId: req.id }, 'sealed data refused');
    }
    if (error instanceof AppError) problem = problemFor(error.code, error.detail, error.errors);
    else if (error instanceof ZodError) {
      problem = problemFor('validation_failed', 'Some fields are not valid.', fieldErrorsOf(error));
      issueCodes = fieldIssueCodesOf(error);
    }
    else if (error && typeof error === 'object') problem = problemForParserError(error as { type?: string; status?: number });

    if (!problem) {
      // Only the id crosses to the client; the log gets the error (never the request body).
      const errorId = randomUUID();
      logger.error({ err: error, errorId, requestId: req.id }, 'unhandled error');
      problem = { ...problemFor('internal', `Something went wrong on our side. Reference: ${errorId}.`), instance: `urn:uuid:${errorId}` };
    }
    if (res.headersSent) return res.end();
    sendProblem(res, problem, issueCodes);
  };
}
