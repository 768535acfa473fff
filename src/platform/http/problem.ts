import type { ErrorRequestHandler, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { ZodError } from 'zod';
import { EnvelopeRefused } from '../crypto';
import { AppError, fieldError, type FieldError } from '../errors';
import type { Logger } from '../logger';
import { unavailableDependency } from '../unavailable';
import { isLocale, translator } from '../i18n';
import { textOfMessage } from '../schema-messages';
import { SHARED_VIEWS_DIR, Views } from '../views';
import { problemFor, type ProblemSource } from './problem-document';
import { problemLocaleOf, renderProblem } from './problem-i18n';

export { problemFor, type Problem, type ProblemSource } from './problem-document';

/** Answers in the request's language (problem-i18n.ts). */
export function sendProblem(res: Response, source: ProblemSource): void {
  const locale = problemLocaleOf(res.req);
  const answer = renderProblem(source, locale);
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
      return issue.keys.map((key) => fieldError([...issue.path, key].join('.'), 'problems.message.notKnownField'));
    }
    const field = issue.path.length ? issue.path.join('.') : '(body)';
    const text = textOfMessage(issue.message);
    return [text ? { field, message: issue.message, text } : { field, message: issue.message }];
  });
}

/** Body-parser failures carry a `type`; they are the client's fault and must not become 500s. */
function problemForParserError(error: { type?: string; status?: number }): ProblemSource | undefined {
  switch (error.type) {
    case 'entity.too.large':
      return problemFor('payload_too_large', { key: 'problems.detail.bodyTooLarge' });
    case 'entity.parse.failed':
      return problemFor('malformed_body', { key: 'problems.detail.bodyNotJson' });
    case 'encoding.invalid':
      return problemFor('malformed_body', { key: 'problems.detail.bodyNotUtf8' });
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return problemFor('unsupported_media_type', { key: 'problems.detail.useUtf8' });
    case 'parameters.too.many':
      return problemFor('payload_too_large', { key: 'problems.detail.tooManyFormFields' });
    default:
      if (error.status === 404) return problemFor('not_found', { key: 'problems.detail.noSuchResource' });
      return error.status && error.status >= 400 && error.status < 500
        ? problemFor('validation_failed', { key: 'problems.detail.requestUnreadable' })
        : undefined;
  }
}
const views = new Views([SHARED_VIEWS_DIR]);

/**
 * A browser's page request (a supporter pressing the confirm button) gets a page that says to
 * try again, in the page's language: the form's `locale` field or `?lang=`, else Accept-Language
 * (the link's own language is in the database, which may be what is down).
 */
function sendUnavailablePage(req: Parameters<ErrorRequestHandler>[1], res: Parameters<ErrorRequestHandler>[2]): void {
  const fromBody = req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>).locale : undefined;
  const locale = isLocale(fromBody) ? fromBody : problemLocaleOf(req);
  res
    .status(503)
    .set('Cache-Control', 'no-store')
    .type('html')
    .send(views.page('unavailable', { title: translator(locale)('common.unavailable.title'), locale }));
}

function wantsPage(req: Parameters<ErrorRequestHandler>[1]): boolean {
  return !req.path.startsWith('/api/') && req.path !== '/metrics' && req.accepts(['html', 'json']) === 'html';
}

export function errorMiddleware(logger: Logger, retryAfterSeconds = 5): ErrorRequestHandler {
  let lastOverloadLog = 0;
  return (error, req, res, _next) => {
    const dependency = unavailableDependency(error);
    if (dependency) {
      // Overload comes in floods: one warning a second is enough to see it, with its cause.
      if (Date.now() - lastOverloadLog > 1000) {
        lastOverloadLog = Date.now();
        logger.warn(
          { dependency, reason: error instanceof Error ? error.message.slice(0, 200) : String(error), requestId: req.id },
          'answered 503: dependency unavailable',
        );
      }
      if (res.headersSent) return res.end();
      res.setHeader('Retry-After', String(retryAfterSeconds));
      if (wantsPage(req)) return sendUnavailablePage(req, res);
      return sendProblem(res, problemFor('unavailable', { key: 'problems.detail.unavailable' }));
    }
    let problem: ProblemSource | undefined;
    if (error instanceof EnvelopeRefused) {
      // Data copied between rows or tampered with: an operator must hear of it, the client not why.
      logger.error({ sealedColumn: error.sealedColumn, reason: error.reason, requestId: req.id }, 'sealed data refused');
    }
    if (error instanceof AppError) problem = problemFor(error.code, error.text, error.errors);
    else if (error instanceof ZodError) {
      problem = { ...problemFor('validation_failed', { key: 'problems.detail.fieldsNotValid' }, fieldErrorsOf(error)), issueCodes: fieldIssueCodesOf(error) };
    } else if (error && typeof error === 'object') problem = problemForParserError(error as { type?: string; status?: number });

    if (!problem) {
      // Only the id crosses to the client; the log gets the error (never the request body).
      const errorId = randomUUID();
      logger.error({ err: error, errorId, requestId: req.id }, 'unhandled error');
      problem = { ...problemFor('internal', { key: 'problems.detail.internal', params: { reference: errorId } }), instance: `urn:uuid:${errorId}` };
    }
    if (res.headersSent) return res.end();
    sendProblem(res, problem);
  };
}
