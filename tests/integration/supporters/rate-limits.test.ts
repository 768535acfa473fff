// @queue-backends both: npm test runs this file on Redis and on PostgreSQL queues (scripts/test.mjs).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { createCampaign, signingBody, type TestCampaign } from '../../support/fixtures';
import { eventually, postJson, startTestApi, type TestApi } from '../../support/harness';

/**
 * What only a Redis store has (its keys, its outages) is tested with QUEUE_BACKEND=redis; a run with
 * postgres (embedded mode) skips it, and postgres-queues.test.ts checks the PostgreSQL store's keys.
 */
const onRedis = (process.env.QUEUE_BACKEND ?? 'redis') === 'redis';
const redisOnly = onRedis ? it : it.skip;

/** Every API of a test is closed at its end. */
const apis: TestApi[] = [];
async function api(overrides: Record<string, string>): Promise<TestApi> {
  const started = await startTestApi({ RATE_LIMIT_ENABLED: 'true', ...overrides });
  apis.push(started);
  return started;
}

afterEach(async () => {
  await Promise.all(apis.splice(0).map((a) => a.close()));
});

let campaign: TestCampaign;
beforeAll(async () => {
  const setup = await startTestApi();
  campaign = await createCampaign(setup.platform.db);
  await setup.close();
});

function sign(target: TestApi, overrides: Record<string, unknown> = {}, ip?: string) {
  return postJson(`${target.url}/api/campaigns/${campaign.slug}/signatures`, signingBody(campaign, overrides), ip ? { 'x-forwarded-for': ip } : {});
}

async function footprint(target: TestApi) {
  const db = target.platform.db;
  const [signatures, supporters, outbox] = await Promise.all([
    db.signature.count({ where: { campaignId: campaign.id } }),
    db.supporter.count(),
    db.outboxEvent.count(),
  ]);
  return { signatures, supporters, outbox };
}

