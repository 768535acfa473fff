import { eraseSupporter } from '../../../src/modules/erasure';
import { createCampaign, signingBody, type TestCampaign } from '../../support/fixtures';
import { postJson, startTestApi, type TestApi } from '../../support/harness';
import { expectRollupsEqualFullCount } from '../../support/rollups';

/**
 * `source` and `utm_*` are rollup keys that outlive the signatures they count: they are slugs,
 * never free text, and a key whose counts are back to zero (its last signature erased) is gone.
 */
let api: TestApi;
let campaign: TestCampaign;

beforeAll(async () => {
  api = await startTestApi();
  campaign = await createCampaign(api.platform.db);
});
afterAll(() => api.close());

const sign = (fields: Record<string, unknown>) => postJson(`${api.url}/api/campaigns/${campaign.slug}/signatures`, signingBody(campaign, fields));

describe('tracking fields', () => {
  it.each([
    ['source', 'zhanar@example.org'],
    ['source', 'two words'],
    ['utm_source', 'x'.repeat(65)],
    ['utm_medium', '-starts-with-dash'],
    ['utm_campaign', 'кампания'],
  ])('refuses %s=%j', async (field, value) => {
    const answer = await sign({ [field]: value });
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ errors: [{ field }] });
  });

  it('accepts slugs and stores them lower-case', async () => {
    const answer = await sign({ source: 'Partner.Site', utm_source: 'Newsletter', utm_medium: 'e-mail', utm_campaign: 'spring_2026' });
    expect(answer.status).toBe(202);
    const stored = await api.platform.db.signature.findFirstOrThrow({ where: { campaignId: campaign.id, source: 'partner.site' } });
    expect([stored.utmSource, stored.utmMedium, stored.utmCampaign]).toEqual(['newsletter', 'e-mail', 'spring_2026']);
  });

  it('the campaign page carries only slugs from its link into the form', async () => {
    const html = await (await fetch(`${api.url}/c/${campaign.slug}?utm_source=ok-slug&utm_medium=${encodeURIComponent('a@b.org')}`)).text();
    expect(html).toContain('name="utm_source" value="ok-slug"');
    expect(html).not.toContain('name="utm_medium"');
  });
});

describe('locale', () => {
  it.each([[10], [{}], ['xx'], [['en']]])('refuses locale %j', async (locale) => {
    const answer = await sign({ locale });
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ errors: [{ field: 'locale' }] });
  });

  it('accepts a known one', async () => {
    expect((await sign({ locale: 'kk' })).status).toBe(202);
  });
});

describe('rollups after erasure', () => {
  it('removes a source key when its last signature is erased, and keeps the counts exact', async () => {
    const own = await createCampaign(api.platform.db);
    const body = (source: string) => signingBody(own, { source, utm_source: 'mail' });
    expect((await postJson(`${api.url}/api/campaigns/${own.slug}/signatures`, body('only-one'))).status).toBe(202);
    expect((await postJson(`${api.url}/api/campaigns/${own.slug}/signatures`, body('shared'))).status).toBe(202);
    expect((await postJson(`${api.url}/api/campaigns/${own.slug}/signatures`, body('shared'))).status).toBe(202);
    // Distinct keys (a key has a row per slot its signatures landed in).
    const keys = async () =>
      [
        ...new Set((await api.platform.db.signatureRollupSource.findMany({ where: { campaignId: own.id }, select: { source: true } })).map((r) => r.source)),
      ].sort();
    expect(await keys()).toEqual(['only-one', 'shared']);

    const signatures = await api.platform.db.signature.findMany({ where: { campaignId: own.id }, orderBy: { createdAt: 'asc' } });
    await eraseSupporter(api.platform, signatures.find((s) => s.source === 'only-one')!.supporterId);
    await eraseSupporter(api.platform, signatures.filter((s) => s.source === 'shared')[0]!.supporterId);
    expect(await keys()).toEqual(['shared']);
    expect(await expectRollupsEqualFullCount(api.platform.db, own.id)).toBe(1);

    // Concurrent erasures of one key neither deadlock nor lose a count.
    const many = await Promise.all(Array.from({ length: 6 }, () => postJson(`${api.url}/api/campaigns/${own.slug}/signatures`, body('burst'))));
    expect(many.every((a) => a.status === 202)).toBe(true);
    const burst = await api.platform.db.signature.findMany({ where: { campaignId: own.id, source: 'burst' } });
    await Promise.all(burst.map((s) => eraseSupporter(api.platform, s.supporterId)));
    expect(await keys()).toEqual(['shared']);
    expect(await expectRollupsEqualFullCount(api.platform.db, own.id)).toBe(1);
  });
});
