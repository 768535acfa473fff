// The queues alone, without Clarion: no-op jobs added in batches of 50 and run by one worker of
// concurrency 8, on Redis and on BullMQ's PostgreSQL backend (with and without synchronous commit,
// see src/platform/queue-backend.ts), interleaved so the machine's other load hits each alike.
// Arguments: JSON { databaseUrl, redisUrl, prefix, jobs, rounds }. Reports jobs/s per kind.
const { Queue, Worker, createPostgresBackend } = require('bullmq');
const { Pool } = require('pg');
const { Redis } = require('ioredis');

const { databaseUrl, redisUrl, prefix, jobs, rounds } = JSON.parse(process.argv[2]);

async function run(kind) {
  const pool = kind === 'redis' ? null : new Pool({ connectionString: databaseUrl, max: 8, keepAlive: true, options: `-c search_path=bullmq -c synchronous_commit=${kind === 'postgres, synchronous commit' ? 'on' : 'off'}` });
  const redis = kind === 'redis' ? new Redis(redisUrl, { maxRetriesPerRequest: null }) : null;
  const factory = pool ? createPostgresBackend : undefined;
  const connection = pool ?? redis;
  const name = `bench-jobs-${Date.now()}`;
  const queue = new Queue(name, { connection, prefix }, factory);
  let done = 0;
  let finish;
  const all = new Promise((resolve) => (finish = resolve));
  const worker = new Worker(name, async () => { if (++done === jobs) finish(); }, { connection, prefix, concurrency: 8 }, factory);
  await worker.waitUntilReady();
  const started = Date.now();
  for (let i = 0; i < jobs; i += 50) await queue.addBulk(Array.from({ length: Math.min(50, jobs - i) }, () => ({ name: 'noop', data: {}, opts: { removeOnComplete: true } })));
  await all;
  const seconds = (Date.now() - started) / 1000;
  await worker.close();
  await queue.obliterate({ force: true }).catch(() => undefined);
  await queue.close();
  if (pool) await pool.end();
  if (redis) await redis.quit();
  return jobs / seconds;
}

(async () => {
  const kinds = ['redis', 'postgres', 'postgres, synchronous commit'];
  const perSecond = Object.fromEntries(kinds.map((k) => [k, []]));
  for (let round = 0; round < rounds; round += 1) for (const kind of kinds) perSecond[kind].push(await run(kind));
  process.send({ type: 'result', perSecond });
})().catch((error) => process.send({ type: 'result', error: String(error.stack ?? error) }));
