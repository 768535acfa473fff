import type { Queue } from 'bullmq';
import type { Db } from './db';
import type { Logger } from './logger';
import type { QueueName } from './queues';
import type { QueuesByName } from './outbox';
import { z } from 'zod';
import { sql, sqlRows } from './sql-rows';

/**
 * PostgreSQL is the source of truth; a queue is only how work gets done. Every outbox row stays
 * owed until its job's handler records completion (job-completion.ts). This pass looks at owed rows
 * whose job should exist in BullMQ by now and asks Redis about each:
 * - the job is waiting, delayed or held by a live worker: look again later (less often the
 *   longer it has lived, so a backlog of letters paced for hours costs little);
 * - BullMQ says completed: the mark was lost (PostgreSQL was down when the job ended): mark it;
 * - BullMQ says failed although the handler never said "for good" (a job that stalled too often):
 *   retry it;
 * - Redis has no such job (restarted without persistence, flushed, failed over, evicted): hand
 *   the row back to the relay, which adds it again with the same job id. Handlers are idempotent,
 *   so redoing work whose mark was lost never doubles an effect that is recorded in the database.
 *
 * Cheap on large tables: done rows are outside the partial index (`outbox_events_owed_idx`), one
 * pass reads at most `batchSize` rows and claims them by moving `check_at` on (several relays
 * may run; each skips the others' rows).
 */
export interface ReconcileOptions {
  /** A row relayed this long ago whose job is gone is owed work; also the first look's delay. */
  afterSeconds: number;
  batchSize?: number;
}

export interface ReconcileResult {
  checked: number;
  live: number;
  markedDone: number;
  retried: number;
  /** Rows handed back to the relay, by job name. */
  redriven: Record<string, number>;
}

const OwedRow = z.strictObject({ id: sql.bigint, queue: sql.text, job_name: sql.text, dedupe_key: sql.text, age_seconds: z.number() });
type OwedRow = z.infer<typeof OwedRow>;

const LIVE_STATES = new Set(['waiting', 'delayed', 'prioritized', 'waiting-children', 'paused']);
/** A live job is looked at again after at most this long, however old it is. */
const MAX_RECHECK_SECONDS = 15 * 60;

export async function reconcileOutbox(db: Db, queues: QueuesByName, options: ReconcileOptions): Promise<ReconcileResult> {
  const batchSize = options.batchSize ?? 500;
  // The claim is a lease: if this process dies mid-pass, the rows come due again after it.
  const rows = await sqlRows(db, OwedRow)`
    UPDATE outbox_events o SET check_at = now() + make_interval(secs => ${options.afterSeconds})
    FROM (SELECT id FROM outbox_events WHERE completed_at IS NULL AND check_at <= now()
          ORDER BY check_at LIMIT ${batchSize} FOR UPDATE SKIP LOCKED) due
    WHERE o.id = due.id AND o.relayed_at IS NOT NULL
    RETURNING o.id, o.queue, o.job_name, o.dedupe_key, extract(epoch FROM now() - o.relayed_at)::float8 AS age_seconds`;
  const result: ReconcileResult = { checked: rows.length, live: 0, markedDone: 0, retried: 0, redriven: {} };
  if (rows.length === 0) return result;

  const verdicts = await Promise.all(rows.map((row) => verdictOf(queues[row.queue as QueueName], row)));
  const done: bigint[] = [];
  const lost: bigint[] = [];
  const liveAgain: Array<{ id: bigint; seconds: number }> = [];
  rows.forEach((row, index) => {
    switch (verdicts[index]) {
      case 'done':
        done.push(row.id);
        result.markedDone += 1;
        break;
      case 'lost':
        lost.push(row.id);
        result.redriven[row.job_name] = (result.redriven[row.job_name] ?? 0) + 1;
        break;
      case 'retried':
        result.retried += 1;
        liveAgain.push({ id: row.id, seconds: options.afterSeconds });
        break;
      default:
        result.live += 1;
        liveAgain.push({ id: row.id, seconds: Math.min(Math.max(options.afterSeconds, row.age_seconds), MAX_RECHECK_SECONDS) });
    }
  });
  if (done.length) await db.$executeRaw`UPDATE outbox_events SET completed_at = now() WHERE id = ANY(${done}::bigint[]) AND completed_at IS NULL`;
  // Back to the relay: it adds the job again under the same id and sets check_at anew.
  if (lost.length) await db.$executeRaw`UPDATE outbox_events SET relayed_at = NULL, check_at = NULL WHERE id = ANY(${lost}::bigint[]) AND completed_at IS NULL`;
  if (liveAgain.length) {
    await db.$executeRaw`
      UPDATE outbox_events o SET check_at = now() + make_interval(secs => v.seconds)
      FROM unnest(${liveAgain.map((r) => r.id)}::bigint[], ${liveAgain.map((r) => r.seconds)}::float8[]) AS v(id, seconds)
      WHERE o.id = v.id`;
  }
  return result;
}

type Verdict = 'live' | 'done' | 'retried' | 'lost';

async function verdictOf(queue: Queue | undefined, row: OwedRow): Promise<Verdict> {
  if (!queue) return 'live'; // a queue this process does not know: leave it to one that does
  const state = await queue.getJobState(row.dedupe_key);
  if (state === 'completed') return 'done';
  if (LIVE_STATES.has(state)) return 'live';
  if (state === 'active') {
    // Held by a worker that renews its lock; an unlocked active job is stalled, and BullMQ's
    // stalled check (every few seconds, worker-host.ts) moves it back to waiting.
    return 'live';
  }
  if (state === 'failed') {
    const job = await queue.getJob(row.dedupe_key);
    if (!job) return 'lost';
    await job.retry('failed');
    return 'retried';
  }
  return 'lost'; // 'unknown': Redis has no such job
}

/** Runs `reconcileOutbox` every `intervalMs` until stopped; a failing pass is retried at the next tick. */
export class OutboxReconciler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private failing = false;

  constructor(
    private readonly db: Db,
    private readonly queues: QueuesByName,
    private readonly logger: Logger,
    private readonly intervalMs: number,
    private readonly options: ReconcileOptions,
  ) {}

  start(): void {
    const tick = () => {
      if (this.running) return; // a slow pass (Redis or PostgreSQL struggling) is not stacked on
      this.running = this.passOnce().finally(() => {
        this.running = undefined;
      });
    };
    this.timer = setInterval(tick, this.intervalMs);
    tick();
  }

  private async passOnce(): Promise<void> {
    try {
      const result = await reconcileOutbox(this.db, this.queues, this.options);
      const redriven = Object.values(result.redriven).reduce((a, b) => a + b, 0);
      if (redriven || result.retried || result.markedDone) this.logger.warn(result, 'owed jobs reconciled');
      if (this.failing) this.logger.info('outbox reconciliation recovered');
      this.failing = false;
    } catch (error) {
      // Once per outage: the relay logs the outage itself, and every tick would repeat it.
      if (!this.failing) this.logger.warn({ err: error }, 'outbox reconciliation failed; will retry');
      this.failing = true;
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
