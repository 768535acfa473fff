import compression from 'compression';
import express, { type Express, type Request, type RequestHandler, type Response, type Router } from 'express';
import helmet from 'helmet';
import { randomUUID } from 'node:crypto';
import { pinoHttp } from 'pino-http';
import type { Platform } from '../context';
import { serializeError } from '../logger';
import { errorMiddleware, problemFor, sendProblem } from './problem';
import { methodNotAllowed } from './method-not-allowed';
import { refuseUnsafeText, verifyUtf8Body } from './text-input';

const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

/**
 * Assembles the HTTP app: security headers, request ids, body limits, feature routers, one error shape.
 * `middleware` runs before the routers (e.g. HTTP metrics that time every request).
 */
export function createHttpApp(platform: Platform, routers: Router[], middleware: RequestHandler[] = []): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', trustProxySetting(platform.config.TRUST_PROXY));
  app.set('query parser', 'simple');

  const production = platform.config.NODE_ENV === 'production';
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          'script-src': ["'self'"],
          'img-src': ["'self'", 'data:'],
          'frame-ancestors': ["'none'"],
          // A development server on http://localhost must not send browsers off to https.
          'upgrade-insecure-requests': production ? [] : null,
        },
      },
      strictTransportSecurity: production,
      referrerPolicy: { policy: 'no-referrer' },
    }),
  );
  app.use(requestLogger(platform));
  app.use(compression({ filter: worthCompressing }));
  // Providers' delivery reports can carry a message's headers: more room there, nowhere else.
  app.use('/api/webhooks', express.json({ limit: '256kb', type: ['application/json', 'application/*+json'], verify: verifyUtf8Body }));
  app.use(express.json({ limit: '16kb', type: ['application/json', 'application/*+json'], verify: verifyUtf8Body }));
  // Nested fields (consent[updates]) for the no-JavaScript form; bounded so qs cannot be abused.
  // 80 fields: the letter step's form ticks up to 60 countries (the letters API's limit).
  // (`depth` is a body-parser 2 option its type definitions do not list yet.)
  app.use(
    express.urlencoded({ extended: true, limit: '16kb', parameterLimit: 80, depth: 2, verify: verifyUtf8Body } as Parameters<typeof express.urlencoded>[0]),
  );
  // Once for every operation: NUL, unpaired surrogates and undecodable escapes never reach a route.
  app.use(refuseUnsafeText());

  for (const handler of middleware) app.use(handler);
  for (const router of routers) app.use(router);

  app.use(methodNotAllowed(app));
  app.use((_req, res) => sendProblem(res, problemFor('not_found', { key: 'problems.detail.noSuchResource' })));
  app.use(errorMiddleware(platform.logger, platform.config.RETRY_AFTER_SECONDS));
  return app;
}

function trustProxySetting(value: string): boolean | number | string {
  if (value === 'true') return true;
  if (value === 'false') return false;
  return /^\d+$/.test(value) ? Number(value) : value;
}

/** Logs method, route pattern, status and time: never the URL (tokens), headers or the client's IP. */
function requestLogger(platform: Platform): RequestHandler {
  return pinoHttp({
    logger: platform.logger,
    genReqId: (req, res) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    serializers: {
      err: serializeError,
      req: (req: { id: string; method: string }) => ({ id: req.id, method: req.method }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    // The route is known only once routing is done, after pino-http has bound `req` to its logger.
    customSuccessObject: (req, _res, value: object) => ({ ...value, route: routePattern(req) }),
    customErrorObject: (req, _res, _error, value: object) => ({ ...value, route: routePattern(req) }),
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
    autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
  });
}

function routePattern(req: { route?: { path?: unknown }; baseUrl?: string }): string | undefined {
  return typeof req.route?.path === 'string' ? `${req.baseUrl ?? ''}${req.route.path}` : undefined;
}

/**
 * Supporters' pages, scripts and public JSON are gzipped: the campaign page must stay small on a
 * slow phone connection. Answers to writes and staff pages are not: they can carry a secret (an
 * action token, a CSRF token) next to text the requester chose, the mix that BREACH-style
 * size-guessing attacks need.
 */
function worthCompressing(req: Request, res: Response): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (/^\/(admin|api\/admin)(\/|$)/.test(req.path)) return false;
  return compression.filter(req, res);
}
