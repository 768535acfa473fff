import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Platform } from '../../platform/context';
import { JOBS } from '../../platform/queues';
import * as repo from './metrics.repository';
import { LETTER_STATES } from './metrics.schemas';
import { QUEUE_STATES, type QueueHealth } from './queue-health';

/**
 * Prometheus metrics of one app instance, in a registry of its own (never prom-client's global
 * one), so a process or a test can build several apps. Gauges are computed at scrape time from
 * counters and small grouped queries.
 */
export class Prometheus {
  readonly registry = new Registry();
  private readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  private readonly signatures: Gauge<'status'>;
  private readonly letters: Gauge<'status'>;
  private readonly queueJobs: Gauge<'queue' | 'state'>;
  private readonly outboxUnrelayed: Gauge;
  private readonly outboxLag: Gauge;
  private readonly owedOverdue: Gauge<'kind' | 'age'>;
  private readonly owedOldest: Gauge<'kind'>;

  constructor(
    private readonly platform: Pick<Platform, 'db'>,
    private readonly queues: QueueHealth,
  ) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.httpDuration = new Histogram({
      name: 'clarion_http_request_duration_seconds',
      help: 'HTTP request duration by method, route pattern and status.',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.signatures = new Gauge({
      name: 'clarion_signatures',
      help: 'Signatures by status, all campaigns (from the exact counters).',
      labelNames: ['status'],
      registers,
    });
    this.letters = new Gauge({ name: 'clarion_letters', help: 'Letters by state, all campaigns.', labelNames: ['status'], registers });
    this.queueJobs = new Gauge({ name: 'clarion_queue_jobs', help: 'BullMQ jobs per queue and state.', labelNames: ['queue', 'state'], registers });
    this.outboxUnrelayed = new Gauge({ name: 'clarion_outbox_unrelayed', help: 'Outbox rows not yet relayed to BullMQ.', registers });
    this.outboxLag = new Gauge({ name: 'clarion_outbox_lag_seconds', help: 'Age of the oldest unrelayed outbox row (0 when none).', registers });
    this.owedOverdue = new Gauge({
      name: 'clarion_owed_jobs_overdue',
      help: 'Owed jobs (outbox rows whose job has not completed) due more than a minute ago, by job name and time since due.',
      labelNames: ['kind', 'age'],
      registers,
    });
    this.owedOldest = new Gauge({
      name: 'clarion_owed_jobs_oldest_seconds',
      help: 'How long the oldest overdue owed job of each kind has waited since due.',
      labelNames: ['kind'],
      registers,
    });
  }

  /** Times every request; the label is the route pattern (never the URL, which may carry tokens). */
  readonly httpMetrics: RequestHandler = (req, res, next) => {
    const stop = this.httpDuration.startTimer();
    res.once('finish', () => {
      const route = typeof req.route?.path === 'string' ? `${req.baseUrl ?? ''}${req.route.path}` : 'unmatched';
      stop({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };

  async scrape(): Promise<{ contentType: string; body: string }> {
    const [signatures, letters, queues, outbox, owed] = await Promise.all([
      repo.signatureTotals(this.platform.db),
      repo.letterCountsByStatus(this.platform.db),
      this.queues.counts(),
      repo.outboxLag(this.platform.db),
      repo.overdueOwedWork(this.platform.db),
    ]);
    for (const status of ['pending', 'confirmed', 'invalidated'] as const) this.signatures.set({ status }, signatures[status]);
    this.letters.reset();
    for (const status of LETTER_STATES) this.letters.set({ status }, letters.find((l) => l.status === status)?.n ?? 0);
    this.queueJobs.reset();
    for (const [queue, counts] of Object.entries(queues)) {
      // A queue Redis did not answer for is left out rather than reported as empty.
      if (counts) for (const state of QUEUE_STATES) this.queueJobs.set({ queue, state }, counts[state]);
    }
    this.outboxUnrelayed.set(outbox.unrelayed);
    this.outboxLag.set(outbox.lagSeconds);
    this.owedOverdue.reset();
    this.owedOldest.reset();
    // Every job kind is reported, overdue or not, so an alert can compare against 0.
    for (const kind of Object.values(JOBS)) {
      const entry = owed.find((o) => o.kind === kind);
      for (const age of repo.OWED_AGE_BUCKETS) this.owedOverdue.set({ kind, age }, entry?.byAge[age] ?? 0);
      this.owedOldest.set({ kind }, entry?.oldestSeconds ?? 0);
    }
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
