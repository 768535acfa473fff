import { Router } from 'express';
import type { Platform } from '../context';
import { problemFor, sendProblem } from './problem';

/**
 * `/healthz`: the process is up. `/readyz`: it can do its work: PostgreSQL and the queue store answer
 * (Redis, or with QUEUE_BACKEND=postgres BullMQ's schema in PostgreSQL, reported as `queues`).
 */
export function healthRouter(platform: Platform): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const [postgres, queues] = await Promise.all([
      withTimeout(
        platform.db.$queryRaw`SELECT 1`.then(() => true),
        2000,
      ),
      withTimeout(platform.queueBackend.ping(), 2000),
    ]);
    const queueCheck = platform.queueBackend.kind === 'redis' ? 'redis' : 'queues';
    if (postgres && queues) {
      res.json({ status: 'ready', checks: { postgres: 'ok', [queueCheck]: 'ok' } });
      return;
    }
    const queueStore = platform.queueBackend.kind === 'redis' ? 'Redis' : 'BullMQ (PostgreSQL)';
    const failing = [postgres ? null : 'PostgreSQL', queues ? null : queueStore].filter(Boolean).join(' and ');
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
