import type { Db } from './db';
import type { Redis } from './redis';

/**
 * Short-lived numbers every process of a deployment must share: rate-limit and login counters,
 * proof-of-work replays, letter pacing slots. Each key expires by itself. Chosen once at start
 * with QUEUE_BACKEND: in Redis (keys with a TTL) or in PostgreSQL (the `shared_values` table,
 * expired rows deleted by SharedValuesSweeper). Every operation is one atomic command or statement.
 * Keys carry QUEUE_PREFIX, so several deployments or test runs can share one store.
 */
export interface SharedState {
  /** Adds one to a fixed-window counter (the window starts with the first hit): the count and when it resets. */
  hit(key: string, windowMs: number): Promise<{ count: number; resetAt: Date }>;
  /** The counter's value and reset time, if it is counting. */
  peek(key: string): Promise<{ count: number; resetAt: Date } | undefined>;
  /** Takes one hit back (not below zero). */
  takeBack(key: string): Promise<void>;
  forget(key: string): Promise<void>;
  /** True for the first caller with this key until it expires, false for everyone after. */
  claimOnce(key: string, ttlMs: number): Promise<boolean>;
  /** The stored next-free time of a slot key (ms), 0 when none. */
  nextFree(key: string): Promise<number>;
  /** Atomically: slot = max(now, next free); next free = slot + gap. Returns the slot (ms). */
  reserveSlot(key: string, nowMs: number, gapMs: number, ttlMs: number): Promise<number>;
  /** Whether the store answers (readiness). */
  ping(): Promise<boolean>;
}

const RESERVE = `
local nextFree = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(tonumber(ARGV[1]), nextFree)
redis.call('SET', KEYS[1], tostring(slot + tonumber(ARGV[2])), 'PX', ARGV[3])
return tostring(slot)`;

export class RedisSharedState implements SharedState {
  constructor(private readonly redis: Redis) {}

  async hit(key: string, windowMs: number): Promise<{ count: number; resetAt: Date }> {
    const replies = await this.redis.multi().incr(key).pexpire(key, windowMs, 'NX').pttl(key).exec();
    if (!replies || replies.some(([error]) => error)) throw new Error('shared counter: a command failed');
    const ttl = Number(replies[2]![1]);
    return { count: Number(replies[0]![1]), resetAt: new Date(Date.now() + (ttl > 0 ? ttl : windowMs)) };
  }

  async peek(key: string): Promise<{ count: number; resetAt: Date } | undefined> {
    const [count, ttl] = await Promise.all([this.redis.get(key), this.redis.pttl(key)]);
    return count === null || ttl < 0 ? undefined : { count: Number(count), resetAt: new Date(Date.now() + ttl) };
  }

  async takeBack(key: string): Promise<void> {
    await this.redis.decr(key);
  }

  async forget(key: string): Promise<void> {
    await this.redis.del(key);
  }

  async claimOnce(key: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(key, '1', 'PX', ttlMs, 'NX')) === 'OK';
  }

  async nextFree(key: string): Promise<number> {
    return Number((await this.redis.get(key)) ?? 0);
  }

  async reserveSlot(key: string, nowMs: number, gapMs: number, ttlMs: number): Promise<number> {
    return Number(await this.redis.eval(RESERVE, 1, key, String(nowMs), String(gapMs), String(ttlMs)));
  }

  async ping(): Promise<boolean> {
    return (await this.redis.ping()) === 'PONG';
  }
}

/**
 * The same in one table (key, value, expires_at). A row whose expiry passed counts as absent
 * everywhere, so correctness never waits for the sweeper; it only keeps the table small.
 */
export class PostgresSharedState implements SharedState {
  constructor(private readonly db: Db) {}

  async hit(key: string, windowMs: number): Promise<{ count: number; resetAt: Date }> {
    const [row] = await this.db.$queryRaw<Array<{ value: bigint; expires_at: Date }>>`
      INSERT INTO shared_values AS s (key, value, expires_at) VALUES (${key}, 1, now() + make_interval(secs => ${windowMs / 1000}))
      ON CONFLICT (key) DO UPDATE SET
        value = CASE WHEN s.expires_at <= now() THEN 1 ELSE s.value + 1 END,
        expires_at = CASE WHEN s.expires_at <= now() THEN excluded.expires_at ELSE s.expires_at END
      RETURNING value, expires_at`;
    return { count: Number(row!.value), resetAt: row!.expires_at };
  }

  async peek(key: string): Promise<{ count: number; resetAt: Date } | undefined> {
    const [row] = await this.db.$queryRaw<Array<{ value: bigint; expires_at: Date }>>`
      SELECT value, expires_at FROM shared_values WHERE key = ${key} AND expires_at > now()`;
    return row ? { count: Number(row.value), resetAt: row.expires_at } : undefined;
  }

  async takeBack(key: string): Promise<void> {
    await this.db.$executeRaw`UPDATE shared_values SET value = greatest(value - 1, 0) WHERE key = ${key} AND expires_at > now()`;
  }

  async forget(key: string): Promise<void> {
    await this.db.$executeRaw`DELETE FROM shared_values WHERE key = ${key}`;
  }

  async claimOnce(key: string, ttlMs: number): Promise<boolean> {
    // Takes the key when it is new or its last claim expired; a live claim updates nothing, returns nothing.
    const rows = await this.db.$queryRaw<Array<{ key: string }>>`
      INSERT INTO shared_values AS s (key, value, expires_at) VALUES (${key}, 1, now() + make_interval(secs => ${ttlMs / 1000}))
      ON CONFLICT (key) DO UPDATE SET value = 1, expires_at = excluded.expires_at WHERE s.expires_at <= now()
      RETURNING key`;
    return rows.length === 1;
  }

  async nextFree(key: string): Promise<number> {
    const [row] = await this.db.$queryRaw<Array<{ value: bigint }>>`SELECT value FROM shared_values WHERE key = ${key} AND expires_at > now()`;
    return row ? Number(row.value) : 0;
  }

  async reserveSlot(key: string, nowMs: number, gapMs: number, ttlMs: number): Promise<number> {
    const [row] = await this.db.$queryRaw<Array<{ slot: bigint }>>`
      INSERT INTO shared_values AS s (key, value, expires_at)
      VALUES (${key}, ${nowMs}::bigint + ${gapMs}::bigint, now() + make_interval(secs => ${ttlMs / 1000}))
      ON CONFLICT (key) DO UPDATE SET
        value = greatest(${nowMs}::bigint, CASE WHEN s.expires_at <= now() THEN 0 ELSE s.value END) + ${gapMs}::bigint,
        expires_at = excluded.expires_at
      RETURNING value - ${gapMs}::bigint AS slot`;
    return Number(row!.slot);
  }

  async ping(): Promise<boolean> {
    await this.db.$queryRaw`SELECT 1 FROM shared_values LIMIT 1`;
    return true;
  }
}
