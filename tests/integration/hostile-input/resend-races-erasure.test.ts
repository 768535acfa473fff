import { eraseSupporter } from '../../../src/modules/erasure';
import { createCampaign, signingBody, type TestCampaign } from '../../support/fixtures';
import { LogCollector, postJson, startTestApi, type TestApi } from '../../support/harness';

/**
 * Found by the fuzz test: asking for a new confirmation link while the signature is being erased
 * answered 500 (the attempt to update was gone). The answer must be the same 202 either way.
 */
let api: TestApi;
let campaign: TestCampaign;
const logs = new LogCollector();

beforeAll(async () => {
  api = await startTestApi({ RATE_LIMIT_ENABLED: 'false', LOG_LEVEL: 'error' }, { logStream: logs });
  campaign = await createCampaign(api.platform.db);
});
afterAll(() => api.close());

it('answers 202 to resends that race an erasure of the same signature', async () => {
  for (let round = 0; round < 8; round += 1) {
    const body = signingBody(campaign);
    expect((await postJson(`${api.url}/api/campaigns/${campaign.slug}/signatures`, body)).status).toBe(202);
    const signature = await api.platform.db.signature.findFirstOrThrow({ where: { campaignId: campaign.id }, orderBy: { createdAt: 'desc' } });
    const resends = Array.from({ length: 6 }, () => postJson(`${api.url}/api/campaigns/${campaign.slug}/confirmations/resend`, { email: body.email }));
    await new Promise((resolve) => setTimeout(resolve, round % 4));
    await eraseSupporter(api.platform, signature.supporterId);
    const statuses = (await Promise.all(resends)).map((answer) => answer.status);
    expect({ statuses, errors: logs.lines.filter((line) => line.msg === 'unhandled error') }).toEqual({ statuses: Array(6).fill(202), errors: [] });
  }
});
