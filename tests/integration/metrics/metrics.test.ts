import { supporterContext } from '../../../src/modules/admin';
import { createHash } from 'node:crypto';
import { applyTransition } from '../../../src/modules/supporters';
import { confirmationLink, confirmSignature } from '../../../src/modules/supporters';
import { createCampaign, signingBody, type TestCampaign } from '../../support/fixtures';
import { postJson, startTestApi, type TestApi } from '../../support/harness';
import { expectRollupsEqualFullCount } from '../../support/rollups';

const TOKEN = 'x'.repeat(40);
const auth = { authorization: `Bearer ${TOKEN}` };
let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ RATE_LIMIT_ENABLED: 'false', ADMIN_API_TOKEN: TOKEN });
});
afterAll(async () => {
  await api.close();
});

const get = (path: string, headers: Record<string, string> = auth) => fetch(`${api.url}${path}`, { headers });
const sign = (campaign: TestCampaign, overrides: Record<string, unknown>) =>
  postJson(`${api.url}/api/campaigns/${campaign.slug}/signatures`, signingBody(campaign, overrides));

async function confirmAll(campaign: TestCampaign, emailDomain: string) {
  const attempts = await api.platform.db.$queryRaw<Array<{ id: string }>>`
    SELECT a.id FROM signing_attempts a JOIN signatures s ON s.id = a.signature_id
    WHERE s.campaign_id = ${campaign.id}::uuid AND s.email_domain = ${emailDomain}`;
  for (const { id } of attempts) {
    await confirmSignature(supporterContext(api.platform, 'en'), confirmationLink(api.platform, id).split('/confirm/')[1]!);
  }
}

/** The figures the metrics must equal, counted the slow way from the signatures table. */
async function fullCounts(campaignId: string) {
  const [status] = await api.platform.db.$queryRaw<Array<{ confirmed: number; pending: number; invalidated: number }>>`
    SELECT count(*) FILTER (WHERE status = 'confirmed')::int AS confirmed, count(*) FILTER (WHERE status = 'pending')::int AS pending,
      count(*) FILTER (WHERE status = 'invalidated')::int AS invalidated FROM signatures WHERE campaign_id = ${campaignId}::uuid`;
  const byCountry = await api.platform.db.$queryRaw<Array<{ country: string | null; signed: number; confirmed: number; invalidated: number }>>`
    SELECT country, count(*) FILTER (WHERE status <> 'invalidated')::int AS signed, count(*) FILTER (WHERE status = 'confirmed')::int AS confirmed,
      count(*) FILTER (WHERE status = 'invalidated')::int AS invalidated
    FROM signatures WHERE campaign_id = ${campaignId}::uuid GROUP BY country`;
  const bySource = await api.platform.db.$queryRaw<
    Array<{ source: string | null; utmSource: string | null; signed: number; confirmed: number; invalidated: number }>
  >`
    SELECT source, utm_source AS "utmSource", count(*) FILTER (WHERE status <> 'invalidated')::int AS signed,
      count(*) FILTER (WHERE status = 'confirmed')::int AS confirmed, count(*) FILTER (WHERE status = 'invalidated')::int AS invalidated
    FROM signatures WHERE campaign_id = ${campaignId}::uuid GROUP BY source, utm_source`;
  return { status: status!, byCountry, bySource };
}

const byKey = <T>(rows: T[], key: (r: T) => string) => [...rows].sort((a, b) => key(a).localeCompare(key(b)));

