import type { Logger } from 'pino';
import type { Platform } from '../../platform/context';
import { staffContext } from '../admin';
import { runRetention } from './retention.service';
import { PeriodicTask } from '../../platform/periodic-task';

/**
 * Runs retention at start and then every RETENTION_INTERVAL_MS, in the process that runs the
 * outbox relay (like the other sweepers). The database says what is due, so nothing is lost when
 * a tick is: the next one does the work. Several such processes take turns (an advisory lock per batch).
 */
export class RetentionSchedule extends PeriodicTask {
  constructor(
    private readonly platform: Platform,
    private readonly logger: Logger,
    intervalMs = platform.config.RETENTION_INTERVAL_MS,
  ) {
    super(intervalMs, true);
  }

  protected async runOnce(): Promise<void> {
    try {
      const { counts } = await runRetention(staffContext(this.platform, null));
      if (Object.values(counts).some((n) => n > 0)) this.logger.info({ ...counts }, 'retention run removed expired personal data');
    } catch (error) {
      // Class and code only: a database error's message can quote the row it refused (a key, a hash).
      this.logger.warn(
        { error: error instanceof Error ? error.name : typeof error, code: (error as { code?: unknown } | null)?.code },
        'retention run failed; the next tick continues',
      );
    }
  }
}
