import { DelayedError, RateLimitError, UnrecoverableError, WaitingChildrenError, type Job } from 'bullmq';
import type { Db } from './db';
import type { Logger } from './logger';

/**
 * Records in PostgreSQL that a job's work is over: the handler returned (its effect is recorded,
 * or it found nothing left to do), or it failed for good. Until then the outbox row is owed work
 * that the reconciliation pass re-drives if Redis loses the job (reconcile.ts).
 *
 * The mark is written after the handler's own writes, not in their transaction: handlers are
 * idempotent (a letter is sent only by a successful claim, a release touches only held letters,
 * a confirmation is skipped once confirmed), and a mark that fails to be written is repaired by
 * the reconciliation pass, which sees the job `completed` in BullMQ and marks it without redoing.
 */
export async function recordJobCompletion(db: Db, jobId: string | undefined, logger: Logger): Promise<void> {
  if (!jobId) return;
  try {
    await db.$executeRaw`UPDATE outbox_events SET completed_at = now() WHERE dedupe_key = ${jobId} AND completed_at IS NULL`;
  } catch (error) {
    // Never fail (and so redo) a job whose effect happened because its bookkeeping could not be written.
    logger.warn({ err: error, jobId }, 'could not record job completion; reconciliation will');
  }
}

/** Whether this error ends the job for good (no BullMQ retry follows). */
export function isFinalFailure(job: Job, error: unknown): boolean {
  if (error instanceof DelayedError || error instanceof WaitingChildrenError || error instanceof RateLimitError) return false;
  if (error instanceof UnrecoverableError) return true;
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}
