// Part 4, export: the streaming CSV of every loaded signature (state=all), timed and counted, with
// the API's memory growth; the ceiling is PostgreSQL writing the same rows and columns (still
// sealed: no decryption) as CSV with COPY through psql, in another process.
import { spawn } from 'node:child_process';
import { startStack } from '../lib/stack.mjs';
import { ratio, round } from '../lib/stats.mjs';

export async function exportPart({ databaseUrl, sink, dataset }) {
  const stack = await startStack({ databaseUrl, smtpPort: sink.port, label: 'export' });
  let clarion;
  try {
    await new Promise((r) => setTimeout(r, 1000)); // settle after start-up before the baseline
    const heapBefore = await heapOf(stack.url, stack.metricsHeaders);
    const before = stack.sampler.mark();
    const started = Date.now();
    console.log(`  export: signatures.csv?state=all of ${dataset.signatures.toLocaleString('en')} signatures`);
    const response = await fetch(`${stack.url}/api/admin/campaigns/kazakhstan/signatures.csv?state=all`, { headers: stack.adminHeaders });
    if (!response.ok) throw new Error(`the export answered ${response.status}: ${await response.text()}`);
    let bytes = 0;
    let lines = 0;
    let firstByteMs = null;
    for await (const chunk of response.body) {
      firstByteMs ??= Date.now() - started;
      bytes += chunk.length;
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines += 1;
    }
    const seconds = (Date.now() - started) / 1000;
    const after = stack.sampler.mark();
    const memory = stack.sampler.window(before, after).api;
    const heapAfter = await heapOf(stack.url, stack.metricsHeaders);
    clarion = {
      rows: lines - 1, // the header
      seconds: round(seconds),
      rowsPerSecond: round((lines - 1) / seconds),
      megabytes: round(bytes / 1024 ** 2),
      firstByteMs,
      apiStartMb: memory.startMb,
      apiPeakMb: memory.peakMb,
      apiGrowthMb: round(memory.peakMb - memory.startMb),
      apiCpuSeconds: memory.cpuSeconds,
      // The API's own view (prom-client) before and after: where RSS growth sits, JavaScript heap
      // (used: live; total: reserved by V8) or outside it (buffers, WebAssembly memory).
      apiMemoryBeforeMb: heapBefore,
      apiMemoryAfterMb: heapAfter,
    };
  } finally {
    await stack.stop();
  }
  const ceiling = await copyCeiling(databaseUrl, dataset.campaignId);
  return {
    clarion,
    ceiling,
    ratio: ratio(ceiling.seconds, clarion.seconds),
    goals: { under15s: clarion.seconds < 15 && clarion.rows === dataset.signatures, growthUnder100MB: clarion.apiGrowthMb < 100 },
  };
}

async function heapOf(url, headers) {
  const text = await (await fetch(`${url}/metrics`, { headers })).text();
  const read = (name) => {
    const value = new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1];
    return value ? round(Number(value) / 1024 ** 2) : null;
  };
  return { heapUsed: read('nodejs_heap_size_used_bytes'), heapTotal: read('nodejs_heap_size_total_bytes'), external: read('nodejs_external_memory_bytes'), rss: read('process_resident_memory_bytes') };
}

/** The same join, order and columns, as CSV straight from PostgreSQL. */
function copyCeiling(databaseUrl, campaignId) {
  const sql = `COPY (SELECT s.created_at, s.confirmed_at, s.status, p.name_encrypted, p.email_encrypted, s.country, s.city_encrypted, s.comment_encrypted,
      s.consent_updates, s.consent_wording_id, s.source, s.utm_source, s.utm_medium, s.utm_campaign
    FROM signatures s JOIN supporters p ON p.id = s.supporter_id WHERE s.campaign_id = '${campaignId}' ORDER BY s.created_at, s.id) TO STDOUT (FORMAT csv, HEADER)`;
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const psql = spawn('psql', [databaseUrl, '-X', '-q', '-c', sql], { stdio: ['ignore', 'pipe', 'pipe'] });
    let bytes = 0;
    let lines = 0;
    let stderr = '';
    psql.stdout.on('data', (chunk) => {
      bytes += chunk.length;
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines += 1;
    });
    psql.stderr.on('data', (chunk) => { stderr += chunk; });
    psql.on('error', reject);
    psql.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`psql COPY failed: ${stderr}`));
      const seconds = (Date.now() - started) / 1000;
      resolve({ rows: lines - 1, seconds: round(seconds), rowsPerSecond: round((lines - 1) / seconds), megabytes: round(bytes / 1024 ** 2) });
    });
  });
}
