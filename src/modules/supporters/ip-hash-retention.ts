import type { Logger } from 'pino';
import type { Db } from '../../platform/db';
import { PeriodicTask } from '../../platform/periodic-task';

const BATCH = 5_000;

/**
 * Source-network hashes are kept only as long as the fraud view needs them
 * (IP_HASH_RETENTION_DAYS): after that a signature's ip_hash is cleared, so a leaked SECRET_KEY
 * cannot be used to test old signatures against guessed addresses. Batched, so a first run on a
 * large table never holds one long transaction. Answers how many hashes it cleared.
 */
export async function clearExpiredIpHashes(db: Db, retentionDays: number, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - retentionDays * 86_400_000);
  let cleared = 0;
  for (;;) {
    const n = await db.$executeRaw`
      UPDATE signatures SET ip_hash = NULL
      WHERE id IN (SELECT id FROM signatures WHERE ip_hash IS NOT NULL AND created_at < ${cutoff} LIMIT ${BATCH})`;
    cleared += n;
    if (n < BATCH) return cleared;
  }
}

/** Runs the clean-up at start and then every hour, in the process that runs the outbox relay. */
export class IpHashRetention extends PeriodicTask {
  constructor(
    private readonly db: Db,
    private readonly retentionDays: number,
    private readonly logger: Logger,
    intervalMs = 3_600_000,
  ) {
    super(intervalMs, true);
  }

  protected async runOnce(): Promise<void> {
    try {
      const cleared = await clearExpiredIpHashes(this.db, this.retentionDays);
      if (cleared > 0) this.logger.info({ cleared }, 'source-network hashes past retention cleared');
    } catch (error) {
      this.logger.warn({ err: error }, 'clearing old source-network hashes failed; will retry');
    }
  }
}
