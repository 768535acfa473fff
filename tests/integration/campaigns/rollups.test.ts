import { supporterContext } from '../../../src/modules/admin';
import { eraseSupporter } from '../../../src/modules/erasure';
import { confirmationLink, confirmSignature, expireSignatures, TRANSITIONS, type Transition } from '../../../src/modules/supporters';
import { createCampaign } from '../../support/fixtures';
import { postJson, startTestApi, type TestApi } from '../../support/harness';
import { expectCountsEqualFullCount, expectRollupsEqualFullCount } from '../../support/rollups';

const TOKEN = 'r'.repeat(40);
const auth = { authorization: `Bearer ${TOKEN}` };
let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ RATE_LIMIT_ENABLED: 'false', ADMIN_API_TOKEN: TOKEN });
});
afterAll(async () => {
  await api.close();
});

describe('signature rollups', () => {
  it('equal a full count by hour, by country and by source, each table, after signing, repeating and confirming', async () => {
    const campaign = await createCampaign(api.platform.db);
    const sign = (email: string, extra: Record<string, unknown>) =>
      postJson(`${api.url}/api/campaigns/${campaign.slug}/signatures`, {
        email,
        name: 'R',
        consent: { updates: false, wording: campaign.wording },
        ...extra,
      });
    const stamp = Date.now();
    await sign(`a${stamp}@example.org`, { country: 'KZ', source: 'partner-a' });
    await sign(`b${stamp}@example.org`, { country: 'KZ', utm_source: 'newsletter' });
    await sign(`c${stamp}@example.org`, { country: 'FR' });
    await sign(`c${stamp}@example.org`, { country: 'FR' }); // a repeat counts once
    await sign(`d${stamp}@example.org`, {});
    const attempt = await api.platform.db.signingAttempt.findFirstOrThrow({
      where: { signature: { campaignId: campaign.id, country: 'KZ', source: 'partner-a' } },
      select: { id: true },
    });
    await confirmSignature(supporterContext(api.platform, 'en'), confirmationLink(api.platform, attempt.id).split('/confirm/')[1]!);
    expect(await expectRollupsEqualFullCount(api.platform.db, campaign.id)).toBe(4);
  });

  it('and the counters equal a full count after every transition of the ledger, each made the way the service makes it', async () => {
    const db = api.platform.db;
    const campaign = await createCampaign(db);
    const covered = new Set<Transition>();
    const step = async (transition: Transition, change: () => Promise<unknown>, left: number) => {
      await change();
      covered.add(transition);
      expect(await expectCountsEqualFullCount(db, campaign.id)).toBe(left);
    };
    const stamp = Date.now();
    const emails = ['a', 'b', 'c', 'd', 'e', 'f'].map((l) => `${l}${stamp}@ledger.example`);
    const sign = (email: string, extra: Record<string, unknown>) =>
      postJson(`${api.url}/api/campaigns/${campaign.slug}/signatures`, {
        email,
        name: 'R',
        consent: { updates: false, wording: campaign.wording },
        ...extra,
      });
    const signatureOf = (source: string) =>
      db.signature.findFirstOrThrow({ where: { campaignId: campaign.id, source }, select: { id: true, supporterId: true } });
    const confirm = async (signatureId: string) => {
      const attempt = await db.signingAttempt.findFirstOrThrow({ where: { signatureId }, select: { id: true } });
      await confirmSignature(supporterContext(api.platform, 'en'), confirmationLink(api.platform, attempt.id).split('/confirm/')[1]!);
    };

    await step(
      'sign',
      async () => {
        await sign(emails[0]!, { country: 'KZ', source: 's-a', utm_source: 'newsletter' });
        await sign(emails[1]!, { country: 'KZ', source: 's-b' });
        await sign(emails[2]!, { country: 'FR', source: 's-c', utm_medium: 'email' });
        await sign(emails[3]!, { source: 's-d', utm_campaign: 'viral' });
        await sign(emails[4]!, { country: 'DE', source: 's-e' });
        await sign(emails[5]!, { country: 'DE', source: 's-f' });
        await sign(emails[0]!, { country: 'CH', source: 'other' }); // a repeat moves nothing and rewrites nothing
      },
      6,
    );
    await step(
      'confirm',
      async () => {
        for (const source of ['s-a', 's-b', 's-c']) await confirm((await signatureOf(source)).id);
        await confirm((await signatureOf('s-a')).id); // a second use changes nothing
      },
      6,
    );
    // s-a, s-b, s-c confirmed; s-d, s-e, s-f pending. The fraud clean-up takes two of each out.
    const invalidated = await db.signature.findMany({ where: { campaignId: campaign.id, source: { in: ['s-a', 's-b', 's-d', 's-e'] } }, select: { id: true } });
    await db.signature.updateMany({ where: { id: { in: invalidated.map((s) => s.id) } }, data: { emailDomain: 'fraud.example' } });
    await step(
      'invalidate',
      async () => {
        const answer = await postJson(
          `${api.url}/api/admin/campaigns/${campaign.slug}/signatures/invalidate`,
          { emailDomain: 'fraud.example', reason: 'test' },
          auth,
        );
        expect(answer.json).toEqual({ changed: 4, byPreviousStatus: { confirmed: 2, pending: 2 } });
      },
      6,
    );
    await step(
      'restore',
      async () => {
        await db.signature.updateMany({ where: { source: { in: ['s-b', 's-e'] }, campaignId: campaign.id }, data: { emailDomain: 'back.example' } });
        const answer = await postJson(`${api.url}/api/admin/campaigns/${campaign.slug}/signatures/restore`, { emailDomain: 'back.example' }, auth);
        expect(answer.json).toEqual({ changed: 2, byPreviousStatus: { confirmed: 1, pending: 1 } });
      },
      6,
    );
    // Now: s-a invalidated (was confirmed), s-b confirmed, s-c confirmed, s-d invalidated (was pending), s-e and s-f pending.
    await step(
      'erase',
      async () => {
        for (const source of ['s-a', 's-c']) await eraseSupporter(api.platform, (await signatureOf(source)).supporterId);
      },
      4,
    );
    await step(
      'expire',
      async () => {
        const asked = await db.signature.findMany({ where: { campaignId: campaign.id, source: { in: ['s-b', 's-d', 's-e'] } }, select: { id: true } });
        // Only the never-confirmed pending one goes: a confirmed and an invalidated signature stay.
        const expired = await db.$transaction((tx) =>
          expireSignatures(
            tx,
            asked.map((s) => s.id),
          ),
        );
        expect(expired.map((s) => s.source)).toEqual(['s-e']);
      },
      3,
    );

    const left = await db.signature.findMany({ where: { campaignId: campaign.id }, select: { source: true, status: true }, orderBy: { source: 'asc' } });
    expect(left).toEqual([
      { source: 's-b', status: 'confirmed' },
      { source: 's-d', status: 'invalidated' },
      { source: 's-f', status: 'pending' },
    ]);
    // A source key whose last signature went (erased, expired) leaves the rollups.
    const keys = await db.$queryRaw<
      Array<{ source: string }>
    >`SELECT DISTINCT source FROM signature_rollups_source WHERE campaign_id = ${campaign.id}::uuid ORDER BY source`;
    expect(keys.map((k) => k.source)).toEqual(['s-b', 's-d', 's-f']);
    expect([...covered].sort()).toEqual([...TRANSITIONS].sort());
  });

  it('stay exact when every transition runs at once on one source key (no deadlock, no lost move)', async () => {
    const db = api.platform.db;
    const campaign = await createCampaign(db);
    const stamp = Date.now();
    const sign = (email: string) =>
      postJson(`${api.url}/api/campaigns/${campaign.slug}/signatures`, {
        email,
        name: 'R',
        country: 'KZ',
        source: 'shared',
        consent: { updates: false, wording: campaign.wording },
      });
    for (let i = 0; i < 16; i += 1) expect((await sign(`x${i}-${stamp}@${i < 4 ? 'fraud' : 'ok'}.example`)).status).toBe(202);
    const rows = await db.signature.findMany({
      where: { campaignId: campaign.id },
      select: { id: true, supporterId: true, emailDomain: true },
      orderBy: { id: 'asc' },
    });
    const honest = rows.filter((r) => r.emailDomain === 'ok.example');
    const attempts = await db.signingAttempt.findMany({ where: { signatureId: { in: honest.slice(0, 4).map((r) => r.id) } }, select: { id: true } });
    const outcomes = await Promise.allSettled([
      ...Array.from({ length: 8 }, (_, i) => sign(`y${i}-${stamp}@ok.example`)),
      ...attempts.map((a) => confirmSignature(supporterContext(api.platform, 'en'), confirmationLink(api.platform, a.id).split('/confirm/')[1]!)),
      ...honest.slice(4, 8).map((r) => eraseSupporter(api.platform, r.supporterId)),
      db.$transaction((tx) =>
        expireSignatures(
          tx,
          honest.slice(8, 12).map((r) => r.id),
        ),
      ),
      postJson(`${api.url}/api/admin/campaigns/${campaign.slug}/signatures/invalidate`, { emailDomain: 'fraud.example', reason: 'test' }, auth),
    ]);
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    const answers = outcomes.flatMap((o) =>
      o.status === 'fulfilled' && typeof o.value === 'object' && o.value !== null && 'json' in o.value ? [o.value.status] : [],
    );
    expect(answers).toEqual([...Array<number>(8).fill(202), 200]);
    // 16 + 8 signed, 4 erased, 4 expired.
    expect(await expectCountsEqualFullCount(db, campaign.id)).toBe(16);
  });
});
