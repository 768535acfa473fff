// Part "oracle": does the time of an answer tell whether an address signed? For each public call
// that takes an address (signing, a new confirmation link, an erasure link), requests for fresh
// addresses and for addresses that had signed are sent one at a time, interleaved in random order,
// and their medians and p90s compared. The run's own noise is the same comparison between two
// halves of the fresh requests (an A/A test): a difference within it tells nothing.
import { emptyPartData } from '../lib/database.mjs';
import { settings } from '../lib/settings.mjs';
import { startStack } from '../lib/stack.mjs';
import { percentile, round } from '../lib/stats.mjs';

const SLUG = 'kazakhstan';

export async function oraclePart({ databaseUrl, pool, sink }) {
  const stack = await startStack({ databaseUrl, smtpPort: sink.port, label: 'oracle' });
  const samples = settings.oracleSamples;
  try {
    const campaign = await (await fetch(`${stack.url}/api/campaigns/${SLUG}`)).json();
    const wording = campaign.consent.wording;
    const sign = (email) => post(stack.url, `/api/campaigns/${SLUG}/signatures`, { email, name: 'Bench Person', country: 'KZ', consent: { updates: false, wording } });
    const calls = {
      signing: sign,
      resend: (email) => post(stack.url, `/api/campaigns/${SLUG}/confirmations/resend`, { email }),
      erasure: (email) => post(stack.url, '/api/erasure-requests', { email }),
    };
    // Known addresses: each signed once before it is probed (and each is probed once per call).
    const known = Array.from({ length: samples }, (_, i) => `known-${i}@oracle.bench.example`);
    console.log(`  oracle: signing ${samples} addresses first`);
    for (const email of known) await sign(email);
    for (let i = 0; i < 50; i += 1) await sign(`warmup-${i}@oracle.bench.example`);

    const results = {};
    for (const [name, call] of Object.entries(calls)) {
      console.log(`  oracle: ${name}, ${samples} fresh and ${samples} known addresses, interleaved`);
      const fresh = [];
      const seen = [];
      const order = shuffled([...Array(samples).keys()].flatMap((i) => [{ kind: 'fresh', i }, { kind: 'known', i }]));
      for (const { kind, i } of order) {
        const email = kind === 'fresh' ? `fresh-${name}-${i}@oracle.bench.example` : known[i];
        const started = process.hrtime.bigint();
        const status = await call(email);
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        if (status !== 202) throw new Error(`${name} answered ${status}`);
        (kind === 'fresh' ? fresh : seen).push(ms);
      }
      const half = Math.floor(fresh.length / 2);
      const noise = Math.abs(percentile(fresh.slice(0, half), 50) - percentile(fresh.slice(half), 50));
      const difference = percentile(seen, 50) - percentile(fresh, 50);
      results[name] = {
        fresh: { p50: round(percentile(fresh, 50), 2), p90: round(percentile(fresh, 90), 2) },
        known: { p50: round(percentile(seen, 50), 2), p90: round(percentile(seen, 90), 2) },
        medianDifferenceMs: round(difference, 2),
        p90DifferenceMs: round(percentile(seen, 90) - percentile(fresh, 90), 2),
        noiseMs: round(noise, 2),
        withinNoise: Math.abs(difference) <= noise,
      };
    }
    return { samples, results };
  } finally {
    await stack.stop();
    await emptyPartData(pool);
  }
}

async function post(url, path, body) {
  const response = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await response.arrayBuffer();
  return response.status;
}

/** A fixed-seed shuffle, so runs interleave the same way. */
function shuffled(items) {
  let seed = 20261206;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
