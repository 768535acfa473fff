import type { Express, RequestHandler } from 'express';
import { AppError } from '../errors';

/**
 * The parts of Express's router layers read here (router 2.x): a layer matches a path and is a
 * route (with its methods) or a mounted router (with its own stack).
 */
interface RouterLayer {
  route?: { methods: Record<string, boolean> };
  handle: unknown;
  match(path: string): { path: string } | false;
}

function stackOf(handle: unknown): RouterLayer[] | undefined {
  const stack = (handle as { stack?: unknown } | null)?.stack;
  return Array.isArray(stack) ? (stack as RouterLayer[]) : undefined;
}

/** Every method some route answers at `path`, with HEAD wherever GET is (Express answers it). */
export function methodsAt(stack: RouterLayer[], path: string, found = new Set<string>()): Set<string> {
  for (const layer of stack) {
    let matched: { path: string } | false;
    try {
      matched = layer.match(path);
    } catch {
      continue; // a path segment that does not decode matches nothing
    }
    if (!matched) continue;
    if (layer.route) {
      for (const method of Object.keys(layer.route.methods)) if (method !== '_all') found.add(method.toUpperCase());
      if (found.has('GET')) found.add('HEAD');
      continue;
    }
    const inner = stackOf(layer.handle);
    if (inner) methodsAt(inner, path.slice(matched.path.length) || '/', found);
  }
  return found;
}

/**
 * After every router, before "not found": a path that exists under other methods answers 405
 * with `Allow` (RFC 9110 §15.5.6), so a client learns it used the wrong method, not a wrong URL.
 */
export function methodNotAllowed(app: Express): RequestHandler {
  return (req, res, next) => {
    const stack = stackOf((app as unknown as { router: unknown }).router) ?? [];
    const allowed = methodsAt(stack, req.path);
    if (allowed.size === 0 || allowed.has(req.method)) return next();
    res.set('Allow', [...allowed].sort().join(', '));
    throw new AppError('method_not_allowed', {
      key: 'problems.detail.methodNotAllowed',
      params: { method: req.method, allowed: [...allowed].sort().join(', ') },
    });
  };
}

/** For a static folder: it is read with GET and HEAD only. */
export const onlyGetAndHead: RequestHandler = (req, res, next) => {
  if (req.method === 'GET' || req.method === 'HEAD') return next();
  res.set('Allow', 'GET, HEAD');
  throw new AppError('method_not_allowed', { key: 'problems.detail.methodNotAllowed', params: { method: req.method, allowed: 'GET, HEAD' } });
};
