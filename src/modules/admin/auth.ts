import type { Request, RequestHandler, Response } from 'express';
import type { Platform } from '../../platform/context';
import type { Db } from '../../platform/db';
import { AppError } from '../../platform/errors';
import type { Role } from './admin.schemas';
import { resolveBearer, resolveSession, roleAtLeast, type AdminPrincipal } from './admin.service';
import { staffContext, type StaffUseCase } from './use-case';

export const SESSION_COOKIE = 'clarion_admin';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The admin API's guard. `requireRole(min)` admits a bearer token (an API token or the bootstrap
 * ADMIN_API_TOKEN) or a session cookie whose role is at least `min`. Cookie-authenticated writes
 * must also carry the session's CSRF token in X-CSRF-Token: a browser sends the cookie on a
 * cross-site form post, but the page cannot read the token. Bearer requests need none: a browser
 * never adds an Authorization header by itself.
 *
 * Use it per route, not router.use(): feature routers are mounted at the root.
 */
export function adminAuth(platform: Pick<Platform, 'db' | 'config'>) {
  const authenticate = async (req: Request): Promise<AdminPrincipal> => {
    const header = req.get('authorization');
    if (header !== undefined) {
      const token = /^Bearer ([\x21-\x7e]{1,512})$/i.exec(header)?.[1];
      const principal = token ? await resolveBearer(platform.db, platform.config, token) : null;
      if (!principal) throw new AppError('unauthorised', { key: 'staff.tokenNotValid' });
      return principal;
    }
    const cookie = readCookie(req, SESSION_COOKIE);
    const principal = cookie && /^[A-Za-z0-9_-]{43}$/.test(cookie) ? await resolveSession(platform.db, platform.config, cookie) : null;
    if (!principal) throw new AppError('unauthorised', { key: 'staff.logIn' });
    if (!SAFE_METHODS.has(req.method) && req.get('x-csrf-token') !== principal.csrfToken) {
      throw new AppError('forbidden', { key: 'staff.csrf' });
    }
    return principal;
  };

  const requireRole =
    (min: Role): RequestHandler =>
    async (req, res, next) => {
      let principal: AdminPrincipal;
      try {
        principal = await authenticate(req);
      } catch (error) {
        if (error instanceof AppError && error.code === 'unauthorised') res.setHeader('WWW-Authenticate', 'Bearer realm="clarion-admin"');
        throw error;
      }
      if (!roleAtLeast(principal.role, min)) throw new AppError('forbidden', { key: 'staff.needsRole', params: { role: min } });
      res.locals.admin = principal;
      next();
    };

  /**
   * Exports of supporters' personal data: any role, but only with the export permission (by
   * default editors and owners; see exportAllowed). Viewers see figures, not people.
   */
  const requireExport: RequestHandler = async (req, res, next) => {
    await requireRole('viewer')(req, res, () => undefined);
    if (!adminActor(res).canExport) {
      throw new AppError('forbidden', { key: 'staff.needsExport' });
    }
    next();
  };

  return { requireRole, requireExport };
}

/** The principal `requireRole` admitted; for handlers behind it. */
export function adminActor(res: Response): AdminPrincipal {
  const principal = res.locals.admin as AdminPrincipal | undefined;
  if (!principal) throw new AppError('unauthorised');
  return principal;
}

/** The use-case context of an admin request: the principal `requireRole` admitted, answering in English. */
export function staffContextOf<P extends { db: Db }>(platform: P, res: Response): StaffUseCase<P> {
  return staffContext(platform, adminActor(res));
}

function readCookie(req: Request, name: string): string | undefined {
  const header = req.get('cookie');
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
