// The signing ceiling: the statements the application's signing path sent to PostgreSQL, recorded
// from the application itself (signing-capture.mjs), replayed through `pg` alone, with no HTTP, no
// validation and no ORM, by `connections` loops at once. Each replay follows one of the recorded
// signings in turn, with fresh values where the signing made its own: a new lookup hash and new ids
// (and every text that carried them, such as the outbox row's dedupe key), timestamps of now, and
// the ids the database answered (the supporter's, the signature's) taken from this replay's own
// answers. Everything else (envelopes, country, consent, the ledger's slot) is the recorded value,
// so the ceiling pays none of the hashing or encryption.
// Input: one JSON argument { databaseUrl, capture (file of signing-capture.mjs's samples), connections, seconds }. Output: IPC "result".
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import pg from 'pg';

const { databaseUrl, capture, connections, seconds } = JSON.parse(process.argv[2]);
const samples = JSON.parse(fs.readFileSync(capture, 'utf8')).map((sample) => sample.map(({ config, rows }) => ({ config: { ...config, values: config.values?.map(revive) }, rows })));

function revive(value) {
  return value && typeof value === 'object' && typeof value.buffer === 'string' ? Buffer.from(value.buffer, 'base64') : value;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const UUID_INSIDE = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const HAS_UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}(:?\d{2})?)?$/;
const key = (value) => (Buffer.isBuffer(value) ? `b:${value.toString('hex')}` : `v:${String(value)}`);
const shapeOf = (sample) => sample.map((s) => s.config.text).join('\n;\n');

/**
 * How to make each parameter of one recorded signing anew: `keep` (the same in every recorded
 * signing of this shape, or the sample's own value), `fresh` (bytes or an id the application made),
 * `now`, `bound` (a value an earlier statement of this signing answered) or `text` (a text that
 * carries ids, rewritten with this replay's).
 */
function planOf(sample, siblings) {
  return sample.map((statement, i) =>
    (statement.config.values ?? []).map((value, j) => {
      const constant = siblings.every((other) => key(other[i].config.values[j]) === key(value));
      if (constant && siblings.length > 1) return { kind: 'keep' };
      if (Buffer.isBuffer(value)) return { kind: 'fresh-bytes', length: value.length };
      if (typeof value === 'string' && TIMESTAMP.test(value)) return { kind: 'now', spaced: value.includes(' ') };
      for (let k = i - 1; k >= 0; k -= 1) {
        for (const [r, row] of sample[k].rows.entries()) {
          const c = row.findIndex((cell) => cell !== null && key(cell) === key(value));
          if (c >= 0) return { kind: 'bound', statement: k, row: r, column: c };
        }
      }
      if (typeof value === 'string' && UUID.test(value)) return { kind: 'fresh-id', id: value.toLowerCase() };
      if (typeof value === 'string' && HAS_UUID.test(value)) return { kind: 'text' };
      return { kind: 'keep' };
    }),
  );
}

const byShape = new Map();
for (const sample of samples) byShape.set(shapeOf(sample), [...(byShape.get(shapeOf(sample)) ?? []), sample]);
const templates = samples.map((sample) => ({ sample, plan: planOf(sample, byShape.get(shapeOf(sample))) }));

function nowText(spaced) {
  const iso = new Date().toISOString();
  return spaced ? iso.replace('T', ' ') : iso;
}

async function signOnce(client, template) {
  const answers = [];
  const ids = new Map();
  const idFor = (old) => {
    const lower = old.toLowerCase();
    if (!ids.has(lower)) ids.set(lower, randomUUID());
    return ids.get(lower);
  };
  let inTransaction = false;
  try {
    for (const [i, statement] of template.sample.entries()) {
      const values = statement.config.values?.map((value, j) => {
        const step = template.plan[i][j];
        switch (step.kind) {
          case 'fresh-bytes': return randomBytes(step.length);
          case 'now': return nowText(step.spaced);
          case 'bound': {
            const cell = answers[step.statement][step.row][step.column];
            ids.set(String(value).toLowerCase(), String(cell));
            return cell;
          }
          case 'fresh-id': return idFor(step.id);
          case 'text': return value.replace(UUID_INSIDE, (id) => idFor(id));
          default: return value;
        }
      });
      const text = statement.config.text;
      if (/^BEGIN\b/i.test(text)) inTransaction = true;
      const result = await client.query({ ...statement.config, values, rowMode: 'array' });
      if (/^(COMMIT|ROLLBACK)\b/i.test(text)) inTransaction = false;
      answers.push(result.rows ?? []);
    }
  } catch (error) {
    if (inTransaction) await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

const clients = [];
for (let i = 0; i < connections; i += 1) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  clients.push(client);
}
// Nothing else writes while the ceiling runs: every replay that committed must have made a signature.
const countSignatures = async () => (await clients[0].query('SELECT count(*)::int AS n FROM signatures')).rows[0].n;
const signaturesBefore = await countSignatures();
const latencies = [];
let committed = 0;
let failed = 0;
let firstError;
let n = 0;
const started = Date.now();
const deadline = started + seconds * 1000;
await Promise.all(clients.map(async (client) => {
  while (Date.now() < deadline) {
    const template = templates[n++ % templates.length];
    const t0 = process.hrtime.bigint();
    try {
      await signOnce(client, template);
      committed += 1;
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
    } catch (error) {
      failed += 1;
      firstError ??= error.message;
    }
  }
}));
const elapsed = (Date.now() - started) / 1000;
const inserted = (await countSignatures()) - signaturesBefore;
await Promise.all(clients.map((c) => c.end()));
latencies.sort((a, b) => a - b);
const at = (p) => latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)] ?? null;
const statements = templates.map((t) => t.sample.length);
process.send({ type: 'result', committed, inserted, failed, firstError, statements: { min: Math.min(...statements), max: Math.max(...statements) }, seconds: elapsed, perSecond: committed / elapsed, latency: { p50: at(50), p99: at(99) } });