describe('campaign metrics', () => {
  it('equal full counts from the signatures table after signing, repeating, confirming, invalidating and restoring', async () => {
    const campaign = await createCampaign(api.platform.db);
    const stamp = Date.now();
    await sign(campaign, { email: `a${stamp}@good.example`, country: 'KZ', source: 'partner-a' });
    await sign(campaign, { email: `a${stamp}@good.example`, country: 'KZ', source: 'partner-a' }); // a repeat counts once
    await sign(campaign, { email: `b${stamp}@good.example`, country: 'FR', utm_source: 'newsletter' });
    await sign(campaign, { email: `c${stamp}@good.example`, country: undefined });
    for (let i = 0; i < 4; i += 1) await sign(campaign, { email: `s${i}-${stamp}@spam.example`, country: i % 2 ? 'KZ' : 'DE', source: 'flood' });
    await confirmAll(campaign, 'good.example');
    await confirmAll(campaign, 'spam.example');
    await sign(campaign, { email: `p${stamp}@spam.example`, country: 'KZ' }); // stays pending

    const invalidated = await postJson(
      `${api.url}/api/admin/campaigns/${campaign.slug}/signatures/invalidate`,
      { emailDomain: 'spam.example', reason: 'flood' },
      auth,
    );
    expect(invalidated.status).toBe(200);
    expect(invalidated.json).toEqual({ changed: 5, byPreviousStatus: { confirmed: 4, pending: 1 } });
    const row = await api.platform.db.signature.findFirst({
      where: { campaignId: campaign.id, status: 'invalidated' },
      select: { invalidatedBy: true, invalidationReason: true, statusBeforeInvalidation: true, invalidatedAt: true },
    });
    expect(row).toMatchObject({ invalidationReason: 'flood', invalidatedBy: expect.any(String), invalidatedAt: expect.any(Date) });

    const sources = (await (await get(`/api/admin/campaigns/${campaign.slug}/sources?window=1h`)).json()) as {
      byEmailDomain: Array<{ emailDomain: string; signatures: number }>;
    };
    expect(sources.byEmailDomain[0]).toMatchObject({ emailDomain: 'spam.example', signatures: 5 });

    const checkAgainstFullCounts = async () => {
      const response = await get(`/api/admin/campaigns/${campaign.slug}/metrics?bucket=hour&tz=Europe/Zurich`);
      expect(response.status).toBe(200);
      const metrics = (await response.json()) as Record<string, any>;
      const full = await fullCounts(campaign.id);
      expect(metrics.signatures).toEqual(full.status);
      expect(metrics.supporters).toBe(full.status.confirmed + full.status.pending);
      expect(byKey(metrics.byCountry, (r: any) => String(r.country))).toEqual(byKey(full.byCountry, (r) => String(r.country)));
      expect(
        byKey(
          metrics.bySource.map((r: any) => ({
            source: r.source,
            utmSource: r.utmSource,
            signed: r.signed,
            confirmed: r.confirmed,
            invalidated: r.invalidated,
          })),
          (r: any) => `${r.source}|${r.utmSource}`,
        ),
      ).toEqual(byKey(full.bySource, (r) => `${r.source}|${r.utmSource}`));
      const seriesTotal = metrics.series.buckets.reduce((n: number, b: any) => n + b.signed, 0);
      expect(seriesTotal).toBe(full.status.confirmed + full.status.pending);
      expect(metrics.funnel).toEqual({ signed: full.status.confirmed + full.status.pending, confirmed: full.status.confirmed, wroteLetter: 0 });
      expect(metrics.letters).toMatchObject({ sent: 0, queued: 0 });
      expect(Object.keys(metrics.queues)).toEqual(expect.arrayContaining(['email', 'letters']));
      // And each rollup table on its own (the hourly one, the country one and the source one).
      await expectRollupsEqualFullCount(api.platform.db, campaign.id);
      return metrics;
    };
    const afterInvalidation = await checkAgainstFullCounts();
    expect(afterInvalidation.signatures).toEqual({ confirmed: 3, pending: 0, invalidated: 5 });

    const restored = await postJson(`${api.url}/api/admin/campaigns/${campaign.slug}/signatures/restore`, { emailDomain: 'spam.example' }, auth);
    expect(restored.json).toEqual({ changed: 5, byPreviousStatus: { confirmed: 4, pending: 1 } });
    const afterRestore = await checkAgainstFullCounts();
    expect(afterRestore.signatures).toEqual({ confirmed: 7, pending: 1, invalidated: 0 });
  });

  it('puts a signature made at 20:00 UTC on the next local day in Asia/Almaty', async () => {
    const campaign = await createCampaign(api.platform.db);
    await applyTransition(
      api.platform.db,
      [
        {
          campaignId: campaign.id,
          createdAt: new Date('2026-03-10T20:00:00Z'),
          country: 'KZ',
          source: null,
          partner: null,
          utmSource: null,
          utmMedium: null,
          utmCampaign: null,
          from: 'absent',
          to: 'pending',
        },
      ],
      'sign',
    );
    const query = 'bucket=day&tz=Asia/Almaty&from=2026-03-09T00:00:00Z&to=2026-03-13T00:00:00Z';
    const metrics = (await (await get(`/api/admin/campaigns/${campaign.slug}/metrics?${query}`)).json()) as {
      series: { buckets: Array<{ local: string; signed: number }> };
    };
    const days = Object.fromEntries(metrics.series.buckets.map((b) => [b.local, b.signed]));
    expect(days).toEqual({ '2026-03-09': 0, '2026-03-10': 0, '2026-03-11': 1, '2026-03-12': 0, '2026-03-13': 0 });
    const utc = (await (
      await get(`/api/admin/campaigns/${campaign.slug}/metrics?bucket=day&tz=UTC&from=2026-03-09T00:00:00Z&to=2026-03-13T00:00:00Z`)
    ).json()) as typeof metrics;
    expect(utc.series.buckets.find((b) => b.signed === 1)?.local).toBe('2026-03-10');
  });

  it('refuses an unknown time zone', async () => {
    const campaign = await createCampaign(api.platform.db);
    expect((await get(`/api/admin/campaigns/${campaign.slug}/metrics?tz=Mars/Olympus`)).status).toBe(400);
  });

  it('answers 401 without a token', async () => {
    const campaign = await createCampaign(api.platform.db);
    for (const path of ['metrics', 'signatures.csv', 'letters.csv', 'sources', 'delivery-package/manifest.json']) {
      expect((await get(`/api/admin/campaigns/${campaign.slug}/${path}`, {})).status).toBe(401);
    }
    const write = await postJson(`${api.url}/api/admin/campaigns/${campaign.slug}/signatures/invalidate`, { emailDomain: 'x.example', reason: 'r' });
    expect(write.status).toBe(401);
  });
});

