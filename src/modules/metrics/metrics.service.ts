import { sumCounters } from '../campaigns';
import type { DbClient } from '../../platform/db';
import { AppError } from '../../platform/errors';
import * as repo from './metrics.repository';
import { LETTER_STATES, type CampaignMetrics, type MetricsQuery } from './metrics.schemas';
import type { QueueHealth } from './queue-health';

export async function campaignBySlug(db: DbClient, slug: string) {
  const campaign = await repo.findCampaignForMetrics(db, slug);
  if (!campaign) throw new AppError('campaign_not_found', { key: 'problems.detail.noCampaign', params: { slug } });
  return campaign;
}

type LetterCounts = Record<(typeof LETTER_STATES)[number], number>;

function letterCounts(rows: Array<{ status: string; n: number }>): LetterCounts {
  const counts = Object.fromEntries(LETTER_STATES.map((s) => [s, 0])) as LetterCounts;
  for (const row of rows) if (row.status in counts) counts[row.status as keyof LetterCounts] += row.n;
  return counts;
}

/** Rollups keep every signature in `signed`; what counts is signed − invalidated (see fraud.ts). */
function counting(r: repo.RollupTotals) {
  return { signed: r.signed - r.invalidated, confirmed: r.confirmed, invalidated: r.invalidated };
}

const orNull = (value: string) => (value === '' ? null : value);

/** The campaign's figures, read from counters and rollups (and letters grouped by status). */
export async function campaignMetrics(db: DbClient, queues: QueueHealth, slug: string, query: MetricsQuery): Promise<CampaignMetrics> {
  const campaign = await campaignBySlug(db, slug);
  const [signatures, byCountry, bySource, series, letters, byDelegation, writers, queueCounts, owedWork] = await Promise.all([
    sumCounters(db, campaign.id),
    repo.rollupsByCountry(db, campaign.id),
    repo.rollupsBySource(db, campaign.id),
    repo.rollupSeries(db, campaign.id, query.bucket, query.from, query.to, query.tz),
    repo.letterCountsByStatus(db, campaign.id),
    repo.letterCountsByDelegation(db, campaign.id),
    repo.countLetterWriters(db, campaign.id),
    queues.counts(),
    repo.overdueOwedWork(db),
  ]);
  const supporters = signatures.confirmed + signatures.pending;
  const counted = signatures.confirmed + (campaign.countPendingPublicly ? signatures.pending : 0);

  const delegations = new Map<string, { iso2: string; country: string; rows: Array<{ status: string; n: number }> }>();
  for (const row of byDelegation) {
    const entry = delegations.get(row.iso2) ?? { iso2: row.iso2, country: row.country, rows: [] };
    entry.rows.push(row);
    delegations.set(row.iso2, entry);
  }

  return {
    campaign: { slug: campaign.slug, title: campaign.title, status: campaign.status },
    signatures,
    supporters,
    goal: { target: campaign.signatureGoal, counted, progress: campaign.signatureGoal > 0 ? counted / campaign.signatureGoal : 0 },
    letters: letterCounts(letters),
    byCountry: byCountry.map((r) => ({ country: orNull(r.country), ...counting(r) })),
    bySource: bySource.map((r) => ({
      source: orNull(r.source),
      utmSource: orNull(r.utm_source),
      utmMedium: orNull(r.utm_medium),
      utmCampaign: orNull(r.utm_campaign),
      ...counting(r),
    })),
    funnel: { signed: supporters, confirmed: signatures.confirmed, wroteLetter: writers },
    lettersByDelegation: [...delegations.values()].map((d) => ({
      iso2: d.iso2,
      country: d.country,
      total: d.rows.reduce((n, r) => n + r.n, 0),
      byStatus: letterCounts(d.rows),
    })),
    series: {
      bucket: query.bucket,
      tz: query.tz,
      from: query.from.toISOString(),
      to: query.to.toISOString(),
      buckets: series.map((b) => ({ start: b.start.toISOString(), local: b.local, ...counting(b) })),
    },
    queues: queueCounts,
    owedWork,
  };
}
