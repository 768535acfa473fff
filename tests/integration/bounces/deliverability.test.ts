import { makeAccount, logIn, makeToken } from '../../support/admin';
import { launchBrowser, type TestBrowser } from '../../support/browser';
import { type BounceListener, startBounceListener } from '../../../src/modules/bounces';
import { createCampaign, signingBody, type TestCampaign } from '../../support/fixtures';
import { eventually, postJson, type TestApi, startTestStack, type TestStack } from '../../support/harness';
import { mailingMessages, seedSupporters } from '../../support/mailings';
import { complaintReport, deliverReport, deliveryStatusReport } from '../../support/reports';
import type { SmtpRecorder } from '../../support/smtp-recorder';
import { logInThroughPage } from '../dashboard/login-through-page';

/**
 * Per-message return paths and the rates they make possible, through the real path: a mailing
 * goes out through the worker to the SMTP recorder, reports for its messages come back over SMTP
 * to the bounces listener, and the mailing's counts, GET /api/admin/deliverability and the
 * campaign's dashboard page show them.
 */
const BOUNCE_DOMAIN = 'bounces.clarion.test';
let stack: TestStack;
let api: TestApi;
let smtp: SmtpRecorder;
let listener: BounceListener;
let editor: Record<string, string>;
let viewer: Record<string, string>;
let staff: { email: string; password: string };

beforeAll(async () => {
  stack = await startTestStack({ RATE_LIMIT_ENABLED: 'false', MAILINGS_PER_MINUTE: '1200', BOUNCE_DOMAIN });
  ({ api, smtp } = stack);
  listener = await startBounceListener(api.platform, { host: '127.0.0.1', port: 0 });
  staff = await makeAccount(api.platform.db, 'owner');
  const session = await logIn(api.url, staff.email, staff.password);
  editor = { authorization: `Bearer ${(await makeToken(api.url, session, 'editor')).token}` };
  viewer = { authorization: `Bearer ${(await makeToken(api.url, session, 'viewer')).token}` };
});

afterAll(async () => {
  await listener.close();
  await stack.stop();
});

async function getJson<T>(path: string, headers: Record<string, string> = viewer): Promise<{ status: number; type: string; body: T }> {
  const response = await fetch(`${api.url}${path}`, { headers });
  return { status: response.status, type: response.headers.get('content-type') ?? '', body: (await response.json()) as T };
}

/** A campaign with `count` consenting supporters and one update sent to them all. */
async function sentMailing(count: number): Promise<{ campaign: TestCampaign; mailingId: string }> {
  const campaign = await createCampaign(api.platform.db);
  await seedSupporters(api.platform, campaign, Array<'eligible'>(count).fill('eligible'));
  const created = await fetch(`${api.url}/api/admin/campaigns/${campaign.slug}/mailings`, {
    method: 'POST',
    headers: { ...editor, 'content-type': 'application/json' },
    body: JSON.stringify({ subject: 'News', text: 'Dear {{supporter.name}}, news.' }),
  });
  expect(created.status).toBe(201);
  const { id } = (await created.json()) as { id: string };
  expect((await fetch(`${api.url}/api/admin/mailings/${id}/send`, { method: 'POST', headers: editor })).status).toBe(202);
  await eventually(async () => (await getJson<{ status: string }>(`/api/admin/mailings/${id}`)).body.status === 'done', 60_000, 'the mailing done');
  return { campaign, mailingId: id };
}

type Rates = {
  sent: number;
  hardBounces: number;
  softBounces: number;
  complaints: number;
  bounceRate: number | null;
  complaintRate: number | null;
  complaintLevel: string;
};
type Answer = {
  windowDays: number;
  campaigns: Array<Rates & { slug: string; domain: string }>;
  domains: Array<Rates & { domain: string }>;
  unattributed: Record<string, number>;
};

const countsOf = async (id: string) => (await getJson<{ counts: Record<string, number> }>(`/api/admin/mailings/${id}`)).body.counts;
const ratesOf = async (slug: string, query = '') => (await getJson<Answer>(`/api/admin/deliverability${query}`)).body.campaigns.find((c) => c.slug === slug)!;

