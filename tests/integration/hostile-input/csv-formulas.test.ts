import { CSV_COLUMNS } from '../../../src/modules/letters/targets/targets.csv';
import { call, logIn, makeAccount, makeToken } from '../../support/admin';
import { startTestApi, type TestApi } from '../../support/harness';

/** The delegations export neutralises formulas by the same rule as the signatures export, full-width forms included. */
let api: TestApi;
let auth: Record<string, string>;
const ISO2 = 'BV';

beforeAll(async () => {
  api = await startTestApi();
  const owner = await makeAccount(api.platform.db, 'owner');
  auth = { authorization: `Bearer ${(await makeToken(api.url, await logIn(api.url, owner.email, owner.password), 'owner')).token}` };
  const csv = `${CSV_COLUMNS.join(',')}\n${ISO2},Bouvet Island,Western European and Others,false,,Permanent Mission of Bouvet Island,Europe/Oslo,Excellency,en,true,,office@bv-mission.org\n`;
  expect((await call(api.url, 'POST', '/api/admin/targets/import', { headers: auth, csv })).status).toBe(200);
});
afterAll(() => api.close());

it('quotes a mission name or salutation a spreadsheet would run, and the file imports back to the same text', async () => {
  const missionName = '＝HYPERLINK("http://evil.example","Mission")';
  const salutation = '＠SUM(A1)';
  expect((await call(api.url, 'PATCH', `/api/admin/targets/${ISO2}`, { headers: auth, json: { missionName, salutation } })).status).toBe(200);
  const exported = await call(api.url, 'GET', '/api/admin/targets.csv', { headers: auth });
  const row = exported.text.split('\n').find((line) => line.startsWith(`${ISO2},`))!;
  expect(row).toContain(`"'＝HYPERLINK(""http://evil.example"",""Mission"")"`);
  expect(row).toContain(`,'＠SUM(A1),`);

  // Import what was exported: the quotes come off again.
  expect(
    (
      await call(api.url, 'POST', '/api/admin/targets/import', {
        headers: auth,
        csv: exported.text
          .split('\n')
          .filter((line, i) => i === 0 || line.startsWith(`${ISO2},`))
          .join('\n'),
      })
    ).status,
  ).toBe(200);
  const target = await api.platform.db.target.findUniqueOrThrow({ where: { iso2: ISO2 } });
  expect([target.missionName, target.salutation]).toEqual([missionName, salutation]);
});
