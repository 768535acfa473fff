import type { Queue } from 'bullmq';
import type { Db, DbClient } from './db';
import { type JobName, type JobPayload, jobPayloads, jobQueue, type QueueName } from './queues';
import type { Logger } from './logger';
import { sql, sqlRows } from './sql-rows';
import { z } from 'zod';

/**
 * The transactional outbox. A service writes the row in the same transaction as the change that
 * implies the job; the relay moves committed rows to BullMQ. Neither can be lost when Redis or the
 * process dies in between: an unrelayed row is relayed later, and a row relayed twice maps to the
 * same BullMQ job id (the dedupe key), which BullMQ refuses to add again.
 */
export async function addToOutbox<N extends JobName>(db: DbClient, job: N, payload: JobPayload<N>, dedupeKey: string, runAt?: Date): Promise<boolean> {
  return (await addManyToOutbox(db, job, [{ payload, dedupeKey, runAt }])) === 1;
}

/**
 * An outbox row, checked: the payload against its job's schema, the dedupe key as a BullMQ job id.
 * Every row is made here, also by a statement that writes its row in the same SQL as the change
 * (signing does, see supporters.repository.ts `recordSigning`).
 */
export function outboxRow<N extends JobName>(job: N, payload: JobPayload<N>, dedupeKey: string, runAt?: Date) {
  checkDedupeKey(dedupeKey);
  return { queue: jobQueue[job], jobName: job, payload: jobPayloads[job].parse(payload), dedupeKey, runAt: runAt ?? null };
}

/** Dedupe keys become BullMQ job ids, which must not contain ":". A prefix a statement completes is checked the same way. */
export function checkDedupeKey(key: string): string {
  if (key.includes(':')) throw new Error('dedupe keys become BullMQ job ids, which must not contain ":"');
  return key;
}

/** Returns how many rows were new: a row whose dedupe key exists already is skipped. */
export async function addManyToOutbox<N extends JobName>(
  db: DbClient,
  job: N,
  events: Array<{ payload: JobPayload<N>; dedupeKey: string; runAt?: Date }>,
): Promise<number> {
  if (events.length === 0) return 0;
  const rows = events.map(({ payload, dedupeKey, runAt }) => outboxRow(job, payload, dedupeKey, runAt));
  const { count } = await db.outboxEvent.createMany({ data: rows, skipDuplicates: true });
  return count;
}

const OutboxRow = z.strictObject({
  id: sql.bigint,
  queue: sql.text,
  job_name: sql.text,
  payload: z.unknown(),
  dedupe_key: sql.text,
  run_at: sql.timestamp.nullable(),
});
type OutboxRow = z.infer<typeof OutboxRow>;

export type QueuesByName = Record<QueueName, Queue>;

/**
 * How long the relay waits for Redis. BullMQ waits for a connection indefinitely; a relay cut off
 * from Redis would sit on its locked rows (every other relay skips them) and never stop.
 */
const REDIS_CHECK_TIMEOUT_MS = 2_000;
const REDIS_ADD_TIMEOUT_MS = 10_000;

/**
 * Moves one batch; returns how many rows it relayed. Safe to run in several processes at once.
 * A relayed row stays owed until its job records completion; `checkAfterSeconds` is when the
 * reconciliation pass first asks Redis whether its job is still there (reconcile.ts).
 */
export async function relayOutboxBatch(db: Db, queues: QueuesByName, batchSize = 200, checkAfterSeconds = 30): Promise<number> {
  // Rows are locked only once Redis answers, so an unreachable Redis holds up no other relay.
  await withTimeout(Promise.all(Object.values(queues).map(assertConnected)), REDIS_CHECK_TIMEOUT_MS, 'Redis is not connected');
  return db.$transaction(
    async (tx) => {
      const rows = await sqlRows(tx, OutboxRow)`
      SELECT id, queue, job_name, payload, dedupe_key, run_at FROM outbox_events
      WHERE relayed_at IS NULL ORDER BY id LIMIT ${batchSize} FOR UPDATE SKIP LOCKED`;
      if (rows.length === 0) return 0;
      const byQueue = new Map<string, OutboxRow[]>();
      for (const row of rows) byQueue.set(row.queue, [...(byQueue.get(row.queue) ?? []), row]);
      for (const [queueName, queueRows] of byQueue) {
        const queue = queues[queueName as QueueName];
        if (!queue) throw new Error(`outbox row for unknown queue "${queueName}"`);
        const now = Date.now();
        // Jobs added after the timeout (Redis back late) are harmless: the rows stay unrelayed, and
        // relaying them again maps to the same job ids.
        await withTimeout(
          queue.addBulk(
            queueRows.map((row) => ({
              name: row.job_name,
              data: row.payload,
              opts: { jobId: row.dedupe_key, ...(row.run_at && row.run_at.getTime() > now ? { delay: row.run_at.getTime() - now } : {}) },
            })),
          ),
          REDIS_ADD_TIMEOUT_MS,
          'Redis did not take the jobs',
        );
      }
      await tx.$executeRaw`
      UPDATE outbox_events SET relayed_at = now(), check_at = greatest(now(), run_at) + make_interval(secs => ${checkAfterSeconds})
      WHERE id = ANY(${rows.map((r) => r.id)}::bigint[])`;
      return rows.length;
    },
    { timeout: 30_000 },
  );
}

async function assertConnected(queue: Queue): Promise<void> {
  await queue.waitUntilReady(); // pending until the first connection
  // Redis only: PostgreSQL's backend has no client status; its pool connects per query, and a
  // failing one fails the batch.
  const client = (queue.backend as { client?: Promise<{ status: string }> }).client;
  if (!client) return;
  const { status } = await client;
  if (status !== 'ready') throw new Error(`Redis is not connected (${status})`);
}

async function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  work.catch(() => undefined); // abandoned work that fails later is not an unhandled rejection
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(message)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls the outbox until stopped; a failing batch (Redis or PostgreSQL down) is retried after a pause. */
export class OutboxRelay {
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly db: Db,
    private readonly queues: QueuesByName,
    private readonly logger: Logger,
    private readonly pollMs: number,
    private readonly checkAfterSeconds = 30,
  ) {
    // Connection errors repeat on every reconnect; the outage is logged once, below.
    for (const queue of Object.values(queues)) queue.on('error', (error) => logger.debug({ err: error }, 'queue connection error'));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      let relayed = 0;
      try {
        relayed = await relayOutboxBatch(this.db, this.queues, 200, this.checkAfterSeconds);
        if (failures > 0) this.logger.info({ failures }, 'outbox relay recovered');
        failures = 0;
      } catch (error) {
        failures += 1;
        // Once per outage at warn (and on recovery, above); the retries in between at debug.
        if (failures === 1) this.logger.warn({ err: error }, 'outbox relay batch failed; will retry');
        else this.logger.debug({ err: error, failures }, 'outbox relay batch failed again');
      }
      if (relayed === 0) await this.sleep(failures > 0 ? Math.min(this.pollMs * 2 ** failures, 10_000) : this.pollMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
