import { randomBytes, randomUUID } from 'node:crypto';
import { SEALED, sealLetterParagraph, sealPersonalData } from '../../../src/modules/supporters';
import { logIn, makeAccount, type AdminSessionCookie } from '../../support/admin';
import { createCampaign, type TestCampaign } from '../../support/fixtures';
import { freePort, osdiCall, osdiToken } from '../../support/osdi';
import { startTestApi, type TestApi } from '../../support/harness';

/**
 * Letters through the OSDI API: advocacy campaigns and outreaches, reached from the AEP by links,
 * paged and filtered like the other collections, the person only for an osdi:people token.
 * Letters are written here as delivery leaves them (sealed paragraph, sent), one of them held.
 */

let api: TestApi;
let owner: AdminSessionCookie;
let campaign: TestCampaign;
let targets: Array<{ id: string; iso2: string }>;
const LETTERS = 30;

const tokenWith = (scopes: string[]) => osdiToken(api.url, owner, scopes);

const get = (url: string, token: string) => osdiCall('GET', url, token);

/** A supporter with a confirmed signature and one letter to each of `to`, in `status`. */
async function writer(status: 'sent' | 'held' | 'failed', to: Array<{ id: string }>, at: Date): Promise<{ supporterId: string; letterIds: string[] }> {
  const [wording] = await api.platform.db.consentWording.findMany({ where: { campaignId: campaign.id }, select: { id: true } });
  const supporterId = randomUUID();
  await api.platform.db.supporter.create({
    data: {
      id: supporterId,
      emailHash: new Uint8Array(randomBytes(32)),
      emailEncrypted: sealPersonalData(api.platform, `writer.${supporterId.slice(0, 8)}@example.org`, SEALED.supporterEmail, supporterId),
      nameEncrypted: sealPersonalData(api.platform, 'Aigerim Writer', SEALED.supporterName, supporterId),
    },
  });
  const signature = await api.platform.db.signature.create({
    data: {
      campaignId: campaign.id,
      supporterId,
      status: status === 'held' ? 'pending' : 'confirmed',
      emailDomain: 'example.org',
      consentUpdates: false,
      consentWordingId: wording!.id,
      consentedAt: at,
      confirmedAt: status === 'held' ? null : at,
    },
    select: { id: true },
  });
  const attempt = await api.platform.db.signingAttempt.create({ data: { campaignId: campaign.id, signatureId: signature.id }, select: { id: true } });
  const letterIds: string[] = [];
  for (const target of to) {
    const id = randomUUID();
    letterIds.push(id);
    await api.platform.db.letter.create({
      data: {
        id,
        campaignId: campaign.id,
        supporterId,
        targetId: target.id,
        attemptId: attempt.id,
        status,
        language: 'en',
        paragraphEncrypted: sealLetterParagraph(api.platform, 'My cousin is held in Almaty.', id),
        createdAt: at,
        queuedAt: status === 'held' ? null : at,
        sentAt: status === 'sent' ? at : null,
        failedAt: status === 'failed' ? at : null,
      },
    });
  }
  return { supporterId, letterIds };
}

async function readAll(first: string, rel: string, token: string) {
  const records: Array<Record<string, any>> = [];
  for (let page = 1; page < 50; page += 1) {
    const url = new URL(first);
    url.searchParams.set('per_page', '25');
    url.searchParams.set('page', String(page));
    const { status, body } = await get(url.toString(), token);
    expect(status).toBe(200);
    const items = body._embedded[rel] as Array<Record<string, any>>;
    if (items.length === 0) return { records, last: body };
    records.push(...items);
  }
  throw new Error('no empty page');
}

beforeAll(async () => {
  const port = await freePort();
  api = await startTestApi({ PUBLIC_BASE_URL: `http://127.0.0.1:${port}` }, { port });
  const account = await makeAccount(api.platform.db, 'owner');
  await api.platform.db.adminAccount.update({ where: { id: account.id }, data: { canExport: true } });
  owner = await logIn(api.url, account.email, account.password);
  campaign = await createCampaign(api.platform.db);
  await api.platform.db.letterTemplate.create({
    data: {
      campaignId: campaign.id,
      language: 'en',
      subject: 'On {{campaign.title}}',
      html: '<p>{{supporter.paragraph}}</p>',
      text: '{{supporter.paragraph}}',
    },
  });
  targets = [];
  for (const iso2 of ['QA', 'QB']) {
    const found = await api.platform.db.target.findUnique({ where: { iso2 }, select: { id: true, iso2: true } });
    targets.push(
      found ??
        (await api.platform.db.target.create({
          data: { iso2, country: `Testland ${iso2}`, unGroup: 'Asia-Pacific', missionName: `Permanent Mission of Testland ${iso2}`, salutation: 'Excellency' },
          select: { id: true, iso2: true },
        })),
    );
  }
  const earlier = new Date(Date.now() - 60_000);
  for (let i = 0; i < LETTERS / 2; i += 1) await writer('sent', targets, earlier);
  await writer('held', targets, earlier); // nobody's letters until the signing is confirmed
});

