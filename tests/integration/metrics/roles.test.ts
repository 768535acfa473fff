import type { Role } from '../../../src/modules/admin';
import { logIn, makeAccount, makeToken } from '../../support/admin';
import { createCampaign } from '../../support/fixtures';
import { postJson, startTestApi, type TestApi } from '../../support/harness';

let api: TestApi;
let slug: string;
const tokens: Partial<Record<Role, string>> = {};
beforeAll(async () => {
  api = await startTestApi();
  const owner = await makeAccount(api.platform.db, 'owner');
  const session = await logIn(api.url, owner.email, owner.password);
  for (const role of ['editor', 'viewer'] as const) tokens[role] = (await makeToken(api.url, session, role)).token;
  slug = (await createCampaign(api.platform.db)).slug;
});
afterAll(async () => {
  await api.close();
});

const bearer = (role: Role) => ({ authorization: `Bearer ${tokens[role]}` });

describe('metrics roles', () => {
  it('lets a viewer read figures but not export personal data; an editor exports', async () => {
    for (const path of ['metrics', 'sources']) {
      expect((await fetch(`${api.url}/api/admin/campaigns/${slug}/${path}`, { headers: bearer('viewer') })).status).toBe(200);
    }
    for (const path of ['signatures.csv', 'letters.csv', 'delivery-package/manifest.json']) {
      expect((await fetch(`${api.url}/api/admin/campaigns/${slug}/${path}`, { headers: bearer('viewer') })).status).toBe(403);
      expect((await fetch(`${api.url}/api/admin/campaigns/${slug}/${path}`, { headers: bearer('editor') })).status).toBe(200);
    }
  });

  it('refuses invalidate and restore to a viewer and allows them to an editor', async () => {
    for (const action of ['invalidate', 'restore']) {
      const url = `${api.url}/api/admin/campaigns/${slug}/signatures/${action}`;
      const body = { emailDomain: 'nobody.example', reason: 'test' };
      expect((await postJson(url, body, bearer('viewer'))).status).toBe(403);
      const allowed = await postJson(url, body, bearer('editor'));
      expect(allowed.status).toBe(200);
      expect(allowed.json).toEqual({ changed: 0, byPreviousStatus: { confirmed: 0, pending: 0 } });
    }
  });

  it('refuses an invalidation without a condition', async () => {
    const answer = await postJson(`${api.url}/api/admin/campaigns/${slug}/signatures/invalidate`, { reason: 'everything' }, bearer('editor'));
    expect(answer.status).toBe(400);
  });
});
