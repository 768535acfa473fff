import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { targetsRouter } from '../../../src/modules/letters';
import { CSV_COLUMNS } from '../../../src/modules/letters/targets/targets.csv';
import {
  findDeliverableAddresses,
  findTargetsForSelection,
  recordAddressFailure,
  recordAddressSuccess,
} from '../../../src/modules/letters/targets/targets.repository';
import { membersFile, placeholderAddress, seedTargets } from '../../../src/modules/letters/targets/targets.seed';
import { closePlatform, createPlatform, type Platform } from '../../../src/platform/context';
import type { Db } from '../../../src/platform/db';
import { createHttpApp } from '../../../src/platform/http/app';
import { createCampaign } from '../../support/fixtures';
import { testConfig } from '../../support/harness';
import fs from 'node:fs';

/**
 * Targets are global, not per campaign, and other test files in the same jest worker share the
 * database: tests here write only delegations with codes no other test uses (Antarctica and other
 * uninhabited territories) and tolerate rows that others left behind.
 */
const TOKEN = 'x'.repeat(40);
const auth = { authorization: `Bearer ${TOKEN}` };

// The router on the real app assembly (middleware, error handling), whether or not src/api.ts mounts it yet.
interface TargetsApi {
  platform: Platform;
  url: string;
  close(): Promise<void>;
}
async function startTargetsApi(overrides: Record<string, string>): Promise<TargetsApi> {
  const platform = createPlatform(testConfig(overrides), 'test-api');
  const server: Server = createHttpApp(platform, [targetsRouter(platform)]).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    platform,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await closePlatform(platform);
    },
  };
}

let api: TargetsApi;
let db: Db;
beforeAll(async () => {
  api = await startTargetsApi({ ADMIN_API_TOKEN: TOKEN });
  db = api.platform.db;
});
afterAll(async () => {
  await api.close();
});

