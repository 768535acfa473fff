/**
 * One contract, two stores: what rate limits, login counters, proof-of-work replays and letter
 * pacing rely on (platform/shared-state.ts), checked on Redis and on PostgreSQL alike; and the
 * sweeper that keeps the PostgreSQL table small.
 */
import { randomUUID } from 'node:crypto';
import { createRedis, type Redis } from '../../../src/platform/redis';
import { PostgresSharedState, RedisSharedState, type SharedState } from '../../../src/platform/shared-state';
import { SharedValuesSweeper } from '../../../src/platform/shared-values-sweeper';
import { startTestApi, type TestApi } from '../../support/harness';

let api: TestApi;
let redis: Redis | undefined;
/** `npm test` says whether a Redis answers here (scripts/test.mjs); run directly, jest assumes one does. */
const redisAnswers = process.env.CLARION_TEST_REDIS !== 'none';
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  api = await startTestApi({ RATE_LIMIT_ENABLED: 'false' });
  if (redisAnswers) redis = createRedis(process.env.REDIS_URL!, 'queue');
});

afterAll(async () => {
  await redis?.quit();
  await api.close();
});

const stores: Array<[string, () => SharedState]> = [
  ...(redisAnswers ? [['Redis', () => new RedisSharedState(redis!)] as [string, () => SharedState]] : []),
  ['PostgreSQL', () => new PostgresSharedState(api.platform.db)],
];

describe.each(stores)('the shared state in %s', (_name, make) => {
  const key = () => `${api.platform.config.QUEUE_PREFIX}:contract:${randomUUID()}`;

  it('counts hits in a fixed window that starts with the first hit, and starts again once it ended', async () => {
    const state = make();
    const k = key();
    const first = await state.hit(k, 300);
    const second = await state.hit(k, 300);
    expect([first.count, second.count]).toEqual([1, 2]);
    expect(Math.abs(second.resetAt.getTime() - first.resetAt.getTime())).toBeLessThan(50);
    expect((await state.peek(k))?.count).toBe(2);
    await pause(400);
    expect(await state.peek(k)).toBeUndefined();
    expect((await state.hit(k, 300)).count).toBe(1);
  });

  it('counts concurrent hits exactly: twenty at once get 1..20', async () => {
    const state = make();
    const k = key();
    const counts = await Promise.all(Array.from({ length: 20 }, () => state.hit(k, 10_000)));
    expect(counts.map((c) => c.count).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('takes a hit back and forgets a counter', async () => {
    const state = make();
    const k = key();
    await state.hit(k, 10_000);
    await state.hit(k, 10_000);
    await state.takeBack(k);
    expect((await state.peek(k))?.count).toBe(1);
    await state.forget(k);
    expect(await state.peek(k)).toBeUndefined();
  });

  it('lets one of many concurrent claims win, and the key be claimed again once it expired', async () => {
    const state = make();
    const k = key();
    const claims = await Promise.all(Array.from({ length: 10 }, () => state.claimOnce(k, 300)));
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await state.claimOnce(k, 300)).toBe(false);
    await pause(400);
    expect(await state.claimOnce(k, 300)).toBe(true);
  });

  it('reserves slots a gap apart, never before now, whoever reserves at once', async () => {
    const state = make();
    const k = key();
    const now = Date.now();
    expect(await state.nextFree(k)).toBe(0);
    const slots = await Promise.all(Array.from({ length: 5 }, () => state.reserveSlot(k, now, 1_000, 60_000)));
    expect(slots.sort((a, b) => a - b)).toEqual([now, now + 1_000, now + 2_000, now + 3_000, now + 4_000]);
    expect(await state.nextFree(k)).toBe(now + 5_000);
    // Later than the next free slot: the slot is now.
    expect(await state.reserveSlot(k, now + 60_000, 1_000, 60_000)).toBe(now + 60_000);
  });

  it('answers ping', async () => {
    expect(await make().ping()).toBe(true);
  });
});

describe('the shared values sweeper', () => {
  it('deletes expired rows and keeps live ones', async () => {
    const prefix = `${api.platform.config.QUEUE_PREFIX}:sweep:`;
    await api.platform.db.sharedValue.createMany({
      data: [
        { key: `${prefix}expired`, value: 1n, expiresAt: new Date(Date.now() - 1_000) },
        { key: `${prefix}live`, value: 1n, expiresAt: new Date(Date.now() + 60_000) },
      ],
    });
    const sweeper = new SharedValuesSweeper(api.platform.db, api.platform.logger, 60_000);
    sweeper.start(); // runs once at start
    await sweeper.stop(); // waits for that run
    const left = await api.platform.db.sharedValue.findMany({ where: { key: { startsWith: prefix } }, select: { key: true } });
    expect(left.map((r) => r.key)).toEqual([`${prefix}live`]);
  });
});
