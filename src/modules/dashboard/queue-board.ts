import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { Router, type Express, type RequestHandler } from 'express';
import type { Platform } from '../../platform/context';
import { AppError } from '../../platform/errors';
import { createQueues } from '../../platform/queue-factory';
import type { Role } from '../admin';
import { pageGuard } from './page-guard';

export const QUEUE_BOARD_PATH = '/admin/queues';

/**
 * The board's own policy, replacing the app's on this path only. It is no looser where it matters
 * (scripts from 'self' only, the board has no inline script: its one inline <script> is JSON data)
 * and tighter on styles and fonts: the app's default allows https: stylesheets, which would let
 * the board fetch its web font from Google. Inline style attributes stay allowed (React sets them).
 */
const BOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

// The board's page links a Google Fonts stylesheet: a third-party request that tells Google who
// reads the board. The CSP blocks it anyway; removing the tag spares the browser the attempt.
const THIRD_PARTY_FONTS = /<link[^>]+href="https:\/\/fonts\.(?:googleapis|gstatic)\.com[^>]*>/g;

/**
 * BullMQ's queue board (@bull-board/express) at /admin/queues, for owners. Its Queue objects
 * share the platform's request-path Redis client, like the metrics' queue health, and are built on
 * the first request, so an app that never shows the board never touches Redis for it.
 */
export function queueBoardRouter(platform: Platform, requireRole: (min: Role) => RequestHandler): Router {
  const router = Router();
  let board: Express | undefined;
  const boardApp = (): Express => {
    if (board) return board;
    const adapter = new ExpressAdapter();
    adapter.setBasePath(QUEUE_BOARD_PATH);
    const queues = createQueues(platform.queueBackend, platform.config);
    createBullBoard({
      queues: Object.values(queues).map((queue) => new BullMQAdapter(queue)),
      // @bull-board/express 9.10.1 is typed against its own nested copy of @bull-board/api 9.10.1;
      // the adapter interface is the same at run time as in the top-level 9.10.2.
      serverAdapter: adapter as unknown as Parameters<typeof createBullBoard>[0]['serverAdapter'],
      options: { uiConfig: { boardTitle: 'Clarion queues' } },
    });
    board = adapter.getRouter() as Express;
    board.disable('x-powered-by');
    return board;
  };

  router.use(QUEUE_BOARD_PATH, pageGuard(requireRole, 'owner', { asSafeRead: true }), sameOriginWrites(platform.config.PUBLIC_BASE_URL), (req, res, next) => {
    res.setHeader('Content-Security-Policy', BOARD_CSP);
    res.setHeader('Cache-Control', 'no-store');
    withoutThirdPartyFonts(res, next);
    boardApp()(req, res, next);
  });
  return router;
}

/**
 * The board's page cannot send our X-CSRF-Token, so its writes (retry, clean, pause) are held to
 * their origin instead: a browser sends Origin with every cross-origin request and with same-origin
 * POST, PUT and DELETE, and marks cross-site ones in Sec-Fetch-Site. (The cookie is SameSite=Strict too.)
 */
function sameOriginWrites(publicBaseUrl: string): RequestHandler {
  const configured = new URL(publicBaseUrl).origin;
  return (req, _res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.get('authorization')) return next();
    const site = req.get('sec-fetch-site');
    const origin = req.get('origin');
    const own = [configured, `${req.protocol}://${req.get('host') ?? ''}`];
    if ((site !== undefined && site !== 'same-origin') || !origin || !own.includes(origin)) {
      throw new AppError('forbidden', { key: 'staff.queueBoardOrigin' });
    }
    next();
  };
}

function withoutThirdPartyFonts(res: Parameters<RequestHandler>[1], next: Parameters<RequestHandler>[2]): void {
  const render = res.render.bind(res);
  res.render = ((view: string, options?: object) => {
    render(view, options ?? {}, (error: Error | null, html: string) => {
      if (error) return next(error);
      res.type('html').send(html.replace(THIRD_PARTY_FONTS, ''));
    });
  }) as typeof res.render;
}
