// The printed result: one table per part, every figure beside its ceiling, the ratio and the goal.
const fmt = (n, unit = '') => (n === null || n === undefined ? '–' : `${typeof n === 'number' ? n.toLocaleString('en', { maximumFractionDigits: 1 }) : n}${unit}`);
const pct = (r) => (r === null || r === undefined ? '–' : `${Math.round(r * 1000) / 10} %`);
const goal = (ok) => (ok === null || ok === undefined ? 'n/a' : ok ? 'met' : 'MISSED');

function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  return [line(headers), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** Markdown tables, so the same text goes into README "Performance". */
export function renderReport(report) {
  const m = report.machine;
  const settings = report.settings;
  const out = [];
  out.push(`Run ${report.runId}, ${report.minutes} min; ${m.cores} cores (${m.cpuModel}), ${m.memoryGb} GB, ${m.os}; Node ${m.node}, PostgreSQL ${m.postgres}, Redis ${m.redis}.`);
  out.push(`Machine busy before the run: ${fmt(m.busyPercentBeforeRun, ' %')} (other work), during it: ${fmt(m.busyPercentDuringRun, ' %')}; load average ${m.loadAverage?.join(' ')} at start, ${m.loadAverageAtEnd?.join(' ')} at end.`);
  const r = report.results;

  if (r.signing) {
    out.push(`\n### Signing (${settings.seconds} s per stage, ceiling ${settings.ceilingSeconds} s; ceiling: the application's recorded statements through pg)\n`);
    out.push(table(
      ['load', 'accepted/s', 'durable/s', 'p50 ms', 'p99 ms', 'non-202', 'API peak MB', 'API / worker CPU s', 'ceiling/s (conns)', 'ceiling p50 / p99 ms', 'ratio', 'goal ≥ 50 %'],
      r.signing.stages.map((s) => [
        s.rate ? `${s.rate}/s offered (${s.connections} conns)` : `${s.connections} connections`,
        fmt(s.acceptedPerSecond), fmt(s.durablePerSecond), fmt(s.p50), fmt(s.p99),
        fmt(Object.entries(s.statusCodes).filter(([c]) => c !== '202').reduce((a, [, n]) => a + n, 0) + s.errors + s.timeouts),
        fmt(s.apiPeakMb), `${fmt(s.apiCpuSeconds)} / ${fmt(s.workerCpuSeconds)}`,
        s.ceiling ? `${fmt(s.ceiling.perSecond)} (${s.ceiling.connections})` : '–',
        s.ceiling ? `${fmt(s.ceiling.p50)} / ${fmt(s.ceiling.p99)}` : '–',
        s.rate ? '–' : pct(s.ratio),
        s.rate ? `p99 < 50 ms at ${s.rate}/s: ${goal(r.signing.goals.p99Under50msAt1000)}` : goal(s.goalMet),
      ]),
    ));
    const emails = r.signing.stages.map((s) => `${s.confirmationEmails.delivered} (${s.confirmationEmails.drainSeconds} s after)`).join(', ');
    out.push(`\nConfirmation emails delivered by the worker per stage (and the wait after the stage for the last): ${emails}.`);
  }

  if (r.letters) {
    const l = r.letters;
    out.push(`\n### Letters (${fmt(l.clarion.letters)} letters, ${fmt(l.clarion.messageBytes)} bytes each; ceiling: pooled nodemailer alone)\n`);
    out.push(table(
      ['path', 'letters/s', 'seconds', 'received', 'worker RSS start / peak / end MB', 'worker CPU s', 'ratio', 'goal ≥ 70 %', 'memory flat'],
      [
        ['Clarion (release → last message)', fmt(l.clarion.perSecond), fmt(l.clarion.seconds), fmt(l.clarion.received),
          `${fmt(l.clarion.worker?.startMb)} / ${fmt(l.clarion.worker?.peakMb)} / ${fmt(l.clarion.worker?.endMb)}`, fmt(l.clarion.worker?.cpuSeconds),
          pct(l.ratio), goal(l.goals.ratioAtLeast70), `${goal(l.goals.workerMemoryFlat)} (${fmt(l.clarion.workerRssFlat.growthPercent, ' %')} last fifth vs middle)`],
        ['ceiling: nodemailer pool', fmt(l.ceiling.perSecond), fmt(l.ceiling.seconds), fmt(l.ceiling.received), '–', '–', '', '', ''],
      ],
    ));
    out.push(`\nWorker RSS over the run (s: MB): ${l.clarion.workerRss.map(([ms, mb]) => `${Math.round(ms / 1000)}: ${mb}`).join(', ')}. Letter states after: ${JSON.stringify(l.clarion.states)}.`);
  }

  if (r.mailings) {
    const m = r.mailings;
    const mem = m.clarion.memory;
    out.push(`\n### Mailings (one update to ${fmt(m.clarion.recipients)} supporters, ${fmt(m.clarion.messageBytes)} bytes each; ceiling: pooled nodemailer alone, ${m.ceiling.poolSize} connections, ${m.ceiling.inFlight} in flight)\n`);
    out.push(table(
      ['path', 'messages/s', 'seconds', 'received', 'worker RSS start / peak / end MB', 'RSS slope MB per 10k msgs', 'live heap start / peak / end MB', 'live heap slope MB per 10k msgs', 'CPU s (ms per message)', 'ratio', 'goal ≥ 70 %', 'memory flat'],
      [
        ['Clarion (send → last message)', fmt(m.clarion.perSecond), fmt(m.clarion.seconds), fmt(m.clarion.received),
          `${fmt(mem.rss?.startMb)} / ${fmt(mem.rss?.peakMb)} / ${fmt(mem.rss?.endMb)}`, fmt(mem.rss?.slopeMbPer10kMessages),
          `${fmt(mem.liveHeap?.startMb)} / ${fmt(mem.liveHeap?.peakMb)} / ${fmt(mem.liveHeap?.endMb)}`, fmt(mem.liveHeap?.slopeMbPer10kMessages),
          `worker ${fmt(m.clarion.cpuSeconds)} (${fmt(m.clarion.cpuMsPerMessage)})`, pct(m.ratio), goal(m.goals.ratioAtLeast70), goal(m.goals.memoryFlat)],
        ['ceiling: nodemailer pool', fmt(m.ceiling.perSecond), fmt(m.ceiling.seconds), fmt(m.ceiling.received), '–', '–', '–', '–', `${fmt(m.ceiling.cpuSeconds)} (${fmt(m.ceiling.cpuMsPerMessage)})`, '', '', ''],
      ],
    ));
    out.push(`\nLive heap: heap used right after a full collection, every 2 s (bench/children/memory-probe.cjs); heap used as sampled every 250 ms, garbage included: ${fmt(mem.heapUsed?.startMb)} / ${fmt(mem.heapUsed?.peakMb)} / ${fmt(mem.heapUsed?.endMb)} MB. Slopes by least squares after the first fifth (warm-up); per minute: RSS ${fmt(mem.rss?.slopeMbPerMinute)} MB, live heap ${fmt(mem.liveHeap?.slopeMbPerMinute)} MB. Worker memory over the run (s: RSS / live heap MB): ${(mem.series ?? []).map(([s, rss, heap]) => `${s}: ${rss} / ${heap}`).join(', ')}. Counts after: ${JSON.stringify(m.clarion.counts)}; each recipient once: ${goal(m.goals.everyoneOnce)}.`);
  }

  if (r.queues) {
    const q = r.queues;
    const row = (name, b) => [name, fmt(b.signing.durablePerSecond), fmt(b.signing.p50), fmt(b.signing.p99), fmt(b.signing.emailsPerSecond), fmt(b.signing.confirmationEmails.drainSeconds),
      fmt(b.letters.perSecond), `${fmt(b.letters.received)} / ${fmt(b.letters.letters)}`];
    out.push(`\n### Queues on Redis vs PostgreSQL (QUEUE_BACKEND; signing at 32 connections for ${settings.queuesSeconds} s, ${fmt(q.redis.letters.letters)} letters)\n`);
    out.push(table(
      ['queue backend', 'signings/s', 'p50 ms', 'p99 ms', 'confirmation emails/s', 'drain s after load', 'letters/s', 'letters received'],
      [row('Redis', q.redis), row('PostgreSQL', q.postgres),
        ['PostgreSQL / Redis', pct(q.postgresVsRedis.signingsPerSecond), '', '', pct(q.postgresVsRedis.confirmationEmailsPerSecond), '', pct(q.postgresVsRedis.lettersPerSecond), '']],
    ));
    if (q.jobsPerSecond) {
      const j = q.jobsPerSecond;
      out.push(`\nThe queues alone (no-op jobs, batches of 50, one worker of concurrency 8; median of ${j.redis.runs.length} interleaved runs, jobs/s): Redis ${fmt(j.redis.median)} (${j.redis.runs.join(', ')}), PostgreSQL ${fmt(j.postgres.median)} (${j.postgres.runs.join(', ')}), PostgreSQL with synchronous commit ${fmt(j['postgres, synchronous commit'].median)} (${j['postgres, synchronous commit'].runs.join(', ')}); PostgreSQL / Redis ${pct(q.postgresVsRedis.jobsPerSecond)}.`);
    }
  }
  if (r.webhooks) {
    const w = r.webhooks;
    out.push(`\n### Webhooks (${fmt(w.events)} signature.confirmed events to ten endpoints: ${w.liveEndpoints} live receivers verifying with standardwebhooks, one that never answers)\n`);
    out.push(table(
      ['signing, 32 connections', 'durable/s', 'accepted/s', 'p50 ms', 'p99 ms', 'API / worker CPU s'],
      [
        ['no endpoint', fmt(w.signing.alone.durablePerSecond), fmt(w.signing.alone.acceptedPerSecond), fmt(w.signing.alone.p50), fmt(w.signing.alone.p99), `${fmt(w.signing.alone.apiCpuSeconds)} / ${fmt(w.signing.alone.workerCpuSeconds)}`],
        ['ten endpoints, one dead, while delivering', fmt(w.signing.tenEndpointsOneDead.durablePerSecond), fmt(w.signing.tenEndpointsOneDead.acceptedPerSecond), fmt(w.signing.tenEndpointsOneDead.p50), fmt(w.signing.tenEndpointsOneDead.p99), `${fmt(w.signing.tenEndpointsOneDead.apiCpuSeconds)} / ${fmt(w.signing.tenEndpointsOneDead.workerCpuSeconds)}`],
      ],
    ));
    const d = w.deliveries;
    out.push(`\nSigning with endpoints / alone: ${pct(w.signing.ratio)}. Live deliveries: ${fmt(d.distinct)} of ${fmt(d.expected)} in ${fmt(d.seconds)} s, ${fmt(d.perSecond)}/s${d.timedOut ? ' (TIMED OUT)' : ''}; duplicates ${fmt(d.duplicates)}, failed verification ${fmt(d.unverified)}. The dead endpoint: ${fmt(w.dead.attempts)} attempts (${fmt(w.dead.timeouts)} timed out) during the part.`);
  }

  if (r.dataset) {
    const d = r.dataset;
    out.push(`\nData for metrics and export: ${fmt(d.signatures)} signatures over ${d.countries} countries and 90 days (${d.signatures_size}; supporters ${d.supporters_size}; rollup rows: ${fmt(d.rollups_hourly)} hourly, ${fmt(d.rollups_country)} by country, ${fmt(d.rollups_source)} by source), loaded in ${d.loadSeconds} s.`);
  }

  if (r.metrics) {
    out.push(`\n### Metrics (${settings.metricsCalls} calls each; ceiling: the same figures by full scans of signatures, ${settings.scanCalls} calls)\n`);
    out.push(table(
      ['endpoint', 'p50 ms', 'p95 ms', 'full scan p50 / p95 ms', 'goal p95 < 100 ms'],
      r.metrics.endpoints.map((e) => [e.endpoint, fmt(e.clarion.p50), fmt(e.clarion.p95), `${fmt(e.fullScan.p50)} / ${fmt(e.fullScan.p95)}`, goal(e.goalMet)]),
    ));
  }

  if (r.oracle) {
    out.push(`\nDoes answer time tell whether an address signed? ${r.oracle.samples} fresh and ${r.oracle.samples} known addresses per call, one at a time, interleaved (ms):`);
    for (const [name, o] of Object.entries(r.oracle.results)) {
      out.push(`  ${name.padEnd(8)} fresh p50 ${o.fresh.p50} p90 ${o.fresh.p90} · known p50 ${o.known.p50} p90 ${o.known.p90} · difference p50 ${o.medianDifferenceMs} p90 ${o.p90DifferenceMs} · run's noise (fresh A/A) ${o.noiseMs} · ${o.withinNoise ? 'within noise' : 'OUTSIDE noise'}`);
    }
  }
  if (r.export) {
    const e = r.export;
    out.push('\n### Export (signatures.csv?state=all; ceiling: the same rows as CSV by COPY, still sealed)\n');
    out.push(table(
      ['path', 'seconds', 'rows', 'rows/s', 'MB', 'API RSS start / peak MB', 'growth MB', 'goal < 15 s', 'goal < 100 MB'],
      [
        ['Clarion', fmt(e.clarion.seconds), fmt(e.clarion.rows), fmt(e.clarion.rowsPerSecond), fmt(e.clarion.megabytes),
          `${fmt(e.clarion.apiStartMb)} / ${fmt(e.clarion.apiPeakMb)}`, fmt(e.clarion.apiGrowthMb), goal(e.goals.under15s), goal(e.goals.growthUnder100MB)],
        ['ceiling: COPY via psql', fmt(e.ceiling.seconds), fmt(e.ceiling.rows), fmt(e.ceiling.rowsPerSecond), fmt(e.ceiling.megabytes), '–', '–', '', ''],
      ],
    ));
    out.push(`\nRatio (ceiling time / Clarion time): ${pct(e.ratio)}. API memory (MB) before → after the export: RSS ${fmt(e.clarion.apiMemoryBeforeMb?.rss)} → ${fmt(e.clarion.apiMemoryAfterMb?.rss)}, JS heap used ${fmt(e.clarion.apiMemoryBeforeMb?.heapUsed)} → ${fmt(e.clarion.apiMemoryAfterMb?.heapUsed)}, heap reserved ${fmt(e.clarion.apiMemoryBeforeMb?.heapTotal)} → ${fmt(e.clarion.apiMemoryAfterMb?.heapTotal)}, external ${fmt(e.clarion.apiMemoryBeforeMb?.external)} → ${fmt(e.clarion.apiMemoryAfterMb?.external)}.`);
  }

  for (const [part, message] of Object.entries(report.errors)) out.push(`\n✗ ${part} failed: ${message}`);
  return out.join('\n');
}

export function printReport(report) {
  console.log(`\n${renderReport(report)}`);
}
