import { Router } from 'express';
import type { Platform } from '../context';
import { problemFor, sendProblem } from './problem';

/** `/healthz`: the process is up. `/readyz`: it can do its work (PostgreSQL and Redis answer). */
export function healthRouter(platform: Platform): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const [postgres, redis] = await Promise.all([
      withTimeout(
        platform.db.$queryRaw`SELECT 1`.then(() => true),
        2000,
      ),
      withTimeout(
        platform.redis.ping().then((answer) => answer === 'PONG'),
        2000,
      ),
    ]);
    if (postgres && redis) {
      res.json({ status: 'ready', checks: { postgres: 'ok', redis: 'ok' } });
      return;
    }
    const failing = [postgres ? null : 'PostgreSQL', redis ? null : 'Redis'].filter(Boolean).join(' and ');
    res.setHeader('Retry-After', '5');
    sendProblem(res, problemFor('not_ready', { key: 'staff.notAnswering', params: { failing } }));
  });
  return router;
}

async function withTimeout(check: Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([check.catch(() => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
