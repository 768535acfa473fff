import { z } from '../../platform/http/zod';

/** Longest range the series answers: about 9,600 hour buckets at most. */
export const MAX_RANGE_DAYS = 400;
const DAY_MS = 24 * 3600 * 1000;

export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

const timeZone = z.string().max(64).refine(isTimeZone, 'must be an IANA time zone, e.g. Asia/Almaty');

export const metricsQuery = z
  .object({
    bucket: z.enum(['hour', 'day']).default('day'),
    from: z.iso.datetime({ offset: true }).optional().openapi({ description: 'Start of the series (default: 30 days before `to`).' }),
    to: z.iso.datetime({ offset: true }).optional().openapi({ description: 'End of the series, exclusive (default: now).' }),
    tz: timeZone.default('UTC'),
  })
  .strict()
  .transform((query, ctx) => {
    const to = query.to ? new Date(query.to) : new Date();
    const from = query.from ? new Date(query.from) : new Date(to.getTime() - 30 * DAY_MS);
    if (from >= to) ctx.addIssue({ code: 'custom', path: ['from'], message: 'must be before to' });
    if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * DAY_MS)
      ctx.addIssue({ code: 'custom', path: ['from'], message: `the range may span at most ${MAX_RANGE_DAYS} days` });
    return { bucket: query.bucket, from, to, tz: query.tz };
  });
export type MetricsQuery = z.infer<typeof metricsQuery>;

export const SIGNATURE_STATES = ['confirmed', 'pending', 'invalidated'] as const;
export const LETTER_STATES = ['held', 'queued', 'sending', 'sent', 'failed', 'cancelled', 'review'] as const;

const count = z.number().int();
const signatureCounts = z.object({ confirmed: count, pending: count, invalidated: count });
const letterCounts = z.object(Object.fromEntries(LETTER_STATES.map((s) => [s, count])) as Record<(typeof LETTER_STATES)[number], typeof count>);
const rollupCounts = {
  signed: count.openapi({ description: 'Signatures that count: every signature made, less those invalidated.' }),
  confirmed: count.openapi({ description: 'Of those, confirmed.' }),
  invalidated: count.openapi({ description: 'Invalidated (not in `signed`).' }),
};
const queueCounts = z
  .object({ waiting: count, active: count, delayed: count, failed: count, completed: count })
  .nullable()
  .openapi({ description: 'null when Redis did not answer.' });

export const campaignMetricsSchema = z
  .object({
    campaign: z.object({ slug: z.string(), title: z.string(), status: z.string() }),
    signatures: signatureCounts,
    supporters: count.openapi({ description: 'Distinct supporters with a signature that counts (confirmed + pending).' }),
    goal: z
      .object({ target: count, counted: count, progress: z.number().openapi({ description: 'counted / target (may exceed 1).' }) })
      .openapi({ description: '`counted` is confirmed signatures, plus pending ones when the campaign counts them publicly.' }),
    letters: letterCounts,
    byCountry: z.array(z.object({ country: z.string().nullable().openapi({ description: 'null: not given.' }), ...rollupCounts })),
    bySource: z.array(
      z.object({
        source: z.string().nullable(),
        utmSource: z.string().nullable(),
        utmMedium: z.string().nullable(),
        utmCampaign: z.string().nullable(),
        ...rollupCounts,
      }),
    ),
    funnel: z.object({
      signed: count,
      confirmed: count,
      wroteLetter: count.openapi({ description: 'Supporters with a signature that counts and at least one letter not cancelled.' }),
    }),
    lettersByDelegation: z.array(z.object({ iso2: z.string(), country: z.string(), total: count, byStatus: letterCounts })),
    series: z.object({
      bucket: z.enum(['hour', 'day']),
      tz: z.string(),
      from: z.string(),
      to: z.string(),
      buckets: z.array(
        z.object({
          start: z.string().openapi({ description: "The bucket's start (UTC instant)." }),
          local: z.string().openapi({ description: "The bucket's start as local wall time in `tz`." }),
          ...rollupCounts,
        }),
      ),
    }),
    queues: z.record(z.string(), queueCounts),
    owedWork: z
      .array(
        z.object({
          kind: z.string().openapi({ description: 'Job name, e.g. supporters.send.confirmation.' }),
          overdue: count,
          oldestSeconds: count,
          byAge: z.object({ '1-5m': count, '5-15m': count, '15-60m': count, '1h+': count }),
        }),
      )
      .openapi({ description: 'Work the database says is owed (all campaigns) and has waited more than a minute past when it was due.' }),
  })
  .openapi('CampaignMetrics');
