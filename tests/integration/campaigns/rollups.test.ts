import { createCampaign } from '../../support/fixtures';
import { postJson, startTestApi, type TestApi } from '../../support/harness';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ RATE_LIMIT_ENABLED: 'false' });
});
afterAll(async () => {
  await api.close();
});

describe('signature rollups', () => {
  it('equal a full count by hour, country and source after signing, repeating and confirming', async () => {
    const campaign = await createCampaign(api.platform.db);
    const sign = (email: string, extra: Record<string, unknown>) => postJson(`${api.url}/api/campaigns/${campaign.slug}/signatures`, {
      email, name: 'R', consent: { updates: false, wording: campaign.wording }, ...extra,
    });
    const stamp = Date.now();
    await sign(`a${stamp}@example.org`, { country: 'KZ', source: 'partner-a' });
    await sign(`b${stamp}@example.org`, { country: 'KZ', utm_source: 'newsletter' });
    await sign(`c${stamp}@example.org`, { country: 'FR' });
    await sign(`c${stamp}@example.org`, { country: 'FR' }); // a repeat counts once
    await sign(`d${stamp}@example.org`, {});
    const rollups = await api.platform.db.$queryRaw<Array<{ country: string; source: string; utm_source: string; signed: bigint }>>`
      SELECT country, source, utm_source, sum(signed) AS signed FROM signature_rollups WHERE campaign_id = ${campaign.id}::uuid
      GROUP BY country, source, utm_source ORDER BY country, source, utm_source`;
    const full = await api.platform.db.$queryRaw<Array<{ country: string; source: string; utm_source: string; signed: bigint }>>`
      SELECT coalesce(country, '') AS country, coalesce(source, '') AS source, coalesce(utm_source, '') AS utm_source, count(*) AS signed
      FROM signatures WHERE campaign_id = ${campaign.id}::uuid GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`;
    expect(rollups.map((r) => ({ ...r, signed: Number(r.signed) }))).toEqual(full.map((r) => ({ ...r, signed: Number(r.signed) })));
    expect(full.reduce((n, r) => n + Number(r.signed), 0)).toBe(4);
  });
});