function expectRateLimited(answer: Awaited<ReturnType<typeof postJson>>) {
  expect(answer.status).toBe(429);
  expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(answer.json).toEqual(
    expect.objectContaining({
      type: 'urn:clarion:problem:rate_limited',
      status: 429,
      code: 'rate_limited',
      title: expect.any(String),
      detail: expect.any(String),
    }),
  );
  const retryAfter = Number(answer.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
}

const HIGH = '1000';
/** Addresses at a domain of this test's own, so no other test's signings count against it. */
const domain = () => `ngo-${randomUUID().slice(0, 8)}.example`;
const at = (d: string) => ({ email: `s-${randomUUID().slice(0, 8)}@${d}` });

describe('the per-network limit', () => {
  it('refuses the 4th signing from one address in a minute with a 429 and writes nothing', async () => {
    const a = await api({ RATE_LIMIT_IP_PER_MINUTE: '3', RATE_LIMIT_DOMAIN_PER_MINUTE: HIGH });
    for (let i = 0; i < 3; i++) expect((await sign(a)).status).toBe(202);
    const before = await footprint(a);
    expectRateLimited(await sign(a));
    expect(await footprint(a)).toEqual(before);
  });

  it('counts each client address on its own behind a trusted proxy', async () => {
    const a = await api({ RATE_LIMIT_IP_PER_MINUTE: '2', RATE_LIMIT_DOMAIN_PER_MINUTE: HIGH });
    for (let i = 0; i < 2; i++) expect((await sign(a, {}, '198.51.100.7')).status).toBe(202);
    expectRateLimited(await sign(a, {}, '198.51.100.7'));
    expect((await sign(a, {}, '198.51.100.8')).status).toBe(202);
  });

  it('counts a whole IPv6 /64 as one network', async () => {
    const a = await api({ RATE_LIMIT_IP_PER_MINUTE: '2', RATE_LIMIT_DOMAIN_PER_MINUTE: HIGH });
    expect((await sign(a, {}, '2001:db8:aa:bb::1')).status).toBe(202);
    expect((await sign(a, {}, '2001:db8:aa:bb:ffff::2')).status).toBe(202);
    expectRateLimited(await sign(a, {}, '2001:db8:aa:bb::3'));
    expect((await sign(a, {}, '2001:db8:aa:cc::1')).status).toBe(202);
  });

  it('is shared by every API process with the same Redis prefix', async () => {
    const prefix = `t-shared-${randomUUID().slice(0, 8)}`;
    const a = await api({ QUEUE_PREFIX: prefix, RATE_LIMIT_IP_PER_MINUTE: '3', RATE_LIMIT_DOMAIN_PER_MINUTE: HIGH });
    const b = await api({ QUEUE_PREFIX: prefix, RATE_LIMIT_IP_PER_MINUTE: '3', RATE_LIMIT_DOMAIN_PER_MINUTE: HIGH });
    expect((await sign(a)).status).toBe(202);
    expect((await sign(b)).status).toBe(202);
    expect((await sign(a)).status).toBe(202);
    expectRateLimited(await sign(b));
    expectRateLimited(await sign(a));
    // A process with another prefix (another deployment) counts on its own.
    const c = await api({ RATE_LIMIT_IP_PER_MINUTE: '3', RATE_LIMIT_DOMAIN_PER_MINUTE: HIGH });
    expect((await sign(c)).status).toBe(202);
  });

  redisOnly('keeps no client address in Redis, only keyed hashes of it', async () => {
    const a = await api({ RATE_LIMIT_IP_PER_MINUTE: HIGH, RATE_LIMIT_DOMAIN_PER_MINUTE: HIGH });
    expect((await sign(a)).status).toBe(202);
    expect((await sign(a, {}, '198.51.100.23')).status).toBe(202);
    expect((await sign(a, {}, '2001:db8:77:88::1')).status).toBe(202);
    const keys = await a.platform.redis.keys(`${a.platform.config.QUEUE_PREFIX}*`);
    expect(keys.filter((key) => key.includes(':rl:ip-')).length).toBeGreaterThanOrEqual(6);
    for (const raw of ['127.0.0.1', '198.51.100.23', '2001:db8:77:88', '2001:0db8:0077:0088']) {
      expect(keys.filter((key) => key.includes(raw))).toEqual([]);
    }
  });
});

describe('the per-domain limit', () => {
  it('refuses the 3rd signing at one domain in a minute while another domain still passes', async () => {
    const a = await api({ RATE_LIMIT_IP_PER_MINUTE: HIGH, RATE_LIMIT_IP_PER_HOUR: HIGH, RATE_LIMIT_DOMAIN_PER_MINUTE: '2' });
    const busy = domain();
    expect((await sign(a, at(busy))).status).toBe(202);
    expect((await sign(a, at(busy.toUpperCase()))).status).toBe(202);
    const before = await footprint(a);
    expectRateLimited(await sign(a, at(busy)));
    expect(await footprint(a)).toEqual(before);
    expect((await sign(a, at(domain()))).status).toBe(202);
  });

  it('does not limit the big mail providers by domain', async () => {
    const a = await api({ RATE_LIMIT_IP_PER_MINUTE: HIGH, RATE_LIMIT_IP_PER_HOUR: HIGH, RATE_LIMIT_DOMAIN_PER_MINUTE: '2' });
    for (let i = 0; i < 5; i++) {
      expect((await sign(a, { email: `person${randomUUID().slice(0, 8)}@gmail.com` })).status).toBe(202);
    }
  });
});

describe('when Redis fails', () => {
  /** A private Redis on a free loopback port, so the shared one is never stopped. */
  async function freePort(): Promise<number> {
    const server = net.createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as net.AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    return port;
  }

  let privateRedis: ChildProcess | undefined;
  afterEach(async () => {
    if (privateRedis && privateRedis.exitCode === null) {
      privateRedis.kill('SIGTERM');
      await once(privateRedis, 'exit');
    }
    privateRedis = undefined;
  });

  redisOnly('lets signings through while Redis is down, and limits again once Redis is back', async () => {
    const port = await freePort();
    const a = await api({ REDIS_URL: `redis://127.0.0.1:${port}`, RATE_LIMIT_IP_PER_MINUTE: '2', RATE_LIMIT_DOMAIN_PER_MINUTE: HIGH });
    // Redis is down from the start: losing signatures would be worse than a brief flood.
    for (let i = 0; i < 3; i++) expect((await sign(a)).status).toBe(202);

    privateRedis = spawn('/usr/bin/redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await eventually(async () => (await a.platform.redis.ping().catch(() => '')) === 'PONG', 10_000, 'the private Redis to answer');

    expect((await sign(a)).status).toBe(202);
    expect((await sign(a)).status).toBe(202);
    expectRateLimited(await sign(a));
  });
});
