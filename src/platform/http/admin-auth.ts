import type { RequestHandler } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Config } from '../config';
import { AppError } from '../errors';

/**
 * Guards /api/admin with one bearer token from config until admin accounts and roles exist
 * (issue #4 replaces this). Without a configured token the admin API is closed.
 */
export function requireAdminToken(config: Pick<Config, 'ADMIN_API_TOKEN'>): RequestHandler {
  const expected = config.ADMIN_API_TOKEN ? digest(config.ADMIN_API_TOKEN) : undefined;
  return (req, res, next) => {
    const header = req.get('authorization') ?? '';
    const given = /^Bearer (.+)$/i.exec(header)?.[1];
    if (!given) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="clarion-admin"');
      throw new AppError('unauthorised', 'Send Authorization: Bearer <ADMIN_API_TOKEN>.');
    }
    // Compare digests, so the comparison takes the same time whatever the token's length.
    if (!expected || !timingSafeEqual(digest(given), expected)) throw new AppError('forbidden', 'That token is not valid for the admin API.');
    next();
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
