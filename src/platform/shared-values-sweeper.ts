import type { Db } from './db';
import type { Logger } from './logger';
import { PeriodicTask } from './periodic-task';

/**
 * Deletes expired rows of `shared_values` (shared-state.ts). Expired rows already count as absent,
 * so this only keeps the table and its index small; a batch at a time, so no run holds locks long.
 */
export class SharedValuesSweeper extends PeriodicTask {
  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
    intervalMs = 60_000,
  ) {
    super(intervalMs, true);
  }

  protected async runOnce(): Promise<void> {
    try {
      let deleted = 0;
      for (;;) {
        const batch = await this.db.$executeRaw`
          DELETE FROM shared_values WHERE key IN (SELECT key FROM shared_values WHERE expires_at <= now() LIMIT 5000 FOR UPDATE SKIP LOCKED)`;
        deleted += batch;
        if (batch < 5000) break;
      }
      if (deleted > 0) this.logger.debug({ deleted }, 'expired shared values deleted');
    } catch (error) {
      this.logger.warn({ err: error }, 'could not delete expired shared values; the next run will');
    }
  }
}