afterAll(() => api.close());

describe('letters in the OSDI API', () => {
  it('lists an advocacy campaign per campaign with letters, its delegations and template, and its outreaches by links, without people for osdi:read', async () => {
    const token = await tokenWith(['osdi:read']);
    const aep = await get(`${api.url}/api/osdi/v1`, token);
    const { records: campaigns } = await readAll(aep.body._links['osdi:advocacy_campaigns'].href, 'osdi:advocacy_campaigns', token);
    const mine = campaigns.find((c) => c.name === campaign.slug)!;
    expect(mine.identifiers[0]).toBe(`clarion:${campaign.id}`);
    expect(mine.total_outreaches).toBe(LETTERS);
    expect(mine.targets.map((t: Record<string, string>) => t['clarion:iso2'])).toEqual(['QA', 'QB']);
    expect(mine['clarion:letter_templates']).toEqual([{ language: 'en', subject: 'On {{campaign.title}}', text: '{{supporter.paragraph}}' }]);
    const { records, last } = await readAll(mine._links['osdi:outreaches'].href, 'osdi:outreaches', token);
    expect(records).toHaveLength(LETTERS);
    expect(last.total_records).toBe(LETTERS);
    expect(last.total_pages).toBe(2);
    expect(records[0]).toMatchObject({ 'clarion:status': 'sent', type: 'email', targets: [{ organization: expect.stringContaining('Permanent Mission') }] });
    expect(records[0]!._links['osdi:advocacy_campaign'].href).toBe(mine._links.self.href);
    expect(records.every((r) => r._links['osdi:person'] === undefined)).toBe(true);
    expect(JSON.stringify(records)).not.toMatch(/cousin|example\.org|Aigerim/);
    const draft = await createCampaign(api.platform.db, { status: 'draft' });
    expect((await get(`${api.url}/api/osdi/v1/advocacy_campaigns/${draft.id}`, token)).status).toBe(404);
  });

  it('shows the person and paragraph only to osdi:people, audited, and syncs by modified_date', async () => {
    const token = await tokenWith(['osdi:read', 'osdi:people']);
    const before = await api.platform.db.auditEvent.count({ where: { action: 'osdi.personal_data.read' } });
    const since = new Date();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const fresh = await writer('failed', [targets[0]!], new Date());
    const filter = encodeURIComponent(`modified_date gt '${since.toISOString()}'`);
    const changed = await get(`${api.url}/api/osdi/v1/outreaches?filter=${filter}`, token);
    expect(changed.status).toBe(200);
    expect(changed.body._embedded['osdi:outreaches'].map((o: Record<string, any>) => o.identifiers[0])).toEqual([`clarion:${fresh.letterIds[0]}`]);
    const outreach = changed.body._embedded['osdi:outreaches'][0];
    expect(outreach['clarion:status']).toBe('failed');
    expect(outreach['clarion:paragraph']).toBe('My cousin is held in Almaty.');
    expect(outreach._links['osdi:person'].href).toMatch(new RegExp(`/people/${fresh.supporterId}$`));
    expect(await api.platform.db.auditEvent.count({ where: { action: 'osdi.personal_data.read' } })).toBe(before + 1);
    const campaigns = await get(`${api.url}/api/osdi/v1/advocacy_campaigns?filter=${filter}`, token);
    expect(campaigns.body._embedded['osdi:advocacy_campaigns'].map((c: Record<string, any>) => c.name)).toContain(campaign.slug);
    expect((await get(`${api.url}/api/osdi/v1/outreaches?filter=${encodeURIComponent("subject eq 'x'")}`, token)).status).toBe(400);
  });

  it('forgets the letters of an erased supporter', async () => {
    const token = await tokenWith(['osdi:read']);
    const gone = await writer('sent', targets, new Date());
    const one = `${api.url}/api/osdi/v1/outreaches/${gone.letterIds[0]}`;
    expect((await get(one, token)).status).toBe(200);
    await api.platform.db.supporter.delete({ where: { id: gone.supporterId } });
    expect((await get(one, token)).status).toBe(404);
    const { records } = await readAll(`${api.url}/api/osdi/v1/advocacy_campaigns/${campaign.id}/outreaches`, 'osdi:outreaches', token);
    expect(records.map((r) => r.identifiers[0])).not.toContain(`clarion:${gone.letterIds[0]}`);
  });
});