describe('signature export', () => {
  it("streams the rows of the database with filters, neutralises formulas, and hashes to the manifest's SHA-256", async () => {
    const campaign = await createCampaign(api.platform.db);
    const stamp = Date.now();
    await sign(campaign, { email: `f${stamp}@one.example`, name: '=HYPERLINK("http://evil")', country: 'KZ', comment: '+1 from me', city: 'Almaty' });
    await sign(campaign, { email: `g${stamp}@one.example`, name: 'Plain Name', country: 'KZ' });
    await sign(campaign, { email: `h${stamp}@one.example`, name: 'Other Country', country: 'FR' });
    const path = `/api/admin/campaigns/${campaign.slug}/signatures.csv?state=pending&country=KZ`;
    const response = await get(path);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename=".+\.csv"$/);
    const body = Buffer.from(await response.arrayBuffer());
    const lines = body.toString('utf8').trim().split('\n');
    expect(lines[0]).toBe(
      'signed_at,confirmed_at,status,name,email,country,city,comment,consent_updates,consent_wording,source,utm_source,utm_medium,utm_campaign',
    );
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(lines[1]).toContain(`f${stamp}@one.example`);
    expect(lines[1]).toContain("'+1 from me");
    expect(lines[1]).toContain('Almaty');
    expect(lines[2]).toContain('Plain Name');
    expect(body.toString('utf8')).not.toContain('Other Country');

    const manifest = (await (await get(`/api/admin/campaigns/${campaign.slug}/delivery-package/manifest.json?state=pending&country=KZ`)).json()) as Record<
      string,
      any
    >;
    expect(manifest).toMatchObject({ rows: 2, byCountry: { KZ: 2 }, campaign: { slug: campaign.slug, demands: [{ title: 'Free them' }] } });
    expect(manifest.sha256).toBe(createHash('sha256').update(body).digest('hex'));

    const confirmedOnly = await (await get(`/api/admin/campaigns/${campaign.slug}/signatures.csv`)).text();
    expect(confirmedOnly.trim().split('\n')).toHaveLength(1); // nothing confirmed yet: the header alone
  });

  it('exports letters as CSV with a header', async () => {
    const campaign = await createCampaign(api.platform.db);
    const response = await get(`/api/admin/campaigns/${campaign.slug}/letters.csv`);
    expect(response.status).toBe(200);
    expect((await response.text()).split('\n')[0]).toBe(
      'created_at,delegation_iso2,delegation,status,attempts,queued_at,sent_at,failed_at,last_smtp_response,review_reason,supporter_name',
    );
  });
});

describe('/metrics', () => {
  it('exposes HTTP, signature, letter, queue and outbox series', async () => {
    await get('/api/campaigns/no-such-campaign');
    const response = await fetch(`${api.url}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    for (const name of [
      'clarion_http_request_duration_seconds_bucket',
      'clarion_signatures{status="confirmed"}',
      'clarion_letters{status="sent"}',
      'clarion_queue_jobs{queue="email",state="waiting"}',
      'clarion_outbox_unrelayed',
      'clarion_outbox_lag_seconds',
      'process_cpu_user_seconds_total',
    ]) {
      expect(text).toContain(name);
    }
    expect(text).toMatch(/route="\/api\/campaigns\/:slug"/);
    expect(text).not.toContain('no-such-campaign');
  });

  it('describes the metrics routes in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${api.url}/api/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/admin/campaigns/{slug}/metrics',
        '/api/admin/campaigns/{slug}/signatures.csv',
        '/api/admin/campaigns/{slug}/delivery-package/manifest.json',
        '/api/admin/campaigns/{slug}/letters.csv',
        '/api/admin/campaigns/{slug}/sources',
        '/api/admin/campaigns/{slug}/signatures/invalidate',
        '/api/admin/campaigns/{slug}/signatures/restore',
        '/metrics',
      ]),
    );
  });
});
