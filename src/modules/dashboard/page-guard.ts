import type { Request, RequestHandler, Response } from 'express';
import { AppError } from '../../platform/errors';
import { adminActor, type AdminPrincipal, type Role } from '../admin';

type RequireRole = (min: Role) => RequestHandler;

/** Where the login page may send a staff member back to: our own admin pages, nothing else. */
export function safeNext(value: unknown): string {
  return typeof value === 'string' && /^\/admin(?:\/[A-Za-z0-9._~/-]*)?$/.test(value) && !value.includes('//') ? value : '/admin';
}

/**
 * The admin API's guard, for pages: a browser without a session is sent to the login page (and
 * back afterwards) instead of getting a 401 it cannot act on. A role too low stays a 403 problem.
 *
 * `asSafeRead` runs the guard as for a GET: for the queue board's own API, whose page cannot send
 * our X-CSRF-Token; the caller must then check the request's origin itself (see queue-board.ts).
 */
export function pageGuard(requireRole: RequireRole, min: Role, options: { asSafeRead?: boolean } = {}): RequestHandler {
  const check = requireRole(min);
  return async (req, res, next) => {
    try {
      await runGuard(check, options.asSafeRead ? readOnlyView(req) : req, res);
    } catch (error) {
      if (error instanceof AppError && error.code === 'unauthorised' && wantsPage(req)) {
        res.removeHeader('WWW-Authenticate');
        res.redirect(303, `/admin/login?next=${encodeURIComponent(safeNext(req.originalUrl.split('?')[0]))}`);
        return;
      }
      throw error;
    }
    next();
  };
}

function runGuard(check: RequestHandler, req: Request, res: Response): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    Promise.resolve(check(req, res, (error?: unknown) => (error ? reject(error) : resolve()))).catch(reject);
  });
}

/** The same request, seen as a GET (headers, cookies and everything else unchanged). */
function readOnlyView(req: Request): Request {
  return Object.create(req, { method: { value: 'GET' } }) as Request;
}

function wantsPage(req: Request): boolean {
  return (req.method === 'GET' || req.method === 'HEAD') && req.accepts(['html', 'json']) === 'html';
}

export function pageActor(res: Response): AdminPrincipal {
  return adminActor(res);
}
