import type { Redis } from 'ioredis';

/**
 * Per-delegation pacing. Every message to a delegation (from any campaign) reserves the next free
 * slot for that delegation in Redis; consecutive slots are at least 3600 s / cap apart, so no hour
 * ever holds more than the cap, however many campaigns or workers send. The cap is shaped by the
 * delegation's local time (full at office hours, almost nothing at night), and a random extra gap
 * spreads messages over the hour instead of in bursts.
 */
const RESERVE = `
local nextFree = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(tonumber(ARGV[1]), nextFree)
redis.call('SET', KEYS[1], tostring(slot + tonumber(ARGV[2])), 'PX', ARGV[3])
return tostring(slot)`;

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
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly random: () => number = Math.random,
  ) {}

  /** Reserves the next slot for one message to the target; returns when it may be sent. */
  async reserve(target: PacingTarget, now = new Date()): Promise<Date> {
    const key = `${this.prefix}:pace:${target.id}`;
    const stored = Number((await this.redis.get(key)) ?? 0);
    const base = new Date(Math.max(now.getTime(), stored));
    const spacing = spacingMs(target, base);
    const gap = spacing + Math.floor(this.random() * spacing * 0.5);
    const slot = await this.redis.eval(RESERVE, 1, key, String(now.getTime()), String(gap), String(KEY_TTL_MS));
    return new Date(Number(slot));
  }
}
