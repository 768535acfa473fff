// Every knob of the benchmark, read once from the environment, with the defaults of a full run.
// Shorter runs while developing: BENCH_SECONDS=5 BENCH_LETTERS=2000 BENCH_MAILINGS=2000 BENCH_ROWS=100000 npm run bench.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const resultsDir = path.join(root, 'bench', 'results');

const int = (name, fallback) => {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number`);
  return n;
};
const list = (name, fallback) => (process.env[name] ? process.env[name].split(',').map(Number) : fallback);

export const settings = {
  /** Seconds of load per signing stage (each stage and its ceiling). */
  seconds: int('BENCH_SECONDS', 30),
  /** Unmeasured signing before the first stage, so the API's JIT and pools are warm as in service. */
  warmupSeconds: int('BENCH_WARMUP_SECONDS', 5),
  /** Seconds of each signing ceiling: PostgreSQL alone reaches its steady rate within seconds. */
  ceilingSeconds: int('BENCH_CEILING_SECONDS', 15),
  concurrencies: list('BENCH_CONCURRENCY', [8, 32, 64]),
  /** The fixed offered rate of the latency goal, signatures/s. */
  offeredRate: int('BENCH_RATE', 1000),
  /** Requests per path (fresh address, known address) for each call of the oracle part. */
  oracleSamples: int('BENCH_ORACLE_SAMPLES', 300),
  letters: int('BENCH_LETTERS', 20_000),
  /** The `queues` part (Redis vs PostgreSQL queues): seconds of signing load and letters, per backend. */
  queuesSeconds: int('BENCH_QUEUES_SECONDS', 20),
  queuesLetters: int('BENCH_QUEUES_LETTERS', 5_000),
  /** Recipients of the mailings part's one campaign update (memory is judged over all of them). */
  mailings: int('BENCH_MAILINGS', 20_000),
  rows: int('BENCH_ROWS', 1_000_000),
  metricsCalls: int('BENCH_METRICS_CALLS', 50),
  /** Full scans are slow by nature; fewer calls keep the run short (their p95 is then near the max). */
  scanCalls: int('BENCH_SCAN_CALLS', 5),
  /** The most connections the signing ceiling opens (PostgreSQL's max_connections is shared). */
  ceilingMaxConnections: int('BENCH_CEILING_MAX_CONNECTIONS', 64),
  cpuProfile: process.env.BENCH_CPU_PROF === '1',
  logLevel: process.env.BENCH_LOG_LEVEL ?? 'info',
  keepDatabase: process.env.BENCH_KEEP_DB === '1',
  skipBuild: process.env.BENCH_SKIP_BUILD === '1',
};

/** The bench's own database: never the development database, never a test database. */
export function benchDatabaseUrl() {
  const base = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/clarion';
  const url = new URL(base);
  if (!process.env.BENCH_DATABASE_URL) url.pathname = '/clarion_bench';
  const name = url.pathname.slice(1);
  if (!/^[a-z0-9_]*bench[a-z0-9_]*$/.test(name)) throw new Error(`the bench database's name must contain "bench" (got "${name}")`);
  return url.toString();
}

export const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Secrets of this run only: nothing the bench writes can be read with a real deployment's keys. */
export const runSecrets = {
  secretKey: randomBytes(32).toString('base64url'),
  encryptionKeys: `kb:${randomBytes(32).toString('base64')}`,
  adminToken: randomBytes(32).toString('base64url'),
  metricsToken: randomBytes(32).toString('base64url'),
};

/** A Redis key prefix of this run alone, so its queues meet no other run's and can be deleted after. */
export const runId = `${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${process.pid}`;
export const queuePrefix = `clarion_bench_${process.pid}`;
