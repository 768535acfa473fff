// @queue-backends both: npm test runs this file on Redis and on PostgreSQL queues (scripts/test.mjs).
import { createCampaign, signingBody, type TestCampaign } from '../../support/fixtures';
import { postJson, startTestApi, type TestApi } from '../../support/harness';
import { issueChallenge, MAX_COUNTER } from '../../../src/modules/supporters/proof-of-work';

let api: TestApi;
let campaign: TestCampaign;

beforeAll(async () => {
  api = await startTestApi({ RATE_LIMIT_ENABLED: 'false' });
  campaign = await createCampaign(api.platform.db);
  await api.platform.db.campaign.update({ where: { id: campaign.id }, data: { proofOfWork: true } });
});

afterAll(() => api.close());

type Challenge = { parameters: Record<string, unknown>; signature: string };

async function challenge(): Promise<Challenge> {
  const response = await fetch(`${api.url}/api/altcha/challenge`);
  expect(response.status).toBe(200);
  expect(response.headers.get('cache-control')).toBe('no-store');
  return (await response.json()) as Challenge;
}

/** Solves like the widget does, in this process, and encodes the payload as the widget sends it. */
async function solve(given: Challenge): Promise<string> {
  const [lib, sha] = await Promise.all([import('altcha-lib'), import('altcha-lib/algorithms/sha')]);
  const solution = await lib.solveChallenge({ challenge: given as never, deriveKey: sha.deriveKey });
  if (!solution) throw new Error('no solution found');
  return Buffer.from(JSON.stringify({ challenge: given, solution })).toString('base64');
}

const sign = (body: unknown, headers: Record<string, string> = {}) => postJson(`${api.url}/api/campaigns/${campaign.slug}/signatures`, body, headers);
const count = () => api.platform.db.signature.count({ where: { campaignId: campaign.id } });

function expectRefusal(answer: Awaited<ReturnType<typeof sign>>, message: string) {
  expect(answer.status).toBe(400);
  expect(answer.headers.get('content-type')).toContain('application/problem+json');
  expect(answer.json).toMatchObject({ code: 'proof_of_work_failed', errors: [{ field: 'altcha', message }] });
}

describe('proof of work on signing', () => {
  it('issues signed, expiring challenges a phone solves in about a second', async () => {
    const issued = await challenge();
    expect(issued.parameters).toMatchObject({ algorithm: 'SHA-256', cost: 1, expiresAt: expect.any(Number) });
    expect(issued.signature).toEqual(expect.any(String));
    expect((issued.parameters.expiresAt as number) * 1000).toBeGreaterThan(Date.now());
    expect(MAX_COUNTER).toBeLessThanOrEqual(100_000);
  });

  it('accepts a solved challenge once, and refuses the same solution a second time', async () => {
    const before = await count();
    const payload = await solve(await challenge());
    expect((await sign(signingBody(campaign, { altcha: payload }))).status).toBe(202);
    expect(await count()).toBe(before + 1);
    expectRefusal(await sign(signingBody(campaign, { altcha: payload })), 'has been used already');
    expect(await count()).toBe(before + 1);
  });

  it('refuses a signing without a solution, with a garbled one, and with a forged one, and stores nothing', async () => {
    const before = await count();
    expectRefusal(await sign(signingBody(campaign)), 'is required');
    expectRefusal(await sign(signingBody(campaign, { altcha: 'not base64 json' })), 'is not valid');

    const issued = await challenge();
    const forged = Buffer.from(JSON.stringify({ challenge: issued, solution: { counter: 1, derivedKey: '00'.repeat(32) } })).toString('base64');
    expectRefusal(await sign(signingBody(campaign, { altcha: forged })), 'is not valid');

    // A challenge we did not sign (made with another key), correctly solved.
    const [lib, sha] = await Promise.all([import('altcha-lib'), import('altcha-lib/algorithms/sha')]);
    const foreign = await lib.createChallenge({
      algorithm: 'SHA-256',
      cost: 1,
      counter: 5,
      deriveKey: sha.deriveKey,
      expiresAt: new Date(Date.now() + 60_000),
      hmacSignatureSecret: 'someone else',
      hmacKeySignatureSecret: 'someone else',
    });
    expectRefusal(await sign(signingBody(campaign, { altcha: await solve(foreign as unknown as Challenge) })), 'is not valid');
    expect(await count()).toBe(before);
  });

  it('refuses an expired challenge', async () => {
    const old = await issueChallenge(api.platform, Date.now() - 11 * 60 * 1000);
    expectRefusal(await sign(signingBody(campaign, { altcha: await solve(old as unknown as Challenge) })), 'has expired');
  });

  it('says so in Russian too', async () => {
    const answer = await sign(signingBody(campaign), { 'accept-language': 'ru' });
    expect(answer.json).toMatchObject({ title: 'Проверка на бота не пройдена', errors: [{ field: 'altcha', message: 'обязательное поле' }] });
  });

  it('asks nothing of a campaign without proof of work, and tells API clients which campaigns need it', async () => {
    const plain = await createCampaign(api.platform.db);
    expect((await postJson(`${api.url}/api/campaigns/${plain.slug}/signatures`, signingBody(plain))).status).toBe(202);
    expect(((await (await fetch(`${api.url}/api/campaigns/${plain.slug}`)).json()) as { proofOfWork: boolean }).proofOfWork).toBe(false);
    expect(((await (await fetch(`${api.url}/api/campaigns/${campaign.slug}`)).json()) as { proofOfWork: boolean }).proofOfWork).toBe(true);
  });

  it('serves the widget, its worker and styles from the API itself', async () => {
    for (const file of ['altcha.js', 'altcha-sha-worker.js', 'altcha.css']) {
      const response = await fetch(`${api.url}/static/vendor/${file}`);
      expect(response.status).toBe(200);
    }
    expect((await fetch(`${api.url}/static/vendor/other.js`)).status).toBe(404);
  });
});
