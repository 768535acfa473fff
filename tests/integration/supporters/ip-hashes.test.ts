import { clearExpiredIpHashes } from '../../../src/modules/supporters/ip-hash-retention';
import { ipSourceHash, widerNetworksOf } from '../../../src/platform/network-hash';
import { createCampaign, signingBody } from '../../support/fixtures';
import { postJson, startTestApi, type TestApi } from '../../support/harness';

/**
 * Source-network hashes: keyed by a key that changes every UTC day (a leaked SECRET_KEY does not
 * reverse every address ever seen), cleared after IP_HASH_RETENTION_DAYS, and IPv6 limits that
 * also count per /56 and /48 (a client with a /48 owns 65,536 /64s).
 */
let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({
    RATE_LIMIT_IP_PER_MINUTE: '2',
    RATE_LIMIT_IP_PER_HOUR: '1000',
    RATE_LIMIT_DOMAIN_PER_MINUTE: '1000',
    RATE_LIMIT_DOMAIN_EXEMPT: 'example.org',
  });
});
afterAll(async () => {
  await api.close();
});

describe('the source-network hash', () => {
  it('is the same within a UTC day and different the next day', () => {
    const morning = new Date('2026-12-06T00:10:00Z');
    const evening = new Date('2026-12-06T23:50:00Z');
    const nextDay = new Date('2026-12-07T00:10:00Z');
    const hash = (at: Date) => ipSourceHash(api.platform, '203.0.113.7', at)!.toString('hex');
    expect(hash(morning)).toBe(hash(evening));
    expect(hash(nextDay)).not.toBe(hash(morning));
    expect(ipSourceHash(api.platform, '203.0.113.8', morning)!.toString('hex')).not.toBe(hash(morning));
  });

  it('names the /56 and /48 of an IPv6 client, and nothing wider for IPv4', () => {
    expect(widerNetworksOf('2001:db8:abcd:12ff::1')).toEqual(['2001:0db8:abcd:1200::/56', '2001:0db8:abcd::/48']);
    expect(widerNetworksOf('203.0.113.7')).toEqual([]);
    expect(widerNetworksOf('::ffff:203.0.113.7')).toEqual([]);
  });
});

describe('retention', () => {
  it('clears hashes older than the window and keeps recent ones, which the fraud view still shows', async () => {
    const campaign = await createCampaign(api.platform.db);
    for (const network of ['198.51.100.1', '198.51.100.2']) {
      const answer = await postJson(`${api.url}/api/campaigns/${campaign.slug}/signatures`, signingBody(campaign), { 'x-forwarded-for': network });
      expect(answer.status).toBe(202);
    }
    const rows = await api.platform.db.signature.findMany({
      where: { campaignId: campaign.id },
      select: { id: true, ipHash: true },
      orderBy: { createdAt: 'asc' },
    });
    expect(rows.every((r) => r.ipHash !== null)).toBe(true);
    await api.platform.db.signature.update({ where: { id: rows[0]!.id }, data: { createdAt: new Date(Date.now() - 31 * 86_400_000) } });

    expect(await clearExpiredIpHashes(api.platform.db, 30)).toBeGreaterThanOrEqual(1);
    const after = await api.platform.db.signature.findMany({ where: { campaignId: campaign.id }, select: { id: true, ipHash: true } });
    expect(after.find((r) => r.id === rows[0]!.id)!.ipHash).toBeNull();
    expect(after.find((r) => r.id === rows[1]!.id)!.ipHash).not.toBeNull();
    expect(await clearExpiredIpHashes(api.platform.db, 30)).toBe(0);
  });
});

describe('IPv6 signing limits', () => {
  it('count per /56 (4x the per-network limit) and per /48 (16x), not only per /64', async () => {
    const campaign = await createCampaign(api.platform.db);
    const sign = (ip: string) => postJson(`${api.url}/api/campaigns/${campaign.slug}/signatures`, signingBody(campaign), { 'x-forwarded-for': ip });
    // Eight /64s of one /56, two signings each: the /64 limit (2) is never passed, the /56 one (8) is.
    const statuses: number[] = [];
    for (let net = 0; net < 8; net++) for (let i = 1; i <= 2; i++) statuses.push((await sign(`2001:db8:1:${net}::${i}`)).status);
    expect(statuses.slice(0, 8)).toEqual(Array(8).fill(202));
    expect(statuses.slice(8).every((s) => s === 429)).toBe(true);
    // Another /56 of the same /48 still signs.
    expect((await sign('2001:db8:1:100::1')).status).toBe(202);
  });
});
