import { z } from 'zod';
import { sql, sqlRows } from '../../platform/sql-rows';
import type { Queue } from 'bullmq';
import type { Platform } from '../../platform/context';
import type { Logger } from '../../platform/logger';
import { addToOutbox } from '../../platform/outbox';
import { JOBS } from '../../platform/queues';
import { mailingJobId } from './mailings.service';
import { PeriodicTask } from '../../platform/periodic-task';
import { FinishedMailing, recordMailingsFinished } from './mailings.repository';

const LIVE_STATES = new Set(['waiting', 'delayed', 'prioritized', 'waiting-children', 'paused', 'active']);

/**
 * Makes sure no mailing stalls with recipients left (PostgreSQL is the truth, Redis may forget):
 * - a recipient still `sending` after its lease (its worker died between claim and outcome) is
 *   queued again, and will be sent again with the same Message-ID (see delivery.ts);
 * - a mailing `sending` with queued recipients whose current run's job has ended or is gone
 *   gets a new run (an outbox row, committed with the run's number);
 * - a mailing with nobody left is marked done.
 * An active job counts as alive: when its worker died, BullMQ's stalled check hands it on.
 */
export async function sweepMailings(platform: Platform, queue: Queue): Promise<{ leasesExpired: number; runsRestarted: number; finished: number }> {
  const lease = platform.config.MAILINGS_SEND_LEASE_SECONDS;
  const leasesExpired = await platform.db.$executeRaw`
    UPDATE mailing_recipients SET status = 'queued', sending_at = NULL
    WHERE status = 'sending' AND sending_at < now() - make_interval(secs => ${lease})`;

  const stalled = await sqlRows(platform.db, z.strictObject({ id: sql.text, run: z.number() }))`
    SELECT m.id, m.run FROM mailings m
    WHERE m.status = 'sending'
      AND EXISTS (SELECT 1 FROM mailing_recipients r WHERE r.mailing_id = m.id AND r.status = 'queued')
      AND NOT EXISTS (SELECT 1 FROM outbox_events o WHERE o.dedupe_key = 'mailing-' || m.id || '-' || m.run AND o.relayed_at IS NULL)
    LIMIT 100`;
  let runsRestarted = 0;
  for (const mailing of stalled) {
    if (LIVE_STATES.has(await queue.getJobState(mailingJobId(mailing.id, mailing.run)))) continue;
    const restarted = await platform.db.$transaction(async (tx) => {
      const next = mailing.run + 1;
      // Only if nobody (a resume, another sweeper) moved the run on meanwhile.
      const changed =
        await tx.$executeRaw`UPDATE mailings SET run = ${next}, updated_at = now() WHERE id = ${mailing.id}::uuid AND run = ${mailing.run} AND status = 'sending'`;
      if (changed === 0) return false;
      await addToOutbox(tx, JOBS.sendMailing, { mailingId: mailing.id, run: next }, mailingJobId(mailing.id, next));
      return true;
    });
    if (restarted) runsRestarted += 1;
  }

  const finished = await platform.db.$transaction(async (tx) => {
    const rows = await sqlRows(tx, FinishedMailing)`
      UPDATE mailings m SET status = 'done', finished_at = now(), updated_at = now()
      WHERE m.status = 'sending' AND NOT EXISTS (SELECT 1 FROM mailing_recipients r WHERE r.mailing_id = m.id AND r.status IN ('queued', 'sending'))
      RETURNING id::text, campaign_id::text`;
    await recordMailingsFinished(tx, rows);
    return rows.length;
  });
  return { leasesExpired, runsRestarted, finished };
}

export class MailingSweeper extends PeriodicTask {
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
      const result = await sweepMailings(this.platform, this.queue);
      if (result.leasesExpired || result.runsRestarted) this.logger.warn(result, 'mailings swept');
    } catch (error) {
      this.logger.warn({ err: error }, 'mailing sweep failed; will retry');
    }
  }
}
