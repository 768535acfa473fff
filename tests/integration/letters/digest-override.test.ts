import type { Queue } from 'bullmq';
import { createQueues } from '../../../src/platform/queue-factory';
import { QUEUES } from '../../../src/platform/queues';
import { randomUUID } from 'node:crypto';
import { KAZAKHSTAN_CONSENT_WORDING_ID, KAZAKHSTAN_SLUG, seedKazakhstanCampaign } from '../../../src/modules/campaigns';
import { seedDefaultTemplate, seedTargets, sweepLetters } from '../../../src/modules/letters';
import { createCampaign, type TestCampaign } from '../../support/fixtures';
import { eventually, postJson, type TestApi, startTestStack, type TestStack } from '../../support/harness';
import { confirmByEmail, sign } from '../../support/letters';
import type { RecordedMessage, SmtpRecorder } from '../../support/smtp-recorder';
import { makeAccount } from '../../support/admin';
import { launchBrowser, seriousAccessibilityViolations } from '../../support/browser';
import { logInThroughPage } from '../dashboard/login-through-page';

/**
 * List-Unsubscribe on letters to delegations, through the real path: the header a letter carries
 * in the SMTP recorder, the RFC 8058 POST to its URL, the letters that follow (a digest for that
 * campaign only), an admin's reversal, and the letters waiting across each switch: none lost,
 * none sent twice.
 */
const ADMIN = 'd'.repeat(40);
const auth = { authorization: `Bearer ${ADMIN}` };
let smtp: SmtpRecorder;
let api: TestApi;
let stack: TestStack;
let lettersQueue: Queue;
let kazakhstan: TestCampaign;
let other: TestCampaign;

beforeAll(async () => {
  // Pacing on (as in production) but wide, so only a delegation given a cap of its own waits.
  stack = await startTestStack({ RATE_LIMIT_ENABLED: 'false', ADMIN_API_TOKEN: ADMIN, LETTERS_HOURLY_CAP: '100000' });
  ({ smtp, api } = stack);
  const campaignId = await seedKazakhstanCampaign(api.platform.db);
  await seedDefaultTemplate(api.platform.db, campaignId);
  await seedTargets(api.platform.db);
  kazakhstan = { id: campaignId, slug: KAZAKHSTAN_SLUG, wording: KAZAKHSTAN_CONSENT_WORDING_ID };
  other = await createCampaign(api.platform.db);
  // On the platform's queue backend, so the file runs with QUEUE_BACKEND=redis or postgres.
  lettersQueue = createQueues(api.platform.queueBackend, api.platform.config)[QUEUES.letters];
});

afterAll(async () => {
  await lettersQueue.close();
  await stack.stop();
});

const missionOf = (iso2: string) => `mission.${iso2.toLowerCase()}@delegations.example.org`;
const toMission = (iso2: string) => smtp.messages.filter((m) => m.envelope.to.includes(missionOf(iso2)));
const local = (url: string) => url.replace(api.platform.config.PUBLIC_BASE_URL, api.url);

/** A confirmed supporter's letter to one delegation; returns the writer's name (unique) and address. */
async function write(campaign: TestCampaign, iso2: string) {
  const name = `Writer ${randomUUID().slice(0, 8)}`;
  const { email } = await sign(api, campaign.slug, campaign.wording, { name });
  const actionToken = await confirmByEmail(api, smtp, email);
  const answer = await postJson(`${api.url}/api/campaigns/${campaign.slug}/letters`, { actionToken, targets: { countries: [iso2] } });
  expect(answer.status).toBe(202);
  return { name, email };
}

function listUnsubscribeUrl(message: RecordedMessage): string {
  const match = /^<(https?:\/\/[^>]+)>$/.exec(message.headers.get('list-unsubscribe') ?? '');
  if (!match) throw new Error(`no List-Unsubscribe URL in ${JSON.stringify(message.headers.get('list-unsubscribe'))}`);
  return match[1]!;
}

const oneClick = (url: string) =>
  fetch(local(url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'List-Unsubscribe=One-Click',
  });

async function lettersOf(campaignId: string, iso2: string) {
  return api.platform.db.letter.findMany({ where: { campaignId, target: { iso2 } }, select: { id: true, status: true, messageId: true, digestKey: true } });
}