const HEADER = CSV_COLUMNS.join(',');
function row(iso2: string, country: string, overrides: Partial<Record<(typeof CSV_COLUMNS)[number], string>> = {}): string {
  const cells: Record<(typeof CSV_COLUMNS)[number], string> = {
    iso2,
    country,
    un_group: 'Western European and Others',
    council_member: 'false',
    term_ends: '',
    mission_name: `Permanent Mission of ${country}`,
    time_zone: 'Europe/Zurich',
    salutation: 'Excellency',
    preferred_language: 'en',
    active: 'true',
    hourly_cap: '',
    emails: `office@${iso2.toLowerCase()}-mission.org`,
    ...overrides,
  };
  return CSV_COLUMNS.map((c) => (/[",\n]/.test(cells[c]) ? `"${cells[c].replace(/"/g, '""')}"` : cells[c])).join(',');
}
const csvOf = (...rows: string[]) => `${HEADER}\n${rows.join('\n')}\n`;

function importCsv(body: string, headers: Record<string, string> = auth) {
  return fetch(`${api.url}/api/admin/targets/import`, { method: 'POST', headers: { 'content-type': 'text/csv', ...headers }, body });
}

function patch(iso2: string, body: unknown) {
  return fetch(`${api.url}/api/admin/targets/${iso2}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json', ...auth },
    body: JSON.stringify(body),
  });
}

/** Everything about every delegation, to compare the database before and after. */
function snapshot() {
  return db.target.findMany({ orderBy: { iso2: 'asc' }, include: { addresses: { orderBy: { email: 'asc' } } } });
}

async function addressOf(iso2: string, email: string) {
  return db.targetAddress.findFirstOrThrow({ where: { email, target: { iso2 } } });
}

describe('seeding the delegations', () => {
  const members = fs
    .readFileSync(membersFile, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(',')[0]!);

  it('creates the 47 Council members by group plus Kazakhstan, each with one placeholder address', async () => {
    await seedTargets(db);
    const seeded = await db.target.findMany({ where: { iso2: { in: [...members, 'KZ'] } }, include: { addresses: true } });
    expect(seeded).toHaveLength(48);
    const byGroup: Record<string, number> = {};
    for (const t of seeded.filter((t) => t.councilMember)) byGroup[t.unGroup] = (byGroup[t.unGroup] ?? 0) + 1;
    expect(byGroup).toEqual({
      African: 13,
      'Asia-Pacific': 13,
      'Latin American and Caribbean': 8,
      'Western European and Others': 7,
      'Eastern European': 6,
    });
    const kz = seeded.find((t) => t.iso2 === 'KZ')!;
    expect(kz).toMatchObject({ councilMember: false, unGroup: 'Asia-Pacific', timeZone: 'Europe/Zurich', salutation: 'Excellency', active: true });
    const ch = seeded.find((t) => t.iso2 === 'CH')!;
    expect(ch).toMatchObject({ councilMember: true, termEnds: 2027, missionName: 'Permanent Mission of Switzerland to the United Nations Office at Geneva' });
    expect(ch.addresses).toEqual([expect.objectContaining({ email: 'mission.ch@delegations.example.org', placeholder: true, health: 'active' })]);
  });

  it('changes nothing on a second run', async () => {
    await seedTargets(db);
    const before = await snapshot();
    expect(await seedTargets(db)).toEqual({ created: 0, existing: 48 });
    expect(await snapshot()).toEqual(before);
  });

  it("creates each delegation once when runs overlap, and keeps an admin's real address on reruns", async () => {
    const source = 'iso2,country,un_regional_group,hrc_term_ends\nAQ,Antarctica,African,2030\nBV,Bouvet Island,African,2030\n';
    const missing = 3 - (await db.target.count({ where: { iso2: { in: ['AQ', 'BV', 'KZ'] } } }));
    const runs = await Promise.all([seedTargets(db, source), seedTargets(db, source), seedTargets(db, source)]);
    expect(await db.target.count({ where: { iso2: { in: ['AQ', 'BV'] } } })).toBe(2);
    expect(runs.reduce((sum, run) => sum + run.created, 0)).toBe(missing);
    expect(await db.targetAddress.count({ where: { target: { iso2: 'AQ' } } })).toBe(1);

    expect((await patch('AQ', { emails: ['office@aq-mission.org'], salutation: 'Dear colleagues' })).status).toBe(200);
    await seedTargets(db, source);
    const aq = await db.target.findUniqueOrThrow({ where: { iso2: 'AQ' }, include: { addresses: true } });
    expect(aq.salutation).toBe('Dear colleagues');
    expect(aq.addresses.map((a) => a.email)).toEqual(['office@aq-mission.org']);
  });
});

describe('the public list of delegations', () => {
  it('lists active delegations without any address', async () => {
    await seedTargets(db);
    const campaign = await createCampaign(db);
    const response = await fetch(`${api.url}/api/campaigns/${campaign.slug}/targets`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toMatch(/^public, max-age=\d+$/);
    const text = await response.text();
    expect(text).not.toContain('@');
    const { targets } = JSON.parse(text) as { targets: Array<Record<string, unknown>> };
    expect(targets).toContainEqual({
      iso2: 'CH',
      country: 'Switzerland',
      group: 'Western European and Others',
      councilMember: true,
      termEnds: 2027,
      mission: 'Permanent Mission of Switzerland to the United Nations Office at Geneva',
      preferredLanguage: 'en',
    });
    expect(targets.find((t) => t.iso2 === 'KZ')).toMatchObject({ councilMember: false, termEnds: null });
  });

  it('leaves out inactive delegations', async () => {
    expect((await importCsv(csvOf(row('HM', 'Heard Island', { active: 'false', emails: '' })))).status).toBe(200);
    const campaign = await createCampaign(db);
    const { targets } = (await (await fetch(`${api.url}/api/campaigns/${campaign.slug}/targets`)).json()) as { targets: Array<{ iso2: string }> };
    expect(targets.map((t) => t.iso2)).not.toContain('HM');
  });

  it('answers 404 for an unknown or draft campaign', async () => {
    const draft = await createCampaign(db, { status: 'draft' });
    expect((await fetch(`${api.url}/api/campaigns/${draft.slug}/targets`)).status).toBe(404);
    expect((await fetch(`${api.url}/api/campaigns/no-such-campaign/targets`)).status).toBe(404);
  });
});

describe('the admin API', () => {
  const routes: Array<[string, string]> = [
    ['GET', '/api/admin/targets'],
    ['GET', '/api/admin/targets.csv'],
    ['POST', '/api/admin/targets/import'],
    ['PATCH', '/api/admin/targets/KZ'],
  ];

  it.each(routes)('%s %s answers 401 without a token and with a wrong one', async (method, path) => {
    const none = await fetch(`${api.url}${path}`, { method });
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toContain('application/problem+json');
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    const wrong = await fetch(`${api.url}${path}`, { method, headers: { authorization: `Bearer ${'y'.repeat(40)}` } });
    expect(wrong.status).toBe(401);
  });

  it('is closed when no admin token is configured', async () => {
    const closed = await startTargetsApi({});
    try {
      expect((await fetch(`${closed.url}/api/admin/targets`, { headers: auth })).status).toBe(401);
    } finally {
      await closed.close();
    }
  });

  it('imports a good file: creates, updates and counts what did not change', async () => {
    const first = await importCsv(csvOf(row('TF', 'French Southern Territories'), row('GS', 'South Georgia', { emails: 'a@gs-mission.org;b@gs-mission.org' })));
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ created: 2, updated: 0, unchanged: 0 });

    const second = await importCsv(
      csvOf(
        row('TF', 'French Southern Territories'),
        row('GS', 'South Georgia', { salutation: 'Your Excellency', emails: 'b@gs-mission.org;c@gs-mission.org' }),
        row('UM', 'US Minor Outlying Islands'),
      ),
    );
    expect(await second.json()).toEqual({ created: 1, updated: 1, unchanged: 1 });
    const gs = await db.target.findUniqueOrThrow({ where: { iso2: 'GS' }, include: { addresses: { orderBy: { email: 'asc' } } } });
    expect(gs.salutation).toBe('Your Excellency');
    expect(gs.addresses.map((a) => a.email)).toEqual(['b@gs-mission.org', 'c@gs-mission.org']);
  });

  it('writes nothing when one line is wrong, and lists every error with its line and field', async () => {
    await importCsv(csvOf(row('PN', 'Pitcairn')));
    const before = await snapshot();
    const response = await importCsv(
      csvOf(
        row('PN', 'Pitcairn', { salutation: 'Changed' }),
        row('NF', 'Norfolk Island'),
        row('CX', 'Christmas Island', { time_zone: 'Indian/Nowhere' }),
        row('CC', 'Cocos Islands', { emails: 'not-an-address', hourly_cap: 'lots' }),
      ),
    );
    expect(response.status).toBe(422);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await response.json()) as { code: string; errors: unknown[] };
    expect(problem.code).toBe('csv_invalid');
    expect(problem.errors).toEqual([
      { line: 4, field: 'time_zone', message: expect.any(String) },
      { line: 5, field: 'hourly_cap', message: expect.any(String) },
      { line: 5, field: 'emails', message: '"not-an-address" is not a valid email address' },
    ]);
    expect(await snapshot()).toEqual(before);
  });

  it('refuses other content types and files over 1 MB', async () => {
    const json = await fetch(`${api.url}/api/admin/targets/import`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: '{}' });
    expect(json.status).toBe(415);
    const huge = await importCsv(`${HEADER}\n${'x'.repeat(1024 * 1024 + 10)}\n`);
    expect(huge.status).toBe(413);
  });

  it('keeps the health of addresses it keeps, starts new ones active and removes unlisted ones', async () => {
    await importCsv(csvOf(row('VA', 'Holy See', { emails: 'one@va-mission.org;two@va-mission.org' })));
    const one = await addressOf('VA', 'one@va-mission.org');
    await recordAddressFailure(db, one.id, 'soft');
    const answer = await importCsv(csvOf(row('VA', 'Holy See', { emails: 'one@va-mission.org;three@va-mission.org' })));
    expect(await answer.json()).toEqual({ created: 0, updated: 1, unchanged: 0 });
    const addresses = await db.targetAddress.findMany({ where: { target: { iso2: 'VA' } }, orderBy: { email: 'asc' } });
    expect(addresses.map((a) => [a.email, a.health, a.softBounceCount])).toEqual([
      ['one@va-mission.org', 'soft_bounced', 1],
      ['three@va-mission.org', 'active', 0],
    ]);
  });

  it('lists delegations with addresses, health and whether a real address is still needed', async () => {
    await seedTargets(db);
    await importCsv(csvOf(row('BQ', 'Bonaire', { emails: `office@bq-mission.org;${placeholderAddress('BQ')}` })));
    const response = await fetch(`${api.url}/api/admin/targets`, { headers: auth });
    expect(response.status).toBe(200);
    const { targets } = (await response.json()) as { targets: Array<{ iso2: string; needsRealAddress: boolean; addresses: unknown[] }> };
    expect(targets.find((t) => t.iso2 === 'KZ')).toMatchObject({
      needsRealAddress: true,
      // Other test files in this worker's database may have sent letters to KZ: its dates vary.
      addresses: [{ email: 'mission.kz@delegations.example.org', health: 'active', placeholder: true, softBounceCount: 0 }],
    });
    expect(targets.find((t) => t.iso2 === 'BQ')).toMatchObject({
      needsRealAddress: false,
      addresses: [
        { email: 'office@bq-mission.org', placeholder: false },
        { email: 'mission.bq@delegations.example.org', placeholder: true },
      ],
    });
  });

  it('exports a file that imports back unchanged', async () => {
    await seedTargets(db);
    await importCsv(
      csvOf(row('SJ', 'Svalbard', { salutation: '=cmd|calc', country: 'Svalbard, "Jan Mayen"', hourly_cap: '12', council_member: 'true', term_ends: '2029' })),
    );
    const response = await fetch(`${api.url}/api/admin/targets.csv`, { headers: auth });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="targets.csv"');
    const csv = await response.text();
    expect(csv.split('\n')[0]).toBe(HEADER);
    expect(csv).toContain(
      `SJ,"Svalbard, ""Jan Mayen""",Western European and Others,true,2029,Permanent Mission of Svalbard,Europe/Zurich,'=cmd|calc,en,true,12,office@sj-mission.org\n`,
    );
    const codes = csv
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.slice(0, 2));
    expect(codes).toEqual([...codes].sort());

    const before = await snapshot();
    const reimport = await importCsv(csv);
    expect(await reimport.json()).toEqual({ created: 0, updated: 0, unchanged: codes.length });
    expect(await snapshot()).toEqual(before);
  });

  it('edits one delegation with the same rules as the import', async () => {
    await importCsv(csvOf(row('TK', 'Tokelau', { emails: 'old@tk-mission.org' })));
    const response = await patch('tk', {
      salutation: 'Dear Ambassador',
      timeZone: 'Pacific/Fakaofo',
      preferredLanguage: 'EN-nz',
      hourlyCap: 7,
      emails: ['New@TK-Mission.org', 'mission.tk@delegations.example.org'],
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      iso2: 'TK',
      salutation: 'Dear Ambassador',
      timeZone: 'Pacific/Fakaofo',
      preferredLanguage: 'en-NZ',
      hourlyCap: 7,
      needsRealAddress: false,
      addresses: [
        { email: 'new@tk-mission.org', placeholder: false },
        { email: 'mission.tk@delegations.example.org', placeholder: true },
      ],
    });
    expect(((await (await patch('TK', { hourlyCap: null })).json()) as { hourlyCap: unknown }).hourlyCap).toBeNull();

    const invalid = await patch('TK', { timeZone: 'Europe/Atlantis', emails: ['nope'] });
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { errors: Array<{ field: string }> }).errors.map((e) => e.field).sort()).toEqual(['emails.0', 'timeZone']);
    expect((await patch('TK', { emails: [] })).status).toBe(400);
    expect((await patch('TK', { country: 'Elsewhere' })).status).toBe(400);
    expect((await patch('TK', {})).status).toBe(400);
    expect((await patch('XX', { active: false })).status).toBe(400);
    expect((await patch('AW', { active: false })).status).toBe(404);
  });
});

