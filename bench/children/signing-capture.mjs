// The statements the application's signing path sends to PostgreSQL, taken from the application
// itself (issue 14: the ceiling replays them, so it cannot drift from the code): the compiled
// `signPetition`, on a platform built from the bench's environment, signs SAMPLES times while every
// query on a `pg` client is recorded with its parameters and result rows. Two warm-up signings
// first, unrecorded (first-use costs). Every fifth signing carries the load's source tags, as
// the load generator's do. Input: one JSON argument { slug, wording, extra, domain }; the
// environment is the API's (clarionEnv). Output: IPC "result" { samples: [[{ config, rows }]] }.
import { createRequire } from 'node:module';
import path from 'node:path';
import pg from 'pg';

const require = createRequire(import.meta.url);
const dist = (file) => require(path.join(process.cwd(), 'dist', 'src', file));
const { slug, wording, extra, domain } = JSON.parse(process.argv[2]);
const SAMPLES = 10;

let recording = null;
const query = pg.Client.prototype.query;
// pg.Pool's query passes a callback (as the last argument); a transaction's client is awaited.
pg.Client.prototype.query = function recordQuery(config, values, callback) {
  if (!recording || !config || (typeof config !== 'string' && typeof config.text !== 'string')) return query.call(this, config, values, callback);
  const params = typeof values === 'function' ? undefined : values;
  const done = typeof values === 'function' ? values : callback;
  const text = typeof config === 'string' ? config : config.text;
  const entry = { config: { text, ...(config.values ?? params ? { values: config.values ?? params } : {}), ...(config.name ? { name: config.name } : {}) }, rows: [] };
  recording.push(entry);
  const keep = (result) => {
    entry.rows = (result?.rows ?? []).map((row) => (Array.isArray(row) ? row : Object.values(row)));
  };
  if (typeof done === 'function') {
    return query.call(this, config, params, (error, result) => {
      if (!error) keep(result);
      done(error, result);
    });
  }
  const answer = query.call(this, config, values, callback);
  return answer && typeof answer.then === 'function' ? answer.then((result) => (keep(result), result)) : answer;
};

const { loadConfig } = dist('platform/config.js');
const { createPlatform } = dist('platform/context.js');
const { signPetition, signingRequest } = dist('modules/supporters/index.js');
const { supporterContext } = dist('modules/admin/index.js');
const platform = createPlatform(loadConfig(), 'bench-capture');
const countries = ['KZ', 'CH', 'DE', 'FR', 'US', 'GB', 'RU', 'KG', 'UZ', 'NL'];

async function signOnce(n) {
  const input = signingRequest.parse({
    email: `capture.${process.pid}.${n}@${domain}`,
    name: `Bench Supporter ${n}`,
    country: countries[n % countries.length],
    city: 'Almaty',
    consent: { updates: n % 2 === 0, wording },
    ...extra,
    ...(n % 5 === 0 ? { source: 'partner-site', utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'viral' } : {}),
  });
  const result = await signPetition(supporterContext(platform, 'en'), slug, input, { ip: '127.0.0.1' });
  if (result.kind !== 'signed' || !result.inserted) throw new Error(`capture signing ${n} was not a new signature (${result.kind})`);
}

try {
  await signOnce(-1);
  await signOnce(-2);
  const samples = [];
  for (let n = 1; n <= SAMPLES; n += 1) {
    recording = [];
    await signOnce(n);
    samples.push(recording);
    recording = null;
  }
  if (process.env.BENCH_CAPTURE_DUMP) console.log(JSON.stringify(samples[0].map((s) => s.config.text.slice(0, 90)), null, 1));
  process.send({ type: 'result', samples: JSON.parse(JSON.stringify(samples, (_key, value) => (value && value.type === 'Buffer' && Array.isArray(value.data) ? { buffer: Buffer.from(value.data).toString('base64') } : value))) });
} catch (error) {
  process.send({ type: 'result', error: error.stack ?? String(error) });
} finally {
  await platform.db.$disconnect().catch(() => undefined);
  process.exit(0);
}
