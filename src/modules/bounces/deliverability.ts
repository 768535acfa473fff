import type { DbClient } from '../../platform/db';
import { z } from '../../platform/http/zod';
import { sql, sqlRows } from '../../platform/sql-rows';

/**
 * Bounce and complaint rates per campaign and per sending domain (the From domain of the
 * campaign's sender address, which is what mailbox providers judge), over a window of days.
 * The denominator is messages accepted by our SMTP server in the window: letters (a digest is one
 * message: distinct Message-IDs), campaign-update recipients, and the confirmations and reminders
 * signings caused (`signing_attempts.email_sent_at`). Other supporter emails (letters' approval,
 * erasure links) name the supporter, not a campaign, and are in neither side (`unattributed`
 * holds their reports). Gmail and Yahoo ask bulk senders to stay under 0.1 % complaints;
 * the warning starts at 0.08 %.
 */
export const COMPLAINT_WARNING_RATE = 0.0008;
export const COMPLAINT_LIMIT_RATE = 0.001;

const levelSchema = z.enum(['ok', 'warning', 'over_limit']).openapi({
  description: `warning: complaint rate ≥ ${COMPLAINT_WARNING_RATE * 100} %; over_limit: ≥ ${COMPLAINT_LIMIT_RATE * 100} % (the Gmail/Yahoo limit)`,
});

const ratesSchema = z.object({
  sent: z.number().int().openapi({ description: 'Messages accepted in the window (letters, digests, campaign updates, confirmations and reminders)' }),
  hardBounces: z.number().int(),
  softBounces: z.number().int(),
  complaints: z.number().int(),
  bounceRate: z.number().nullable().openapi({ description: 'hardBounces / sent; null when nothing was sent' }),
  complaintRate: z.number().nullable().openapi({ description: 'complaints / sent; null when nothing was sent' }),
  complaintLevel: levelSchema,
});

export const deliverabilityQuery = z.object({ days: z.coerce.number().int().min(1).max(90).default(30) }).strict();

export const deliverabilitySchema = z
  .object({
    windowDays: z.number().int(),
    thresholds: z.object({ complaintWarning: z.number(), complaintLimit: z.number() }),
    campaigns: z.array(ratesSchema.extend({ slug: z.string(), title: z.string(), domain: z.string() })),
    domains: z.array(ratesSchema.extend({ domain: z.string() })),
    /** Reports whose message named no campaign (the older per-delegation/per-supporter return paths, or erased rows). */
    unattributed: z.object({ hardBounces: z.number().int(), softBounces: z.number().int(), complaints: z.number().int() }),
  })
  .openapi('Deliverability');
export type Deliverability = z.infer<typeof deliverabilitySchema>;

type Counts = { sent: number; hardBounces: number; softBounces: number; complaints: number };

const CampaignRow = z.object({ id: sql.uuid, slug: sql.text, title: sql.text, sender_email: sql.text }).strict();
const CountRow = z.object({ campaign_id: sql.uuid, n: sql.int }).strict();
const ReportCountRow = z.object({ campaign_id: sql.uuid.nullable(), kind: z.enum(['hard', 'soft', 'complaint']), n: sql.int }).strict();

export function ratesFor(counts: Counts) {
  const bounceRate = counts.sent > 0 ? counts.hardBounces / counts.sent : null;
  const complaintRate = counts.sent > 0 ? counts.complaints / counts.sent : null;
  // Complaints about mail sent before the window, with nothing sent in it: as bad as it gets.
  const effective = complaintRate ?? (counts.complaints > 0 ? 1 : 0);
  const complaintLevel =
    effective >= COMPLAINT_LIMIT_RATE ? ('over_limit' as const) : effective >= COMPLAINT_WARNING_RATE ? ('warning' as const) : ('ok' as const);
  return { ...counts, bounceRate, complaintRate, complaintLevel };
}

export function domainOf(address: string): string {
  return (address.split('@')[1] ?? '').toLowerCase();
}

export async function deliverability(db: DbClient, days: number, now = new Date()): Promise<Deliverability> {
  const since = new Date(now.getTime() - days * 86_400_000);
  const [campaigns, letters, recipients, confirmations, reports] = await Promise.all([
    sqlRows(db, CampaignRow)`SELECT id::text, slug, title, sender_email FROM campaigns ORDER BY slug`,
    // A single letter is one message; a digest's letters share one digest_key (distinct over those
    // only: counting distinct Message-IDs took twice as long over 235,000 letters).
    sqlRows(db, CountRow)`
      SELECT campaign_id::text, (count(*) FILTER (WHERE digest_key IS NULL) + count(DISTINCT digest_key))::int AS n FROM letters
      WHERE status = 'sent' AND sent_at >= ${since} GROUP BY 1`,
    // A recipient later reported bounced was still accepted, and keeps its sent_at.
    sqlRows(db, CountRow)`
      SELECT m.campaign_id::text, count(*)::int AS n FROM mailing_recipients r JOIN mailings m ON m.id = r.mailing_id
      WHERE r.status IN ('sent', 'bounced') AND r.sent_at >= ${since} GROUP BY 1`,
    sqlRows(db, CountRow)`
      SELECT campaign_id::text, count(*)::int AS n FROM signing_attempts WHERE email_sent_at >= ${since} GROUP BY 1`,
    sqlRows(db, ReportCountRow)`
      SELECT campaign_id::text, kind::text AS kind, count(*)::int AS n FROM delivery_reports
      WHERE created_at >= ${since} GROUP BY 1, 2`,
  ]);
  const empty = (): Counts => ({ sent: 0, hardBounces: 0, softBounces: 0, complaints: 0 });
  const byCampaign = new Map(campaigns.map((c) => [c.id, empty()]));
  const unattributed = { hardBounces: 0, softBounces: 0, complaints: 0 };
  for (const row of [...letters, ...recipients, ...confirmations]) {
    const counts = byCampaign.get(row.campaign_id);
    if (counts) counts.sent += row.n;
  }
  for (const row of reports) {
    const counts = (row.campaign_id ? byCampaign.get(row.campaign_id) : undefined) ?? unattributed;
    if (row.kind === 'hard') counts.hardBounces += row.n;
    else if (row.kind === 'soft') counts.softBounces += row.n;
    else counts.complaints += row.n;
  }
  const byDomain = new Map<string, Counts>();
  const campaignRows = campaigns.map((c) => {
    const counts = byCampaign.get(c.id)!;
    const domain = domainOf(c.sender_email);
    const total = byDomain.get(domain) ?? empty();
    for (const key of ['sent', 'hardBounces', 'softBounces', 'complaints'] as const) total[key] += counts[key];
    byDomain.set(domain, total);
    return { slug: c.slug, title: c.title, domain, ...ratesFor(counts) };
  });
  return {
    windowDays: days,
    thresholds: { complaintWarning: COMPLAINT_WARNING_RATE, complaintLimit: COMPLAINT_LIMIT_RATE },
    campaigns: campaignRows,
    domains: [...byDomain.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([domain, counts]) => ({ domain, ...ratesFor(counts) })),
    unattributed,
  };
}