async function overridesOf(iso2: string): Promise<Array<{ campaign: string; reason: string }>> {
  const answer = await fetch(`${api.url}/api/admin/targets`, { headers: auth });
  expect(answer.status).toBe(200);
  const { targets } = (await answer.json()) as { targets: Array<{ iso2: string; digestOverrides: Array<{ campaign: string; reason: string }> }> };
  return targets.find((t) => t.iso2 === iso2)!.digestOverrides;
}

/** The digest job waiting for the end of its period (a day), run now. */
async function runDigestNow(campaignId: string, iso2: string) {
  const target = await api.platform.db.target.findUniqueOrThrow({ where: { iso2 } });
  const row = await eventually(
    () =>
      api.platform.db.outboxEvent.findFirst({
        where: { jobName: 'letters.send.digest', dedupeKey: { startsWith: `digest-${campaignId}-${target.id}-` } },
        orderBy: { createdAt: 'desc' },
      }),
    10_000,
    'the digest outbox row',
  );
  const job = await eventually(() => lettersQueue.getJob(row.dedupeKey), 10_000, 'the digest job');
  if ((await job.getState()) === 'delayed') await job.promote();
  return row;
}

describe('List-Unsubscribe on letters to delegations', () => {
  it("carries both headers; the one-click POST answers 2xx twice; that campaign's next letters go as a daily digest, another campaign's stay single", async () => {
    const first = await write(kazakhstan, 'FR');
    const letter = await smtp.waitFor((m) => m.envelope.to.includes(missionOf('FR')) && m.replyTo.includes(first.email));
    expect(letter.headers.get('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    const url = listUnsubscribeUrl(letter);
    expect(url.startsWith(`${api.platform.config.PUBLIC_BASE_URL}/delegations/digest/`)).toBe(true);
    expect(url).not.toContain('@');
    expect(letter.envelope.from).toMatch(/^bounces\+l-[0-9a-f]{32}-[0-9a-f]{12}@/);

    // GET shows a button and changes nothing: mail scanners open links.
    const page = await fetch(local(url));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('name="List-Unsubscribe" value="One-Click"');
    expect(await overridesOf('FR')).toEqual([]);

    const pressed = await oneClick(url);
    expect(pressed.status).toBe(200);
    expect((await oneClick(url)).status).toBe(200);
    expect(await overridesOf('FR')).toEqual([expect.objectContaining({ campaign: KAZAKHSTAN_SLUG, reason: 'list-unsubscribe' })]);
    expect(await api.platform.db.auditEvent.count({ where: { action: 'targets.digest_override.create', subject: 'FR' } })).toBe(1);

    // The next Kazakhstan letters to France wait for the day's digest; the other campaign's go at once.
    const sentBefore = toMission('FR').length;
    const later = [await write(kazakhstan, 'FR'), await write(kazakhstan, 'FR')];
    const elsewhere = await write(other, 'FR');
    await smtp.waitFor((m) => m.envelope.to.includes(missionOf('FR')) && m.replyTo.includes(elsewhere.email));
    await eventually(async () => (await lettersOf(kazakhstan.id, 'FR')).filter((l) => l.status === 'queued').length === 2, 10_000, 'two letters waiting');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(toMission('FR')).toHaveLength(sentBefore + 1);

    const digestRow = await runDigestNow(kazakhstan.id, 'FR');
    expect(digestRow.runAt!.getTime() - Date.now()).toBeLessThanOrEqual(24 * 3600_000);
    expect((digestRow.payload as { periodMinutes: number }).periodMinutes).toBe(1440);
    const digest = await smtp.waitFor((m) => m.envelope.to.includes(missionOf('FR')) && m.text.includes(later[1]!.name));
    expect(digest.text).toContain(later[0]!.name);
    expect(digest.headers.get('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    expect(listUnsubscribeUrl(digest).startsWith(`${api.platform.config.PUBLIC_BASE_URL}/delegations/digest/`)).toBe(true);
    const letters = await eventually(
      async () => {
        const rows = await lettersOf(kazakhstan.id, 'FR');
        return rows.every((r) => r.status === 'sent') ? rows : null;
      },
      10_000,
      'every letter sent',
    );
    expect(letters.filter((l) => l.messageId === digest.messageId)).toHaveLength(2);
    expect(toMission('FR')).toHaveLength(sentBefore + 2);

    // The rates count messages: three letters went as two (one single, one digest), besides the
    // three writers' confirmations; the other campaign's one letter and one confirmation.
    const sentOf = async (slug: string) => {
      const answer = await fetch(`${api.url}/api/admin/deliverability`, { headers: auth });
      return ((await answer.json()) as { campaigns: Array<{ slug: string; sent: number }> }).campaigns.find((c) => c.slug === slug)!.sent;
    };
    await eventually(async () => (await sentOf(KAZAKHSTAN_SLUG)) === 2 + 3, 10_000, 'five Kazakhstan messages counted');
    await eventually(async () => (await sentOf(other.slug)) === 1 + 1, 10_000, 'two messages of the other campaign counted');
  }, 90_000);

  it('a tampered or foreign token is a 4xx problem+json and changes nothing; so is a POST without One-Click', async () => {
    await write(kazakhstan, 'NL');
    const letter = await smtp.waitFor((m) => m.envelope.to.includes(missionOf('NL')));
    const url = listUnsubscribeUrl(letter);
    const overridesBefore = await api.platform.db.targetDigestOverride.count();
    const [path, query] = url.split('?') as [string, string];
    const token = path.slice(path.lastIndexOf('/') + 1);
    const [payload, exp, mac] = token.split('.') as [string, string, string];
    const tampered = [
      `${path.slice(0, path.lastIndexOf('/') + 1)}${payload}.${exp}.${mac.startsWith('A') ? 'B' : 'A'}${mac.slice(1)}?${query}`,
      `${path.slice(0, path.lastIndexOf('/') + 1)}${payload.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'))}.${exp}.${mac}?${query}`,
      `${api.platform.config.PUBLIC_BASE_URL}/delegations/digest/not-a-token`,
    ];
    for (const bad of tampered) {
      const answer = await oneClick(bad);
      expect(answer.status).toBe(400);
      expect(answer.headers.get('content-type')).toContain('application/problem+json');
      expect((await fetch(local(bad))).status).toBe(400);
    }
    const wrongBody = await fetch(local(url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=Yes',
    });
    expect(wrongBody.status).toBe(400);
    expect(wrongBody.headers.get('content-type')).toContain('application/problem+json');
    // Signed by us but expired, or naming a campaign that no longer exists.
    const netherlands = await api.platform.db.target.findUniqueOrThrow({ where: { iso2: 'NL' } });
    const expired = api.platform.tokens.sign('delegation-digest', `${kazakhstan.id}_${netherlands.id}`, new Date(Date.now() - 1000));
    const expiredAnswer = await oneClick(`${api.url}/delegations/digest/${expired}`);
    expect(expiredAnswer.status).toBe(410);
    expect(expiredAnswer.headers.get('content-type')).toContain('application/problem+json');
    const gone = api.platform.tokens.sign('delegation-digest', `${randomUUID()}_${netherlands.id}`, new Date(Date.now() + 60_000));
    const goneAnswer = await oneClick(`${api.url}/delegations/digest/${gone}`);
    expect(goneAnswer.status).toBe(404);
    expect(goneAnswer.headers.get('content-type')).toContain('application/problem+json');
    expect(await api.platform.db.targetDigestOverride.count()).toBe(overridesBefore);
    expect(await overridesOf('NL')).toEqual([]);
  }, 60_000);

  it('letters waiting for a slot when the delegation switches go out in the digest, each once, none lost', async () => {
    // Italy takes one letter an hour: the first goes at once, the next three wait for later slots.
    const italy = await api.platform.db.target.update({ where: { iso2: 'IT' }, data: { hourlyCap: 1 } });
    const writers = [];
    for (let i = 0; i < 4; i += 1) writers.push(await write(kazakhstan, 'IT'));
    const firstLetter = await smtp.waitFor((m) => m.envelope.to.includes(missionOf('IT')));
    const waitingJobs = await eventually(
      async () => {
        const jobs = (await lettersQueue.getJobs(['delayed'])).filter((job) => job.name === 'letters.send.letter' && typeof job.data.slotAt === 'number');
        return jobs.length === 3 ? jobs : null;
      },
      15_000,
      'three letters waiting for their slots',
    );

    expect((await oneClick(listUnsubscribeUrl(firstLetter))).status).toBe(200);
    // Their slots come: each job finds the override and hands its letter to the digest.
    for (const job of waitingJobs) await job.promote();
    await eventually(
      async () => {
        const states = await Promise.all(waitingJobs.map((job) => lettersQueue.getJob(job.id!).then((j) => j?.getState())));
        return states.every((s) => s === 'completed');
      },
      15_000,
      'the waiting jobs done',
    );
    expect(toMission('IT')).toHaveLength(1);
    expect((await lettersOf(kazakhstan.id, 'IT')).filter((l) => l.status === 'queued')).toHaveLength(3);

    // The hour moves on: the digest is not held back by the slots the single letters had reserved.
    await api.platform.db.target.update({ where: { iso2: 'IT' }, data: { hourlyCap: null } });
    await api.platform.state.forget(`${api.platform.config.QUEUE_PREFIX}:letters:pace:${italy.id}`);
    await runDigestNow(kazakhstan.id, 'IT');
    const digest = await smtp.waitFor((m) => m.envelope.to.includes(missionOf('IT')) && m.messageId !== firstLetter.messageId, 15_000);
    const afterSwitch = await eventually(
      async () => {
        const rows = await lettersOf(kazakhstan.id, 'IT');
        return rows.every((r) => r.status === 'sent') ? rows : null;
      },
      10_000,
      'all four sent',
    );
    expect(afterSwitch.filter((l) => l.messageId === firstLetter.messageId)).toHaveLength(1);
    expect(afterSwitch.filter((l) => l.messageId === digest.messageId)).toHaveLength(3);
    for (const writer of writers.slice(1)) expect(digest.text).toContain(writer.name);
    expect(toMission('IT')).toHaveLength(2);
  }, 120_000);

  it("an admin's reversal (audited) sends the letter waiting for the digest singly, once, and the next ones singly", async () => {
    const first = await write(kazakhstan, 'CH');
    const firstLetter = await smtp.waitFor((m) => m.envelope.to.includes(missionOf('CH')) && m.replyTo.includes(first.email));
    expect((await oneClick(listUnsubscribeUrl(firstLetter))).status).toBe(200);
    const waiting = await write(kazakhstan, 'CH');
    await eventually(async () => (await lettersOf(kazakhstan.id, 'CH')).some((l) => l.status === 'queued'), 10_000, 'a letter waiting for the digest');
    const pendingDigest = await digestJobIdOf(kazakhstan.id, 'CH');

    const anonymous = await fetch(`${api.url}/api/admin/campaigns/${KAZAKHSTAN_SLUG}/digest-overrides/CH`, { method: 'DELETE' });
    expect(anonymous.status).toBe(401);
    const restored = await fetch(`${api.url}/api/admin/campaigns/${KAZAKHSTAN_SLUG}/digest-overrides/CH`, { method: 'DELETE', headers: auth });
    expect(restored.status).toBe(200);
    expect(await restored.json()).toEqual({ requeued: 1 });
    expect(await overridesOf('CH')).toEqual([]);
    expect(await api.platform.db.auditEvent.count({ where: { action: 'targets.digest_override.delete', subject: 'CH' } })).toBe(1);
    const again = await fetch(`${api.url}/api/admin/campaigns/${KAZAKHSTAN_SLUG}/digest-overrides/CH`, { method: 'DELETE', headers: auth });
    expect(again.status).toBe(404);
    expect(again.headers.get('content-type')).toContain('application/problem+json');

    const single = await smtp.waitFor((m) => m.envelope.to.includes(missionOf('CH')) && m.replyTo.includes(waiting.email), 15_000);
    expect(single.text).toContain(waiting.name);
    // The digest job still runs at the end of its day, and finds nothing left to send.
    const oldJob = await eventually(() => lettersQueue.getJob(pendingDigest), 10_000, 'the digest job');
    if ((await oldJob.getState()) === 'delayed') await oldJob.promote();
    await eventually(async () => (await oldJob.getState()) === 'completed', 10_000, 'the digest job done');
    expect((await lettersQueue.getJob(pendingDigest))!.returnvalue).toBe('skipped: nothing queued');

    const next = await write(kazakhstan, 'CH');
    await smtp.waitFor((m) => m.envelope.to.includes(missionOf('CH')) && m.replyTo.includes(next.email), 15_000);
    const final = await eventually(
      async () => {
        const rows = await lettersOf(kazakhstan.id, 'CH');
        return rows.length === 3 && rows.every((l) => l.status === 'sent') ? rows : null;
      },
      10_000,
      'three letters sent',
    );
    // Three letters, three single messages: each letter in exactly one message.
    expect(toMission('CH')).toHaveLength(3);
    expect(new Set(final.map((l) => l.messageId))).toEqual(new Set(toMission('CH').map((m) => m.messageId)));
  }, 90_000);
});

describe('a dead worker across the switch', () => {
  it('a letter left sending when its lease ran out is queued again by the sweeper for the digest, and sent once', async () => {
    const first = await write(kazakhstan, 'GB');
    const firstLetter = await smtp.waitFor((m) => m.envelope.to.includes(missionOf('GB')) && m.replyTo.includes(first.email));
    expect((await oneClick(listUnsubscribeUrl(firstLetter))).status).toBe(200);
    const stranded = await write(kazakhstan, 'GB');
    const waiting = await eventually(async () => (await lettersOf(kazakhstan.id, 'GB')).find((l) => l.status === 'queued'), 10_000, 'a letter waiting');
    // As a digest worker leaves it when it dies between its claim and the SMTP answer.
    await api.platform.db.letter.update({ where: { id: waiting.id }, data: { status: 'sending', sendingAt: new Date(Date.now() - 3600_000) } });

    const swept = await sweepLetters(api.platform, lettersQueue);
    expect(swept.leasesExpired).toBe(1);
    expect((await api.platform.db.letter.findUniqueOrThrow({ where: { id: waiting.id } })).status).toBe('queued');
    // Not as a single letter: no single-letter job was written for it by the sweep.
    expect(
      await api.platform.db.outboxEvent.count({ where: { jobName: 'letters.send.letter', dedupeKey: { startsWith: `letter-${waiting.id}-sweep-` } } }),
    ).toBe(0);

    await runDigestNow(kazakhstan.id, 'GB');
    const digest = await smtp.waitFor((m) => m.envelope.to.includes(missionOf('GB')) && m.text.includes(stranded.name), 15_000);
    const rows = await eventually(
      async () => {
        const all = await lettersOf(kazakhstan.id, 'GB');
        return all.every((l) => l.status === 'sent') ? all : null;
      },
      10_000,
      'both sent',
    );
    expect(rows.find((l) => l.id === waiting.id)!.messageId).toBe(digest.messageId);
    expect(toMission('GB')).toHaveLength(2);
  }, 60_000);
});

describe('the delegations page', () => {
  it('shows each digest override beside its delegation, and an editor sends single letters again from there', async () => {
    // France asked for Kazakhstan's digest in the first test above.
    expect(await overridesOf('FR')).toEqual([expect.objectContaining({ campaign: KAZAKHSTAN_SLUG })]);
    const browser = await launchBrowser();
    try {
      const viewerPage = await browser.newPage();
      await logInThroughPage(viewerPage, api.url, await makeAccount(api.platform.db, 'viewer'), '/admin/targets');
      const viewerItem = viewerPage.locator(`#targets tr[data-iso2="FR"] .digest li[data-campaign="${KAZAKHSTAN_SLUG}"]`);
      await viewerItem.waitFor();
      expect(await viewerItem.locator('button').count()).toBe(0);

      const page = await browser.newPage();
      await logInThroughPage(page, api.url, await makeAccount(api.platform.db, 'editor'), '/admin/targets');
      const item = page.locator(`#targets tr[data-iso2="FR"] .digest li[data-campaign="${KAZAKHSTAN_SLUG}"]`);
      await item.waitFor();
      expect(await item.textContent()).toContain('since ');
      expect(await seriousAccessibilityViolations(page)).toEqual([]);
      await item.locator('button').click();
      await page.locator('#targets-message', { hasText: 'gets single letters' }).waitFor();
      expect(await page.locator(`#targets tr[data-iso2="FR"] .digest li`).count()).toBe(0);
      expect(await overridesOf('FR')).toEqual([]);
      expect(await api.platform.db.auditEvent.count({ where: { action: 'targets.digest_override.delete', subject: 'FR' } })).toBe(1);
    } finally {
      await browser.close();
    }
  }, 90_000);
});

/** The dedupe key of the newest digest job for (campaign, delegation), without running it. */
async function digestJobIdOf(campaignId: string, iso2: string): Promise<string> {
  const target = await api.platform.db.target.findUniqueOrThrow({ where: { iso2 } });
  const row = await eventually(
    () =>
      api.platform.db.outboxEvent.findFirst({
        where: { jobName: 'letters.send.digest', dedupeKey: { startsWith: `digest-${campaignId}-${target.id}-` } },
        orderBy: { createdAt: 'desc' },
      }),
    10_000,
    'the digest outbox row',
  );
  return row.dedupeKey;
}
