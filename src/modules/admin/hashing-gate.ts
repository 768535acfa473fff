/**
 * Bounds how many argon2 computations run at once. argon2 runs on libuv's thread pool (4 threads),
 * which file reads and DNS share: 300 concurrent logins used to push a static file from 78 ms to
 * 3 s. At most `concurrency` run at once, at most `queue` wait; the rest are refused at once (the
 * caller answers 503 with Retry-After) instead of piling up behind each other.
 */
export class HashingGate {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly concurrency: number,
    private readonly queue: number,
  ) {}

  /** Runs `work` when a slot is free; undefined when the queue is full (refuse the request). */
  async run<T>(work: () => Promise<T>): Promise<T | undefined> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.queue) return undefined;
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next)
        next(); // the slot passes straight to the next waiter
      else this.running--;
    }
  }

  get busy(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }
}
