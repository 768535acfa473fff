import { z } from 'zod';
import { sql, sqlRows } from '../../../platform/sql-rows';
import type { Queue } from 'bullmq';
import type { Platform } from '../../../platform/context';
import type { Logger } from '../../../platform/logger';
import { enqueueDeliveries, letterJobId } from './queueing';
import { PeriodicTask } from '../../../platform/periodic-task';

/**
 * Makes sure no letter is silently dropped:
 * - a letter still `sending` after its lease (its worker died between claim and outcome) is
 *   queued again and re-sent with the same Message-ID (see delivery.ts for the rule);
 * - a letter `queued` for a while whose job is gone (Redis lost it, or it ended without sending)
 *   gets a new job. Extra jobs are harmless: only a successful claim sends.
 */
export async function sweepLetters(platform: Platform, lettersQueue: Queue, now = new Date()): Promise<{ leasesExpired: number; jobsRestored: number }> {
  const lease = platform.config.LETTERS_SEND_LEASE_SECONDS;
  const expired = await sqlRows(platform.db, z.strictObject({ id: sql.text, campaign_id: sql.text, target_id: sql.text, attempts: z.number() }))`
    UPDATE letters SET status = 'queued', queued_at = ${now}
    WHERE status = 'sending' AND sending_at < now() - make_interval(secs => ${lease})
    RETURNING id, campaign_id, target_id, attempts`;

  const stale = await sqlRows(
    platform.db,
    z.strictObject({ id: sql.text, campaign_id: sql.text, target_id: sql.text, attempts: z.number(), letter_mode: sql.text, queued_at: sql.timestamp }),
  )`
    SELECT l.id, l.campaign_id, l.target_id, l.attempts, l.queued_at,
      CASE WHEN EXISTS (SELECT 1 FROM target_digest_overrides o WHERE o.campaign_id = l.campaign_id AND o.target_id = l.target_id)
        THEN 'digest' ELSE c.letter_mode::text END AS letter_mode
    FROM letters l JOIN campaigns c ON c.id = l.campaign_id
    WHERE l.status = 'queued' AND l.queued_at < ${new Date(now.getTime() - 5 * lease * 1000)} ORDER BY l.queued_at LIMIT 500`;
  const orphaned: typeof stale = [];
  for (const letter of stale) {
    if (letter.letter_mode === 'digest' || !(await hasLiveJob(lettersQueue, letter.id, letter.attempts, letter.queued_at))) orphaned.push(letter);
  }

  // The job id names the sweep's time, which is also the letter's new queued_at: the next sweep
  // can then tell whether this job is still alive.
  const toEnqueue = [...expired, ...orphaned];
  await platform.db.$transaction(async (tx) => {
    await enqueueDeliveries(
      tx,
      toEnqueue.map((l) => ({ id: l.id, campaignId: l.campaign_id, targetId: l.target_id })),
      new Map(toEnqueue.map((l) => [l.id, sweepSuffix(now)])),
    );
    if (orphaned.length) await tx.letter.updateMany({ where: { id: { in: orphaned.map((l) => l.id) } }, data: { queuedAt: now } });
  });
  return { leasesExpired: expired.length, jobsRestored: orphaned.length };
}

/** Also used by an admin's reversal of a digest override, so the sweeper recognises those jobs as live. */
export const sweepSuffix = (at: Date) => `sweep-${at.getTime()}`;

async function hasLiveJob(queue: Queue, letterId: string, attempts: number, queuedAt: Date): Promise<boolean> {
  for (const id of [letterJobId(letterId), letterJobId(letterId, attempts), letterJobId(letterId, sweepSuffix(queuedAt))]) {
    const job = await queue.getJob(id);
    if (!job) continue;
    const state = await job.getState();
    if (state === 'active' ? await isLocked(queue, id) : ['waiting', 'delayed', 'prioritized', 'waiting-children'].includes(state)) return true;
  }
  return false;
}

/**
 * An active job is alive while its worker renews its lock. A worker killed after taking the job
 * but before claiming the letter leaves it active and unlocked; BullMQ moves such a job back only
 * at a later stalled check, up to two stalled intervals (a minute) on, or never if no worker runs
 * one. The sweeper does not wait for that: another job is harmless, only a claim sends.
 */
async function isLocked(queue: Queue, jobId: string): Promise<boolean> {
  const client = await queue.getBackend().client;
  return (await client.get(`${queue.toKey(jobId)}:lock`)) !== null;
}

export class LetterSweeper extends PeriodicTask {
  constructor(
    private readonly platform: Platform,
    private readonly queue: Queue,
    private readonly logger: Logger,
    intervalMs: number,
  ) {
    super(intervalMs);
  }

  protected async runOnce(): Promise<void> {
    try {
      const result = await sweepLetters(this.platform, this.queue);
      if (result.leasesExpired || result.jobsRestored) this.logger.warn(result, 'letters swept');
    } catch (error) {
      this.logger.warn({ err: error }, 'letter sweep failed; will retry');
    }
  }
}
