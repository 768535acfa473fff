import { confirmationLink, confirmSignature } from '../../../src/modules/supporters';
import { createCampaign } from '../../support/fixtures';
import { postJson, startTestApi, type TestApi } from '../../support/harness';
import { expectRollupsEqualFullCount } from '../../support/rollups';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ RATE_LIMIT_ENABLED: 'false' });
});
afterAll(async () => {
  await api.close();
});

describe('signature rollups', () => {
  it('equal a full count by hour, by country and by source, each table, after signing, repeating and confirming', async () => {
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
    const attempt = await api.platform.db.signingAttempt.findFirstOrThrow({ where: { signature: { campaignId: campaign.id, country: 'KZ', source: 'partner-a' } }, select: { id: true } });
    await confirmSignature(api.platform, confirmationLink(api.platform, attempt.id).split('/confirm/')[1]!);
    expect(await expectRollupsEqualFullCount(api.platform.db, campaign.id)).toBe(4);
  });
});
