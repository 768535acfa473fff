import type { SharedState } from '../../../platform/shared-state';

/**
 * Per-delegation pacing. Every message to a delegation (from any campaign) reserves the next free
 * slot for that delegation in the shared state (Redis or PostgreSQL); consecutive slots are at least 3600 s / cap apart, so no hour
 * ever holds more than the cap, however many campaigns or workers send. The cap is shaped by the
 * delegation's local time (full at office hours, almost nothing at night), and a random extra gap
 * spreads messages over the hour instead of in bursts.
 */
const KEY_TTL_MS = 7 * 24 * 3600 * 1000;

export interface PacingTarget {
  id: string;
  timeZone: string;
  hourlyCap: number;
}

/** Share of the hourly cap by local time: office hours on weekdays full, nights nearly nothing. */
export function rateFactor(date: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: 'numeric', hourCycle: 'h23', weekday: 'short' }).formatToParts(date);
  const hour = Number(parts.find((p) => p.type === 'hour')?.value ?? 12);
  const weekday = parts.find((p) => p.type === 'weekday')?.value ?? 'Mon';
  const weekend = weekday === 'Sat' || weekday === 'Sun';
  if (hour >= 22 || hour < 7) return 0.05;
  if (weekend) return 0.1;
  if (hour >= 9 && hour < 18) return 1;
  return 0.3;
}

/** The minimum gap between two messages to a delegation starting at `at`. */
export function spacingMs(target: PacingTarget, at: Date): number {
  return Math.ceil(3_600_000 / Math.max(target.hourlyCap * rateFactor(at, target.timeZone), 0.01));
}

export class DelegationPacer {
  constructor(
    private readonly slots: Pick<SharedState, 'nextFree' | 'reserveSlot'>,
    private readonly prefix: string,
    private readonly random: () => number = Math.random,
  ) {}

  /** Reserves the next slot for one message to the target; returns when it may be sent. */
  async reserve(target: PacingTarget, now = new Date()): Promise<Date> {
    const key = `${this.prefix}:pace:${target.id}`;
    const stored = await this.slots.nextFree(key);
    const base = new Date(Math.max(now.getTime(), stored));
    const spacing = spacingMs(target, base);
    const gap = spacing + Math.floor(this.random() * spacing * 0.5);
    return new Date(await this.slots.reserveSlot(key, now.getTime(), gap, KEY_TTL_MS));
  }
}
