import type { Logger } from '../../platform/logger';
import type { Db } from '../../platform/db';
import { PeriodicTask } from '../../platform/periodic-task';

const BATCH = 5_000;

/**
 * Events and their deliveries and attempts are kept WEBHOOKS_HISTORY_DAYS (the window an admin can
 * replay), then deleted. An event still owed work is kept however old: its fan-out job has not
 * finished, or one of its deliveries is still pending. Batched, so a first run on a large table
 * never holds one long transaction. Answers how many events it deleted.
 */
export async function deleteOldWebhookHistory(db: Db, historyDays: number, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - historyDays * 86_400_000);
  let deleted = 0;
  for (;;) {
    const n = await db.$executeRaw`
      DELETE FROM domain_events WHERE id IN (
        SELECT e.id FROM domain_events e
        WHERE e.occurred_at < ${cutoff}
          AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id AND d.status = 'pending')
          AND NOT EXISTS (SELECT 1 FROM outbox_events o WHERE o.dedupe_key = 'event-' || e.id::text AND o.completed_at IS NULL)
        LIMIT ${BATCH})`;
    deleted += n;
    if (n < BATCH) return deleted;
  }
}

/** Runs the clean-up at start and then every hour, in the process that runs the outbox relay. */
export class WebhookHistoryRetention extends PeriodicTask {
  constructor(
    private readonly db: Db,
    private readonly historyDays: number,
    private readonly logger: Logger,
    intervalMs = 3_600_000,
  ) {
    super(intervalMs, true);
  }

  protected async runOnce(): Promise<void> {
    try {
      const deleted = await deleteOldWebhookHistory(this.db, this.historyDays);
      if (deleted > 0) this.logger.info({ deleted }, 'webhook events past their history window deleted');
    } catch (error) {
      this.logger.warn({ err: error }, 'deleting old webhook events failed; will retry');
    }
  }
}
