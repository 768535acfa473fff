import { randomBytes, randomUUID } from 'node:crypto';
import { SEALED, sealPersonalData } from '../../../src/modules/supporters';
import { logIn, makeAccount, type AdminSessionCookie } from '../../support/admin';
import { createCampaign, type TestCampaign } from '../../support/fixtures';
import { freePort, osdiCall, osdiToken } from '../../support/osdi';
import { startTestApi, type TestApi } from '../../support/harness';

/**
 * The OSDI API driven as an outside client would: it knows the entry point's URL and a token,
 * and reaches everything else by following `_links` (absolute URLs naming PUBLIC_BASE_URL, which
 * is this server here).
 */

let api: TestApi;
let owner: AdminSessionCookie;
let campaign: TestCampaign;
const SIGNERS = 60;

const tokenWith = (scopes: string[], session = owner) => osdiToken(api.url, session, scopes);

const get = (url: string, token: string | undefined) => osdiCall('GET', url, token);

/** Confirmed signers of the test's campaign, written as the signing path leaves them (sealed data, confirmed). */
async function seedSigners(count: number, confirmedAt: Date): Promise<string[]> {
  const [wording] = await api.platform.db.consentWording.findMany({ where: { campaignId: campaign.id }, select: { id: true } });
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const id = randomUUID();
    const signatureId = randomUUID();
    ids.push(id);
    await api.platform.db.supporter.create({
      data: {
        id,
        emailHash: new Uint8Array(randomBytes(32)),
        emailEncrypted: sealPersonalData(api.platform, `signer.${i}.${id.slice(0, 6)}@example.org`, SEALED.supporterEmail, id),
        nameEncrypted: sealPersonalData(api.platform, `Aigerim Bekova ${i}`, SEALED.supporterName, id),
      },
    });
    await api.platform.db.signature.create({
      data: {
        id: signatureId,
        campaignId: campaign.id,
        supporterId: id,
        status: 'confirmed',
        country: 'KZ',
        cityEncrypted: sealPersonalData(api.platform, 'Almaty', SEALED.signatureCity, signatureId),
        emailDomain: 'example.org',
        utmSource: 'newsletter',
        consentUpdates: i % 2 === 0,
        consentWordingId: wording!.id,
        consentedAt: confirmedAt,
        confirmedAt,
      },
    });
  }
  return ids;
}

beforeAll(async () => {
  const port = await freePort();
  api = await startTestApi({ PUBLIC_BASE_URL: `http://127.0.0.1:${port}` }, { port });
  const account = await makeAccount(api.platform.db, 'owner');
  await api.platform.db.adminAccount.update({ where: { id: account.id }, data: { canExport: true } });
  owner = await logIn(api.url, account.email, account.password);
  campaign = await createCampaign(api.platform.db);
  await seedSigners(SIGNERS, new Date(Date.now() - 60_000));
  // A signer who never confirmed is nobody's signature yet.
  const [wording] = await api.platform.db.consentWording.findMany({ where: { campaignId: campaign.id }, select: { id: true } });
  const pending = randomUUID();
  await api.platform.db.supporter.create({
    data: {
      id: pending,
      emailHash: new Uint8Array(randomBytes(32)),
      emailEncrypted: sealPersonalData(api.platform, 'p@example.org', SEALED.supporterEmail, pending),
      nameEncrypted: sealPersonalData(api.platform, 'P', SEALED.supporterName, pending),
    },
  });
  await api.platform.db.signature.create({
    data: {
      campaignId: campaign.id,
      supporterId: pending,
      status: 'pending',
      emailDomain: 'example.org',
      consentUpdates: true,
      consentWordingId: wording!.id,
      consentedAt: new Date(),
    },
  });
  // The counts the signature ledger would keep for these rows (the public count reads them).
  await api.platform.db.campaignCounter.create({ data: { campaignId: campaign.id, slot: 0, confirmed: SIGNERS, pending: 1 } });
});

afterAll(async () => {
  await api.close();
});