describe('delivery helpers', () => {
  it('select active Council members for all or a group, and any active delegation by code', async () => {
    await seedTargets(db);
    await importCsv(
      csvOf(row('MQ', 'Martinique', { active: 'false' }), row('GP', 'Guadeloupe', { council_member: 'true', term_ends: '2030', un_group: 'Eastern European' })),
    );

    const all = await findTargetsForSelection(db, { all: true });
    expect(all.map((t) => t.iso2)).toEqual(expect.arrayContaining(['CH', 'CN', 'GP']));
    expect(all.map((t) => t.iso2)).not.toContain('KZ');
    expect(all.map((t) => t.iso2)).not.toContain('MQ');
    expect(all[0]).toEqual({
      id: expect.any(String),
      iso2: expect.any(String),
      country: expect.any(String),
      unGroup: expect.any(String),
      missionName: expect.any(String),
      salutation: expect.any(String),
      timeZone: expect.any(String),
      preferredLanguage: expect.any(String),
      hourlyCap: null,
    });

    const eastern = await findTargetsForSelection(db, { group: 'Eastern European' });
    expect(eastern.every((t) => t.unGroup === 'Eastern European')).toBe(true);
    expect(eastern.map((t) => t.iso2)).toEqual(expect.arrayContaining(['AL', 'BG', 'CZ', 'EE', 'MK', 'SI', 'GP']));

    const chosen = await findTargetsForSelection(db, { iso2: ['KZ', 'mq', 'CH'] });
    expect(chosen.map((t) => t.iso2)).toEqual(['CH', 'KZ']);
  });

  it('moves address health: soft bounces, bounced after three in a row, reset by a success, hard bounce at once', async () => {
    await importCsv(csvOf(row('WF', 'Wallis and Futuna', { emails: 'a@wf-mission.org;mission.wf@delegations.example.org;b@wf-mission.org' })));
    const a = await addressOf('WF', 'a@wf-mission.org');
    const b = await addressOf('WF', 'b@wf-mission.org');
    const target = await db.target.findUniqueOrThrow({ where: { iso2: 'WF' } });
    const deliverable = async () => (await findDeliverableAddresses(db, target.id)).map((x) => x.email);
    expect(await deliverable()).toEqual(['a@wf-mission.org', 'b@wf-mission.org', 'mission.wf@delegations.example.org']);

    expect(await recordAddressFailure(db, a.id, 'soft')).toBe('soft_bounced');
    expect(await recordAddressFailure(db, a.id, 'soft')).toBe('soft_bounced');
    await recordAddressSuccess(db, a.id);
    expect(await db.targetAddress.findUniqueOrThrow({ where: { id: a.id } })).toMatchObject({
      health: 'active',
      softBounceCount: 0,
      lastSuccessAt: expect.any(Date),
    });

    const results = await Promise.all([1, 2, 3].map(() => recordAddressFailure(db, a.id, 'soft')));
    expect(results.filter((h) => h === 'bounced')).toHaveLength(1);
    const bounced = await db.targetAddress.findUniqueOrThrow({ where: { id: a.id } });
    expect(bounced).toMatchObject({ health: 'bounced', softBounceCount: 3 });
    expect(Math.abs(bounced.lastFailureAt!.getTime() - Date.now())).toBeLessThan(60_000);
    expect(await deliverable()).toEqual(['b@wf-mission.org', 'mission.wf@delegations.example.org']);

    expect(await recordAddressFailure(db, b.id, 'hard')).toBe('bounced');
    expect(await deliverable()).toEqual(['mission.wf@delegations.example.org']);

    await db.targetAddress.update({ where: { id: b.id }, data: { health: 'blocked' } });
    await recordAddressSuccess(db, b.id);
    expect(await recordAddressFailure(db, b.id, 'soft')).toBe('blocked');
    expect(await recordAddressFailure(db, '00000000-0000-4000-8000-000000000000', 'hard')).toBeNull();
  });
});
