import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { seedKazakhstanCampaign } from '../../../src/modules/campaigns';
import {
  extractSpeech,
  KAZAKHSTAN_CONSENT_WORDING_ID,
  KAZAKHSTAN_SLUG,
  kazakhstanDemands,
  statementFile,
} from '../../../src/modules/campaigns/kazakhstan.seed';
import { postJson, startTestApi, type TestApi } from '../../support/harness';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const STATEMENT_FILE = path.join(ROOT, 'prisma', 'seed', 'kazakhstan-statement.txt');
/** The statement as the project received it, where a checkout has it beside the repository. */
const SHARED_STATEMENT_FILE = path.resolve(ROOT, '..', 'shared', 'seed', 'statement.txt');

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi({ RATE_LIMIT_ENABLED: 'false' });
});

afterAll(async () => {
  await api.close();
});

interface PublicCampaign {
  slug: string;
  title: string;
  status: string;
  statement: string;
  source: { organisation: string; url: string | null; date: string | null };
  demands: Array<{ title: string; quote: string }>;
  goal: number;
  counts: { confirmed: number; public: number };
  consent: { wording: string; text: string } | null;
}

async function publicCampaign(): Promise<PublicCampaign> {
  const response = await fetch(`${api.url}/api/campaigns/${KAZAKHSTAN_SLUG}`);
  expect(response.status).toBe(200);
  return (await response.json()) as PublicCampaign;
}

async function snapshot() {
  const db = api.platform.db;
  const campaigns = await db.campaign.findMany({ where: { slug: KAZAKHSTAN_SLUG }, select: { id: true, createdAt: true } });
  const campaignId = campaigns[0]?.id;
  return {
    campaigns,
    demands: await db.demand.findMany({ where: { campaignId }, orderBy: { position: 'asc' }, select: { id: true, position: true, title: true, quote: true } }),
    wordings: await db.consentWording.findMany({ where: { campaignId }, select: { id: true, text: true, current: true, createdAt: true } }),
    signatures: await db.signature.count({ where: { campaignId } }),
  };
}

