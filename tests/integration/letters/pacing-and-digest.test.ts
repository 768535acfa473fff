// @queue-backends both: npm test runs this file on Redis and on PostgreSQL queues (scripts/test.mjs).
import type { Queue } from 'bullmq';
import { createQueues } from '../../../src/platform/queue-factory';
import { QUEUES } from '../../../src/platform/queues';
import { seedKazakhstanCampaign, KAZAKHSTAN_CONSENT_WORDING_ID, KAZAKHSTAN_SLUG } from '../../../src/modules/campaigns';
import { DelegationPacer, seedDefaultTemplate, seedTargets } from '../../../src/modules/letters';
import { spacingMs } from '../../../src/modules/letters/delivery/throttle';
import { createCampaign } from '../../support/fixtures';
import { eventually, postJson, type TestApi, startTestStack, type TestStack } from '../../support/harness';
import { confirmByEmail, sign } from '../../support/letters';
import type { SmtpRecorder } from '../../support/smtp-recorder';

let smtp: SmtpRecorder;
let api: TestApi;
let stack: TestStack;
let lettersQueue: Queue;

beforeAll(async () => {
  // Pacing on, as in production.
  stack = await startTestStack({ RATE_LIMIT_ENABLED: 'false', LETTERS_HOURLY_CAP: '30' });
  ({ smtp, api } = stack);
  const campaignId = await seedKazakhstanCampaign(api.platform.db);
  await seedDefaultTemplate(api.platform.db, campaignId);
  await seedTargets(api.platform.db);
  // On the platform's queue backend, so the file runs with QUEUE_BACKEND=redis or postgres.
  lettersQueue = createQueues(api.platform.queueBackend, api.platform.config)[QUEUES.letters];
});

afterAll(async () => {
  await lettersQueue.close();
  await stack.stop();
});

const write = (slug: string, body: unknown) => postJson(`${api.url}/api/campaigns/${slug}/letters`, body);

describe('pacing per delegation', () => {
  it('sends no more than the cap to one delegation, across campaigns, and spreads the rest over later slots', async () => {
    const pakistan = await api.platform.db.target.update({ where: { iso2: 'PK' }, data: { hourlyCap: 2 } });
    const other = await createCampaign(api.platform.db);
    const writers = [];
    for (const campaign of [
      { slug: KAZAKHSTAN_SLUG, wording: KAZAKHSTAN_CONSENT_WORDING_ID },
      { slug: KAZAKHSTAN_SLUG, wording: KAZAKHSTAN_CONSENT_WORDING_ID },
      other,
    ]) {
      const writer = await sign(api, campaign.slug, campaign.wording);
      const actionToken = await confirmByEmail(api, smtp, writer.email);
      expect((await write(campaign.slug, { actionToken, targets: { countries: ['PK'] } })).status).toBe(202);
      writers.push(writer);
    }

    const toPakistan = () => smtp.messages.filter((m) => m.envelope.to.includes('mission.pk@delegations.example.org'));
    await eventually(() => toPakistan().length === 1, 10_000, 'the first letter to Pakistan');
    const delayed = await eventually(
      async () => {
        const jobs = (await lettersQueue.getJobs(['delayed'])).filter((job) => job.name === 'letters.send.letter' && typeof job.data.slotAt === 'number');
        return jobs.length === 2 ? jobs : null;
      },
      10_000,
      'two letters waiting for their slots',
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(toPakistan()).toHaveLength(1);

    // Each later slot is at least a full spacing after the one before (3600 s / cap, or more at night).
    const slots = delayed.map((job) => job.data.slotAt as number).sort((a, b) => a - b);
    const minimumGap = 3_600_000 / 2;
    expect(slots[0]! - Date.now()).toBeGreaterThan(minimumGap - 60_000);
    expect(slots[1]! - slots[0]!).toBeGreaterThanOrEqual(minimumGap);
    const waiting = await api.platform.db.letter.findMany({ where: { targetId: pakistan.id, status: 'queued' } });
    expect(waiting).toHaveLength(2);
  });

  it("reserves slots at least 3600 s / cap apart, shaped by the delegation's local time of day", async () => {
    {
      const pacer = new DelegationPacer(api.platform.state, `${api.platform.config.QUEUE_PREFIX}:pace-test`, () => 0.99);
      const target = { id: `t-${Date.now()}`, timeZone: 'Europe/Zurich', hourlyCap: 6 };
      const tuesdayMorning = new Date('2026-12-01T09:30:00Z'); // 10:30 in Geneva
      const slots: number[] = [];
      for (let i = 0; i < 12; i++) slots.push((await pacer.reserve(target, tuesdayMorning)).getTime());
      for (let i = 1; i < slots.length; i++) expect(slots[i]! - slots[i - 1]!).toBeGreaterThanOrEqual(10 * 60_000);
      // No hour-long window holds more than the cap.
      for (const start of slots) expect(slots.filter((s) => s >= start && s < start + 3_600_000).length).toBeLessThanOrEqual(6);
      // At night in Geneva the same cap allows almost nothing.
      const night = new Date('2026-12-01T01:00:00Z');
      expect(spacingMs(target, night)).toBeGreaterThanOrEqual(10 * spacingMs(target, tuesdayMorning));
    }
  });
});

describe('digest mode', () => {
  it('sends the letters to one delegation over a period as one message, and records each letter as sent', async () => {
    const campaign = await createCampaign(api.platform.db);
    await api.platform.db.campaign.update({ where: { id: campaign.id }, data: { letterMode: 'digest', digestPeriodMinutes: 60 } });
    const names = ['Aigerim One', 'Bolat Two', 'Dana Three'];
    for (const [i, name] of names.entries()) {
      const writer = await sign(api, campaign.slug, campaign.wording, { name, country: i === 1 ? 'FR' : 'KZ' });
      const actionToken = await confirmByEmail(api, smtp, writer.email);
      await write(campaign.slug, { actionToken, targets: { countries: ['IN'] }, paragraph: `Words of ${name} <b>bold</b>` });
    }
    const letters = await eventually(
      async () => {
        const rows = await api.platform.db.letter.findMany({ where: { campaignId: campaign.id } });
        return rows.length === 3 && rows.every((r) => r.status === 'queued') ? rows : null;
      },
      10_000,
      'three queued letters',
    );
    const digestRow = await api.platform.db.outboxEvent.findFirstOrThrow({
      where: { jobName: 'letters.send.digest', dedupeKey: { startsWith: `digest-${campaign.id}-` } },
    });
    expect(digestRow.runAt!.getTime()).toBeGreaterThan(Date.now());
    const job = await eventually(() => lettersQueue.getJob(digestRow.dedupeKey), 10_000, 'the digest job');
    expect(await job.getState()).toBe('delayed');
    await job.promote(); // the end of the period, now

    const digest = await smtp.waitFor((m) => m.envelope.to.includes('mission.in@delegations.example.org') && m.text.includes('Dana Three'));
    for (const name of names) expect(digest.text).toContain(name);
    expect(digest.text).toMatch(/\b3\b/);
    expect(digest.html).toContain('&lt;b&gt;bold&lt;/b&gt;');
    const sent = await eventually(
      async () => {
        const rows = await api.platform.db.letter.findMany({ where: { id: { in: letters.map((l) => l.id) } } });
        return rows.every((r) => r.status === 'sent') ? rows : null;
      },
      5_000,
      'all three letters sent',
    );
    expect(new Set(sent.map((r) => r.messageId))).toEqual(new Set([digest.messageId]));
    expect(smtp.messages.filter((m) => m.envelope.to.includes('mission.in@delegations.example.org'))).toHaveLength(1);
  });
});
