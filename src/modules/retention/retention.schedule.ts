import type { Logger } from 'pino';
import type { Platform } from '../../platform/context';
import { runRetention } from './retention.service';

/**
 * Runs retention at start and then every RETENTION_INTERVAL_MS, in the process that runs the
 * outbox relay (like the other sweepers). The database says what is due, so nothing is lost when
 * a tick is: the next one does the work. Several such processes take turns (an advisory lock per batch).
 */
export class RetentionSchedule {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly platform: Platform,
    private readonly logger: Logger,
    private readonly intervalMs = platform.config.RETENTION_INTERVAL_MS,
  ) {}

  start(): void {
    const tick = () => {
      if (this.running) return; // a long run is still going: the next tick after it picks up the rest
      this.running = runRetention(this.platform, 'schedule')
        .then(({ counts }) => {
          if (Object.values(counts).some((n) => n > 0)) this.logger.info({ ...counts }, 'retention run removed expired personal data');
        })
        // Class and code only: a database error's message can quote the row it refused (a key, a hash).
        .catch((error: unknown) =>
          this.logger.warn(
            { error: error instanceof Error ? error.name : typeof error, code: (error as { code?: unknown } | null)?.code },
            'retention run failed; the next tick continues',
          ),
        )
        .finally(() => {
          this.running = undefined;
        });
    };
    tick();
    this.timer = setInterval(tick, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
