import { createCampaign, signingBody } from '../../support/fixtures';
import { LogCollector, postJson, startTestApi, type TestApi } from '../../support/harness';

// An envelope is sealed for its table, column and row: someone who can write to the database but
// holds no key cannot move one supporter's sealed name or address into another's row and have it
// read (shown on a page, mailed, exported) as the other's.

const logs = new LogCollector();
let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ RATE_LIMIT_ENABLED: 'false', LOG_LEVEL: 'trace' }, { logStream: logs });
});
afterAll(async () => {
  await api.close();
});

async function signAs(slug: string, body: Record<string, unknown>) {
  const answer = await postJson(`${api.url}/api/campaigns/${slug}/signatures`, body);
  expect(answer.status).toBe(202);
  return (answer.json as { actionToken: string }).actionToken;
}

describe('a sealed value copied into another row', () => {
  it('does not open there: the letters request and the letter step answer 409 problem+json, never 500 nor the value, and the log names the column only', async () => {
    const campaign = await createCampaign(api.platform.db);
    const aigerim = signingBody(campaign, { name: 'Aigerim Copied', country: 'KZ' });
    const other = signingBody(campaign, { name: 'Someone Else', country: 'KZ' });
    await signAs(campaign.slug, aigerim);
    const token = await signAs(campaign.slug, other);
    const db = api.platform.db;

    const writePage = () =>
      fetch(`${api.url}/c/${campaign.slug}/write`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ actionToken: token }).toString(),
      });
    // Before the copy, the other's own token opens the letter step with their own name.
    const before = await writePage();
    expect(before.status).toBe(200);
    expect(await before.text()).toContain('Someone Else');

    // Copy Aigerim's sealed name (her attempt's) into the other attempt's row, and her supporter's into the other supporter's.
    const attempts = await db.signingAttempt.findMany({
      where: { campaignId: campaign.id },
      orderBy: { createdAt: 'asc' },
      select: { id: true, nameEncrypted: true, signature: { select: { supporterId: true } } },
    });
    expect(attempts).toHaveLength(2);
    const [hers, theirs] = attempts as [(typeof attempts)[number], (typeof attempts)[number]];
    await db.signingAttempt.update({ where: { id: theirs.id }, data: { nameEncrypted: hers.nameEncrypted } });
    const herSupporter = await db.supporter.findUniqueOrThrow({ where: { id: hers.signature!.supporterId }, select: { nameEncrypted: true } });
    await db.supporter.update({ where: { id: theirs.signature!.supporterId }, data: { nameEncrypted: herSupporter.nameEncrypted } });

    const json = await postJson(`${api.url}/api/campaigns/${campaign.slug}/letters`, { actionToken: token, targets: { own: true } });
    expect(json.status).toBe(409);
    expect(json.headers.get('content-type')).toContain('application/problem+json');
    expect(json.json).toMatchObject({ code: 'sealed_data_refused', status: 409 });
    expect(json.text).not.toContain('Aigerim');
    expect(json.text).not.toContain('signing_attempts');

    const page = await writePage();
    const pageText = await page.text();
    expect(page.status).toBe(409);
    expect(pageText).not.toContain('Aigerim');

    // Nothing was written for the refused request.
    expect(await db.letter.count({ where: { campaignId: campaign.id } })).toBe(0);

    const refusals = logs.lines.filter((line) => line.msg === 'sealed data refused');
    expect(refusals.length).toBeGreaterThanOrEqual(2);
    expect(refusals[0]).toMatchObject({ sealedColumn: 'signing_attempts.name_encrypted', reason: 'not_this_row' });
    expect(logs.text).not.toContain('Aigerim');
    expect(logs.lines.some((line) => line.msg === 'unhandled error')).toBe(false);
  });
});