export type CampaignMetrics = z.infer<typeof campaignMetricsSchema>;

const country = z
  .string()
  .regex(/^[A-Za-z]{2}$/, 'must be an ISO 3166 alpha-2 code')
  .transform((c) => c.toUpperCase());

export const signaturesExportQuery = z
  .object({
    state: z.enum(['confirmed', 'pending', 'invalidated', 'all']).default('confirmed'),
    country: country.optional(),
    from: z.iso.datetime({ offset: true }).optional().openapi({ description: 'Signed at or after.' }),
    to: z.iso.datetime({ offset: true }).optional().openapi({ description: 'Signed before.' }),
  })
  .strict();
export type SignaturesExportQuery = z.infer<typeof signaturesExportQuery>;

export const manifestSchema = z
  .object({
    campaign: z.object({
      slug: z.string(),
      title: z.string(),
      statement: z.string(),
      source: z.object({ organisation: z.string(), url: z.string().nullable(), date: z.string().nullable() }),
      demands: z.array(z.object({ title: z.string(), quote: z.string() })),
    }),
    generatedAt: z.string(),
    filters: signaturesExportQuery,
    rows: count,
    byCountry: z.record(z.string(), count).openapi({ description: 'Exported rows per country; `unknown` when none was given.' }),
    sha256: z.string().openapi({ description: 'Hex SHA-256 of signatures.csv downloaded with the same filters (while the data is unchanged).' }),
  })
  .openapi('DeliveryManifest');

export const sourcesQuery = z
  .object({
    window: z
      .string()
      .regex(/^\d{1,4}[mhd]$/, 'must be like 30m, 24h or 7d')
      .default('24h'),
  })
  .strict()
  .transform((q, ctx) => {
    const n = Number(q.window.slice(0, -1));
    const ms = n * { m: 60_000, h: 3_600_000, d: 86_400_000 }[q.window.slice(-1) as 'm' | 'h' | 'd'];
    if (ms < 60_000 || ms > 90 * 86_400_000) ctx.addIssue({ code: 'custom', path: ['window'], message: 'must be between 1m and 90d' });
    return { window: q.window, ms };
  });

const sourceRow = { signatures: count, invalidated: count };
export const sourcesSchema = z
  .object({
    window: z.string(),
    since: z.string(),
    byIpHash: z.array(
      z.object({ ipHash: z.string().nullable().openapi({ description: 'Hex keyed hash of the source network; null: unknown.' }), ...sourceRow }),
    ),
    byEmailDomain: z.array(z.object({ emailDomain: z.string(), ...sourceRow })),
  })
  .openapi('SigningSources');

export const invalidationBody = z
  .object({
    ipHash: z
      .string()
      .regex(/^[0-9a-fA-F]{32}$/, 'must be a hex source hash from the sources view')
      .transform((h) => h.toLowerCase())
      .optional(),
    emailDomain: z
      .string()
      .min(1)
      .max(253)
      .transform((d) => d.toLowerCase())
      .optional(),
    from: z.iso.datetime({ offset: true }).optional().openapi({ description: 'Signed at or after.' }),
    to: z.iso.datetime({ offset: true }).optional().openapi({ description: 'Signed before.' }),
    reason: z.string().trim().min(1).max(500),
  })
  .strict()
  .refine((b) => b.ipHash !== undefined || b.emailDomain !== undefined || b.from !== undefined || b.to !== undefined, {
    message: 'name at least one condition: ipHash, emailDomain, from or to',
    path: ['ipHash'],
  });
export const restoreBody = z
  .object({
    ipHash: z
      .string()
      .regex(/^[0-9a-fA-F]{32}$/, 'must be a hex source hash')
      .transform((h) => h.toLowerCase())
      .optional(),
    emailDomain: z
      .string()
      .min(1)
      .max(253)
      .transform((d) => d.toLowerCase())
      .optional(),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    reason: z.string().trim().min(1).max(500).optional().openapi({ description: 'Only signatures invalidated with exactly this reason.' }),
  })
  .strict()
  .refine((b) => b.ipHash !== undefined || b.emailDomain !== undefined || b.from !== undefined || b.to !== undefined, {
    message: 'name at least one condition: ipHash, emailDomain, from or to',
    path: ['ipHash'],
  });
export type InvalidationBody = z.infer<typeof invalidationBody>;
export type RestoreBody = z.infer<typeof restoreBody>;

export const invalidationResultSchema = z
  .object({
    changed: count,
    byPreviousStatus: z.object({ confirmed: count, pending: count }),
  })
  .openapi('InvalidationResult');
