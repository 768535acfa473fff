import type { RequestHandler } from 'express';
import { AppError, type ProblemKey } from '../errors';

/** Refuses, before anything is read, a body of a type the route does not understand (415). */
export function requireContentType(types: string[], hint: ProblemKey): RequestHandler {
  return (req, _res, next) => {
    if (!req.is(types)) throw new AppError('unsupported_media_type', { key: hint });
    next();
  };
}

export const requireJson = requireContentType(['application/json', 'application/*+json'], 'problems.detail.sendJson');