/** Every page of a collection, as Parsons reads one: `per_page` 25 and `page` 1, 2, … until a page embeds nothing. */
async function readAll(first: string, rel: string, token: string) {
  const records: Array<Record<string, any>> = [];
  let pages = 0;
  for (let page = 1; page < 100; page += 1) {
    const url = new URL(first);
    url.searchParams.set('per_page', '25');
    url.searchParams.set('page', String(page));
    const { status, body } = await get(url.toString(), token);
    expect(status).toBe(200);
    const items = body._embedded[rel] as Array<Record<string, any>>;
    if (items.length === 0) return { records, pages, last: body };
    pages += 1;
    records.push(...items);
  }
  throw new Error('no empty page');
}

describe('the OSDI API', () => {
  it('answers its entry point in HAL+JSON with curies, max_pagesize and a link to every collection', async () => {
    const token = await tokenWith(['osdi:read']);
    const aep = await get(`${api.url}/api/osdi/v1`, token);
    expect(aep.status).toBe(200);
    expect(aep.type).toContain('application/hal+json');
    expect(aep.body.max_pagesize).toBe(100);
    expect(aep.body._links.curies[0]).toMatchObject({ name: 'osdi', templated: true });
    for (const rel of ['osdi:petitions', 'osdi:signatures', 'osdi:people'])
      expect(aep.body._links[rel].href).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/osdi\/v1\//);
  });

  it('refuses a request without a token, with a token lacking the scope, and the bootstrap token', async () => {
    const none = await get(`${api.url}/api/osdi/v1`, undefined);
    expect(none.status).toBe(401);
    const wrong = await get(`${api.url}/api/osdi/v1`, 'clarion_not-a-token');
    expect(wrong.status).toBe(401);
    const unscoped = await get(`${api.url}/api/osdi/v1`, await tokenWith([]));
    expect(unscoped.status).toBe(403);
    const readOnly = await get(`${api.url}/api/osdi/v1/people`, await tokenWith(['osdi:read']));
    expect(readOnly.status).toBe(403);
    expect(readOnly.body.code).toBe('forbidden');
  });

  it('pages signatures like Parsons, following links only, with totals and next/previous links, and no personal data without osdi:people', async () => {
    const token = await tokenWith(['osdi:read']);
    const aep = await get(`${api.url}/api/osdi/v1`, token);
    const petitions = await readAll(aep.body._links['osdi:petitions'].href, 'osdi:petitions', token);
    const petition = petitions.records.find((p) => p.name === campaign.slug)!;
    expect(petition.identifiers[0]).toMatch(/^clarion:[0-9a-f-]{36}$/);
    // The same count as the public page shows.
    const publicPage = (await (await fetch(`${api.url}/api/campaigns/${campaign.slug}`)).json()) as { counts: { public: number } };
    expect(petition.total_signatures).toBe(SIGNERS);
    expect(petition.total_signatures).toBe(publicPage.counts.public);
    expect(petition.petition_text).toContain('Free the prisoners now.');

    const { records, pages, last } = await readAll(petition._links['osdi:signatures'].href, 'osdi:signatures', token);
    expect(records).toHaveLength(SIGNERS); // the pending signature is not one
    expect(pages).toBe(3);
    expect(new Set(records.map((r) => r.identifiers[0])).size).toBe(SIGNERS);
    expect(last.total_records).toBe(SIGNERS);
    expect(last.total_pages).toBe(3);
    expect(last._links.previous).toBeDefined();
    expect(last._links.next).toBeUndefined();
    const page1 = await get(`${petition._links['osdi:signatures'].href}?per_page=25`, token);
    expect(page1.body._links.next.href).toContain('page=2');
    expect(page1.body._links.previous).toBeUndefined();
    expect(records[0]!.referrer_data.source).toBe('newsletter');
    expect(records[0]!._links['osdi:petition'].href).toBe(petition._links.self.href);
    expect(JSON.stringify(records)).not.toMatch(/example\.org|Aigerim|Almaty/);
  });

  it('caps per_page at max_pagesize and refuses what is not a page number or a filter it understands', async () => {
    const token = await tokenWith(['osdi:read']);
    const capped = await get(`${api.url}/api/osdi/v1/signatures?per_page=1000`, token);
    expect(capped.status).toBe(200);
    expect(capped.body.per_page).toBe(100);
    for (const query of ['page=0', 'per_page=abc', "filter=name eq 'x'", "filter=modified_date gt 'yesterday'", 'filter=modified_date gt 2026-01-01']) {
      const refused = await get(`${api.url}/api/osdi/v1/signatures?${query}`, token);
      expect(refused.status).toBe(400);
      expect(refused.type).toContain('application/problem+json');
    }
  });

  it('syncs incrementally with modified_date: only what changed since, a confirmation or an unsubscribe included', async () => {
    const token = await tokenWith(['osdi:read', 'osdi:people']);
    const since = new Date();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const fresh = await seedSigners(2, new Date());
    const filter = encodeURIComponent(`modified_date gt '${since.toISOString()}'`);
    const changed = await get(`${api.url}/api/osdi/v1/petitions/${campaign.id}/signatures?filter=${filter}`, token);
    expect(changed.status).toBe(200);
    expect(changed.body.total_records).toBe(2);

    // An unsubscribe changes an older signer's record: a person sync since now sees them, with their new status.
    const mark = new Date();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const older = (await api.platform.db.signature.findFirst({
      where: { campaignId: campaign.id, consentUpdates: true, supporterId: { notIn: fresh } },
      select: { id: true, supporterId: true },
    }))!;
    await api.platform.db.signature.update({ where: { id: older.id }, data: { updatesWithdrawnAt: new Date() } });
    const people = await get(`${api.url}/api/osdi/v1/people?filter=${encodeURIComponent(`modified_date gt '${mark.toISOString()}'`)}`, token);
    expect(people.status).toBe(200);
    const ids = (people.body._embedded['osdi:people'] as Array<Record<string, any>>).map((p) => p.identifiers[0]);
    expect(ids).toEqual([`clarion:${older.supporterId}`]);
    expect(people.body._embedded['osdi:people'][0].email_addresses[0].status).toBe('unsubscribed');
  });

  it('shows people with a people-scoped token, names split best-effort, audits each read, and forgets an erased supporter', async () => {
    const token = await tokenWith(['osdi:read', 'osdi:people']);
    const aep = await get(`${api.url}/api/osdi/v1`, token);
    const { records } = await readAll(aep.body._links['osdi:people'].href, 'osdi:people', token);
    const mine = records.filter((p) => p.email_addresses[0].address.startsWith('signer.'));
    expect(mine.length).toBeGreaterThanOrEqual(SIGNERS);
    const person = mine.find((p) => p['clarion:name'] === 'Aigerim Bekova 0')!;
    expect(person).toMatchObject({ given_name: 'Aigerim Bekova', family_name: '0' });
    expect(person.postal_addresses[0]).toEqual({ primary: true, locality: 'Almaty', country: 'KZ' });
    expect(person.email_addresses[0].status).toBe('subscribed');
    const audited = await api.platform.db.auditEvent.count({ where: { action: 'osdi.personal_data.read' } });
    expect(audited).toBeGreaterThanOrEqual(3);

    const one = await get(person._links.self.href, token);
    expect(one.status).toBe(200);
    const supporterId = (person.identifiers[0] as string).replace('clarion:', '');
    await api.platform.db.supporter.delete({ where: { id: supporterId } });
    expect((await get(person._links.self.href, token)).status).toBe(404);
    const after = await readAll(aep.body._links['osdi:people'].href, 'osdi:people', token);
    expect(after.records.map((p) => p.identifiers[0])).not.toContain(person.identifiers[0]);
  });

  it('answers 404 for an id that is not one of its records, and for a draft campaign', async () => {
    const token = await tokenWith(['osdi:read']);
    expect((await get(`${api.url}/api/osdi/v1/petitions/${randomUUID()}`, token)).status).toBe(404);
    expect((await get(`${api.url}/api/osdi/v1/petitions/not-a-uuid`, token)).status).toBe(404);
    const draft = await createCampaign(api.platform.db, { status: 'draft' });
    expect((await get(`${api.url}/api/osdi/v1/petitions/${draft.id}`, token)).status).toBe(404);
  });
});