describe('seeding the Kazakhstan campaign', () => {
  it('is idempotent: a second run leaves one campaign, the same demands and the consent wording as it was', async () => {
    const firstId = await seedKazakhstanCampaign(api.platform.db);
    const first = await snapshot();
    expect(first.campaigns).toHaveLength(1);
    expect(first.campaigns[0]!.id).toBe(firstId);
    expect(first.demands).toHaveLength(kazakhstanDemands.length);
    expect(first.wordings).toEqual([expect.objectContaining({ id: KAZAKHSTAN_CONSENT_WORDING_ID, current: true })]);

    const secondId = await seedKazakhstanCampaign(api.platform.db);
    expect(secondId).toBe(firstId);
    expect(await snapshot()).toEqual(first);
  });

  it('never rewrites a consent wording that supporters may have agreed to', async () => {
    await seedKazakhstanCampaign(api.platform.db);
    const shown = 'The wording as it was shown when people signed.';
    await api.platform.db.consentWording.update({ where: { id: KAZAKHSTAN_CONSENT_WORDING_ID }, data: { text: shown } });
    try {
      await seedKazakhstanCampaign(api.platform.db);
      expect((await api.platform.db.consentWording.findUniqueOrThrow({ where: { id: KAZAKHSTAN_CONSENT_WORDING_ID } })).text).toBe(shown);
    } finally {
      await api.platform.db.consentWording.delete({ where: { id: KAZAKHSTAN_CONSENT_WORDING_ID } });
      await seedKazakhstanCampaign(api.platform.db);
    }
  });

  it('keeps the signatures and counts of a campaign already under way', async () => {
    await seedKazakhstanCampaign(api.platform.db);
    const before = await publicCampaign();
    const signed = await postJson(`${api.url}/api/campaigns/${KAZAKHSTAN_SLUG}/signatures`, {
      email: `kz-${Date.now()}@example.org`,
      name: 'Aigerim',
      country: 'KZ',
      consent: { updates: false, wording: KAZAKHSTAN_CONSENT_WORDING_ID },
    });
    expect(signed.status).toBe(202);
    const during = await snapshot();
    await seedKazakhstanCampaign(api.platform.db);
    expect(await snapshot()).toEqual(during);
    // A signing nobody has confirmed yet moves no public count (issue 11).
    expect((await publicCampaign()).counts).toEqual(before.counts);
  });

  it('never reverts what admins changed: title, summary, goal, sender and demands stay as edited', async () => {
    const campaignId = await seedKazakhstanCampaign(api.platform.db);
    const edited = {
      title: 'Edited in the dashboard',
      summary: 'An editor wrote this.',
      signatureGoal: 25_000,
      senderName: 'Our NGO',
      senderEmail: 'letters@ngo.example.net',
      status: 'closed' as const,
    };
    await api.platform.db.campaign.update({ where: { id: campaignId }, data: edited });
    await api.platform.db.demand.deleteMany({ where: { campaignId, position: { gt: 2 } } });
    await api.platform.db.demand.update({ where: { campaignId_position: { campaignId, position: 1 } }, data: { title: 'An edited demand' } });
    const before = await snapshot();
    try {
      await seedKazakhstanCampaign(api.platform.db);
      expect(
        await api.platform.db.campaign.findUniqueOrThrow({
          where: { id: campaignId },
          select: { title: true, summary: true, signatureGoal: true, senderName: true, senderEmail: true, status: true },
        }),
      ).toEqual(edited);
      expect(await snapshot()).toEqual(before);
    } finally {
      await api.platform.db.campaign.delete({ where: { id: campaignId } }).catch(() => undefined);
      await seedKazakhstanCampaign(api.platform.db);
    }
  });

  it('runs on its own as npm run db:seed, reading .env like the other commands', async () => {
    const seed = path.join(ROOT, 'dist', 'prisma', 'seed.js');
    if (!fs.existsSync(seed)) {
      const built = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, encoding: 'utf8' });
      expect(built.status).toBe(0);
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clarion-seed-'));
    const config = api.platform.config;
    fs.writeFileSync(
      path.join(dir, '.env'),
      [
        `DATABASE_URL=${config.DATABASE_URL}`,
        `REDIS_URL=${config.REDIS_URL}`,
        'PUBLIC_BASE_URL=http://localhost:3000',
        'SECRET_KEY=a-development-secret-key-of-enough-length-0123',
        `ENCRYPTION_KEYS=k1:${Buffer.alloc(32, 3).toString('base64')}`,
        '',
      ].join('\n'),
    );
    // Nothing of the test environment: only PATH, as in a fresh shell.
    const run = spawnSync(process.execPath, [seed], { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(run.stdout).toMatch(/Seeded the campaign "kazakhstan"/);
  });

  it('refuses a statement that does not contain every demand word for word, and writes nothing', async () => {
    const before = await snapshot();
    const altered = fs.readFileSync(STATEMENT_FILE, 'utf8').replace('Vague laws on extremism', 'Vague laws about extremism');
    await expect(seedKazakhstanCampaign(api.platform.db, altered)).rejects.toThrow(/not quoted verbatim/);
    expect(await snapshot()).toEqual(before);
  });
});

describe('the public Kazakhstan campaign', () => {
  beforeAll(async () => {
    await seedKazakhstanCampaign(api.platform.db);
  });

  it('answers the statement, the demands in order, the counts, the goal and the consent wording', async () => {
    const campaign = await publicCampaign();
    expect(campaign).toEqual({
      slug: 'kazakhstan',
      language: 'en',
      title: expect.stringContaining('Kazakhstan'),
      summary: expect.stringContaining('UN Watch'),
      status: 'live',
      statement: extractSpeech(fs.readFileSync(STATEMENT_FILE, 'utf8')),
      source: { organisation: 'UN Watch', url: expect.stringMatching(/^https:\/\//), date: null },
      demands: kazakhstanDemands.map(({ title, quote }) => ({ title, quote })),
      goal: 10_000,
      counts: { confirmed: expect.any(Number), public: expect.any(Number) },
      consent: { wording: KAZAKHSTAN_CONSENT_WORDING_ID, text: expect.stringContaining('I sign this petition') },
      proofOfWork: false,
    });
    expect(campaign.statement.startsWith('Mr. Chair,')).toBe(true);
    expect(campaign.statement.endsWith('Thank you.')).toBe(true);
  });

  it('quotes every demand word for word from the statement and from the original file', async () => {
    const campaign = await publicCampaign();
    const original = fs.readFileSync(STATEMENT_FILE, 'utf8');
    expect(campaign.demands.length).toBeGreaterThanOrEqual(6);
    for (const demand of campaign.demands) {
      expect(demand.quote.length).toBeGreaterThan(20);
      expect(campaign.statement).toContain(demand.quote);
      expect(original).toContain(demand.quote);
    }
  });

  it.each([
    ['an independent international inquiry into Bloody January', [/independent international inquiry/i, /Bloody January/]],
    ['peaceful assembly and the preventative detention of activists', [/peaceful assembly/i, /preventative detention/i]],
    ['jail for defamation', [/defamation/i, /jail|arrest/i]],
    ['extremism laws used against civil society', [/extremism/i, /civil society/i]],
    [
      'anti-discrimination law on every listed ground',
      [/discrimination/i, /age/, /disability/, /ethnicity/, /religion/, /sexual orientation/, /gender identity/],
    ],
    ['real, verifiable change', [/real, verifiable change/i]],
  ])('demands %s', async (_topic, patterns) => {
    const campaign = await publicCampaign();
    const matching = campaign.demands.filter((d) => patterns.every((pattern) => pattern.test(`${d.title}\n${d.quote}`)));
    expect(matching).toHaveLength(1);
  });
});

describe('the statement file', () => {
  it('is the one the seed reads', () => {
    expect(path.resolve(statementFile)).toBe(STATEMENT_FILE);
  });

  const shared = fs.existsSync(SHARED_STATEMENT_FILE);
  (shared ? it : it.skip)('is a byte-for-byte copy of the statement as received (../shared/seed/statement.txt)', () => {
    expect(fs.readFileSync(STATEMENT_FILE).equals(fs.readFileSync(SHARED_STATEMENT_FILE))).toBe(true);
  });
});