describe('bounces and complaints of campaign updates', () => {
  let busy: { campaign: TestCampaign; mailingId: string };
  let quiet: { campaign: TestCampaign; mailingId: string };

  beforeAll(async () => {
    busy = await sentMailing(20);
    quiet = await sentMailing(5);
  }, 120_000);

  it('a later hard bounce or complaint of a mailing message makes its recipient bounced; a soft bounce does not; the same report twice counts once', async () => {
    const [hard, complained, soft] = mailingMessages(smtp, busy.mailingId);
    expect(hard!.envelope.from).toMatch(/^bounces\+m-[0-9a-f]{32}-[0-9a-f]{12}@bounces\.clarion\.test$/);
    expect(await countsOf(busy.mailingId)).toMatchObject({ sent: 20, bounced: 0 });

    const bounce = deliveryStatusReport({ recipient: hard!.envelope.to[0]!, status: '5.1.1' });
    await deliverReport(listener.port, hard!.envelope.from, bounce);
    expect(await countsOf(busy.mailingId)).toMatchObject({ sent: 19, bounced: 1 });
    await deliverReport(listener.port, hard!.envelope.from, bounce);
    await deliverReport(listener.port, complained!.envelope.from, complaintReport(complained!.envelope.to[0]!));
    await deliverReport(listener.port, soft!.envelope.from, deliveryStatusReport({ recipient: soft!.envelope.to[0]!, status: '4.2.2' }));
    expect(await countsOf(busy.mailingId)).toMatchObject({ recipients: 20, sent: 18, bounced: 2 });

    // The report names the campaign and the mailing, never the person.
    const rows = await api.platform.db.deliveryReport.findMany({ where: { mailingId: busy.mailingId }, orderBy: { createdAt: 'asc' } });
    expect(rows.map((r) => r.kind)).toEqual(['hard', 'complaint', 'soft']);
    for (const row of rows) expect(row).toMatchObject({ subjectKind: 'supporter', campaignId: busy.campaign.id, targetId: null, letterId: null });
    const suppressed = await api.platform.db.mailSuppression.count();
    expect(suppressed).toBe(2);
  });

  it('GET /api/admin/deliverability gives the rates per campaign and per sending domain over 30 days, over the limit when complaints reach 0.1 %', async () => {
    const answer = await getJson<Answer>('/api/admin/deliverability');
    expect(answer.status).toBe(200);
    expect(answer.body.windowDays).toBe(30);
    const busyRates = answer.body.campaigns.find((c) => c.slug === busy.campaign.slug)!;
    expect(busyRates).toMatchObject({
      domain: 'clarion.example',
      sent: 20,
      hardBounces: 1,
      softBounces: 1,
      complaints: 1,
      bounceRate: 0.05,
      complaintRate: 0.05,
      complaintLevel: 'over_limit',
    });
    expect(answer.body.campaigns.find((c) => c.slug === quiet.campaign.slug)).toMatchObject({
      sent: 5,
      hardBounces: 0,
      complaints: 0,
      complaintRate: 0,
      complaintLevel: 'ok',
    });
    const domain = answer.body.domains.find((d) => d.domain === 'clarion.example')!;
    expect(domain).toMatchObject({ sent: 25, hardBounces: 1, complaints: 1, complaintRate: 0.04, complaintLevel: 'over_limit' });

    expect(await ratesOf(busy.campaign.slug, '?days=1')).toMatchObject({ sent: 20, complaints: 1 });

    for (const bad of ['?days=0', '?days=91', '?days=x', '?other=1']) {
      const refused = await getJson<{ status: number }>(`/api/admin/deliverability${bad}`);
      expect(refused.status).toBe(400);
      expect(refused.type).toContain('application/problem+json');
    }
    expect((await fetch(`${api.url}/api/admin/deliverability`)).status).toBe(401);
  });

  it("the campaign page shows the rates and the warning; a quiet campaign's own row is ok, its shared domain still warns", async () => {
    let browser: TestBrowser | undefined;
    try {
      browser = await launchBrowser();
      const page = await browser.newPage();
      await logInThroughPage(page, api.url, staff, `/admin/campaigns/${busy.campaign.slug}`);
      const warning = page.locator('#deliverability-warning');
      await warning.waitFor({ state: 'visible' });
      expect(await warning.textContent()).toContain('Over the 0.1 % complaint limit');
      const firstRow = page.locator('#deliverability-rates tbody tr').first();
      expect(await firstRow.getAttribute('data-level')).toBe('over_limit');
      expect(await firstRow.textContent()).toContain('5.00 %');

      await page.goto(`${api.url}/admin/campaigns/${quiet.campaign.slug}`);
      await page.locator('#deliverability-rates tbody tr').first().waitFor();
      expect(await page.locator('#deliverability-rates tbody tr').first().getAttribute('data-level')).toBe('ok');
      // The domain's row is over the limit (the busy campaign shares it), so the page warns.
      expect(await page.locator('#deliverability-rates tbody tr').nth(1).getAttribute('data-level')).toBe('over_limit');
      expect(await page.locator('#deliverability-warning').isVisible()).toBe(true);
    } finally {
      await browser?.close();
    }
  }, 90_000);

  it('counts only what is inside the window: a complaint from 40 days ago is out of the last 30', async () => {
    await api.platform.db.deliveryReport.updateMany({
      where: { mailingId: busy.mailingId, kind: 'complaint' },
      data: { createdAt: new Date(Date.now() - 40 * 86_400_000) },
    });
    expect(await ratesOf(busy.campaign.slug)).toMatchObject({ sent: 20, hardBounces: 1, complaints: 0, complaintLevel: 'ok' });
    expect(await ratesOf(busy.campaign.slug, '?days=60')).toMatchObject({ complaints: 1, complaintLevel: 'over_limit' });
  });
});

describe('confirmations and reminders', () => {
  it('name their signing attempt: a complaint about a confirmation counts against its campaign, whose sends count too', async () => {
    const campaign = await createCampaign(api.platform.db);
    const signers = [];
    for (let i = 0; i < 3; i += 1) {
      const body = signingBody(campaign);
      expect((await postJson(`${api.url}/api/campaigns/${campaign.slug}/signatures`, body)).status).toBe(202);
      signers.push(body.email);
    }
    const confirmations = await Promise.all(signers.map((email) => smtp.waitFor((m) => m.envelope.to.includes(email))));
    expect(confirmations[0]!.envelope.from).toMatch(/^bounces\+a-[0-9a-f]{32}-[0-9a-f]{12}@bounces\.clarion\.test$/);
    await eventually(async () => (await ratesOf(campaign.slug)).sent === 3, 10_000, 'three confirmations counted');

    await deliverReport(listener.port, confirmations[0]!.envelope.from, complaintReport(signers[0]!));
    expect(await ratesOf(campaign.slug)).toMatchObject({ sent: 3, complaints: 1, complaintLevel: 'over_limit' });
    expect(await api.platform.db.deliveryReport.findFirst({ where: { campaignId: campaign.id } })).toMatchObject({
      subjectKind: 'supporter',
      kind: 'complaint',
      mailingId: null,
      letterId: null,
    });
    // And the address is suppressed, as before.
    const reasons = await api.platform.db.mailSuppression.findMany({ where: { reason: 'complaint' } });
    expect(reasons.length).toBeGreaterThanOrEqual(2);
  });
});
