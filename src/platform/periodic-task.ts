/**
 * Work a process does at start and then every `intervalMs` (the sweepers, retention): the
 * database says what is due, so a tick that fails or is skipped loses nothing; the next one does
 * it. A tick is skipped while the previous one still runs, so runs never overlap. `stop()` waits
 * for the run in progress. With `unref`, the timer alone does not keep the process alive.
 */
export abstract class PeriodicTask {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  protected constructor(
    private readonly intervalMs: number,
    private readonly unref = false,
  ) {}

  /** One run; it reports its own outcome (failures included), since nobody awaits a tick. */
  protected abstract runOnce(): Promise<void>;

  start(): void {
    const tick = () => {
      if (this.running) return;
      this.running = this.runOnce().finally(() => {
        this.running = undefined;
      });
    };
    tick();
    this.timer = setInterval(tick, this.intervalMs);
    if (this.unref) this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
