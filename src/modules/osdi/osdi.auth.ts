import type { RequestHandler, Response } from 'express';
import type { Platform } from '../../platform/context';
import type { Db } from '../../platform/db';
import { AppError } from '../../platform/errors';
import { resolveApiToken, staffContext, type AdminPrincipal, type StaffUseCase, type TokenScope } from '../admin';

/** The OSDI header: clients such as Parsons and Action Network's libraries send the token in it. */
export const TOKEN_HEADER = 'OSDI-API-Token';

/**
 * Admits a request whose OSDI-API-Token is an API token (POST /api/admin/tokens) holding `scope`.
 * The bootstrap ADMIN_API_TOKEN is not one: it has no account to audit a read of people against.
 */
export function requireScope(platform: Platform, scope: TokenScope): RequestHandler {
  return async (req, res, next) => {
    const header = req.get(TOKEN_HEADER);
    const token = header && /^[\x21-\x7e]{1,512}$/.test(header) ? header : null;
    const principal = token ? await resolveApiToken(platform.db, platform.config, token).catch(() => null) : null;
    if (!principal || principal.bootstrap || !principal.scopes?.includes(scope)) {
      res.setHeader('WWW-Authenticate', `${TOKEN_HEADER} realm="clarion-osdi"`);
      throw new AppError(principal ? 'forbidden' : 'unauthorised', { key: 'staff.osdiToken', params: { scope } });
    }
    // People are personal data: the account behind the token must be one that may export them.
    if (scope === 'osdi:people' && !principal.canExport) throw new AppError('forbidden', { key: 'staff.osdiPeopleNeedExport' });
    res.locals.osdiPrincipal = principal;
    next();
  };
}

export function osdiPrincipal(res: Response): AdminPrincipal {
  return res.locals.osdiPrincipal as AdminPrincipal;
}

/** The use-case context of an OSDI request: its API token, answering in English (OSDI clients are programs). */
export function osdiContext<P extends { db: Db }>(platform: P, res: Response): StaffUseCase<P> {
  return staffContext(platform, osdiPrincipal(res));
}
