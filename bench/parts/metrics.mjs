// Part 3, metrics: p50/p95 of each admin figures endpoint over the loaded signatures, beside the
// same figures computed by full scans of `signatures` (what the rollups and counters save).
import { settings } from '../lib/settings.mjs';
import { startStack } from '../lib/stack.mjs';
import { timeCalls } from '../lib/stats.mjs';

const DAY = 86_400_000;

export async function metricsPart({ databaseUrl, pool, sink, dataset }) {
  const stack = await startStack({ databaseUrl, smtpPort: sink.port, label: 'metrics' });
  const base = `${stack.url}/api/admin/campaigns/kazakhstan`;
  const now = Date.now();
  const from90 = new Date(now - 90 * DAY).toISOString();
  const endpoints = [
    { name: 'metrics, hour buckets (30 days, UTC)', url: `${base}/metrics?bucket=hour`, scan: scanFigures('hour', new Date(now - 30 * DAY), 'UTC') },
    { name: 'metrics, day buckets (90 days, Asia/Almaty)', url: `${base}/metrics?bucket=day&from=${encodeURIComponent(from90)}&tz=Asia/Almaty`, scan: scanFigures('day', new Date(now - 90 * DAY), 'Asia/Almaty') },
    { name: 'sources, last 24 h', url: `${base}/sources?window=24h`, scan: scanSources(1) },
    { name: 'sources, last 7 days', url: `${base}/sources?window=7d`, scan: scanSources(7) },
    { name: 'Prometheus /metrics', url: `${stack.url}/metrics`, headers: stack.metricsHeaders, scan: [`SELECT status, count(*) FROM signatures GROUP BY status`, `SELECT status, count(*) FROM letters GROUP BY status`] },
  ];
  const results = [];
  try {
    const check = await (await fetch(`${base}/metrics`, { headers: stack.adminHeaders })).json();
    const counted = check.signatures.confirmed + check.signatures.pending + check.signatures.invalidated;
    if (counted !== dataset.signatures) throw new Error(`the metrics count ${counted} signatures, the table holds ${dataset.signatures}`);
    for (const endpoint of endpoints) {
      console.log(`  metrics: ${endpoint.name}, ${settings.metricsCalls} calls, then ${settings.scanCalls} full scans`);
      const headers = endpoint.headers ?? stack.adminHeaders;
      await fetchOk(endpoint.url, headers); // warm-up, as a dashboard's second look
      const clarion = await timeCalls(settings.metricsCalls, () => fetchOk(endpoint.url, headers));
      const scan = await timeCalls(settings.scanCalls, () => Promise.all(endpoint.scan.map((sql) => pool.query(sql.text ?? sql, sql.values ?? []))));
      results.push({ endpoint: endpoint.name, clarion, fullScan: scan, goalMet: clarion.p95 < 100 });
    }
  } finally {
    await stack.stop();
  }
  return { endpoints: results, goals: { p95Under100ms: results.every((r) => r.goalMet) } };
}

async function fetchOk(url, headers) {
  const response = await fetch(url, { headers });
  const body = await response.arrayBuffer();
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${Buffer.from(body).toString('utf8').slice(0, 300)}`);
  return body.byteLength;
}

/** The signature figures of the metrics answer (counts, countries, sources, series) from signatures alone. */
function scanFigures(bucket, from, tz) {
  const counting = `count(*) FILTER (WHERE status <> 'invalidated') AS signed, count(*) FILTER (WHERE status = 'confirmed') AS confirmed, count(*) FILTER (WHERE status = 'invalidated') AS invalidated`;
  return [
    `SELECT status, count(*) FROM signatures GROUP BY status`,
    `SELECT country, ${counting} FROM signatures GROUP BY country ORDER BY 2 DESC`,
    `SELECT source, utm_source, utm_medium, utm_campaign, ${counting} FROM signatures GROUP BY 1, 2, 3, 4 ORDER BY 5 DESC LIMIT 200`,
    {
      text: `SELECT date_trunc($1, (created_at AT TIME ZONE 'UTC') AT TIME ZONE $2) AS local_start, ${counting}
        FROM signatures WHERE created_at >= $3::timestamptz AT TIME ZONE 'UTC' GROUP BY 1 ORDER BY 1`,
      values: [bucket, tz, from.toISOString()],
    },
  ];
}

function scanSources(days) {
  const since = `(now() AT TIME ZONE 'UTC') - interval '${days} days'`;
  return [
    `SELECT encode(ip_hash, 'hex'), count(*), count(*) FILTER (WHERE status = 'invalidated') FROM signatures WHERE created_at >= ${since} GROUP BY ip_hash ORDER BY 2 DESC LIMIT 50`,
    `SELECT email_domain, count(*), count(*) FILTER (WHERE status = 'invalidated') FROM signatures WHERE created_at >= ${since} GROUP BY email_domain ORDER BY 2 DESC LIMIT 50`,
  ];
}
