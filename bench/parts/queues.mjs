// Part `queues`: the same signing and letters load with the queues on Redis and on PostgreSQL
// (QUEUE_BACKEND, README "Queues on PostgreSQL"), one after the other on this machine. Signing:
// signatures/s at a fixed concurrency and how fast the confirmation emails drain through relay,
// queue and worker. Letters: held letters released at once, release → last message at the sink.
// Smaller than the signing and letters parts (BENCH_QUEUES_SECONDS, BENCH_QUEUES_LETTERS).
import { emptyPartData } from '../lib/database.mjs';
import { forkHelper } from '../lib/processes.mjs';
import { queuePrefix, redisUrl, settings } from '../lib/settings.mjs';
import { startStack } from '../lib/stack.mjs';
import { ratio, round } from '../lib/stats.mjs';
import { prepareHeldLetters, settledStates, waitForMessages } from './letters.mjs';
import { clarionStage, signingForm } from './signing.mjs';

const BACKENDS = ['redis', 'postgres'];
const CONNECTIONS = 32;

export async function queuesPart({ databaseUrl, pool, sink }) {
  const results = {};
  for (const backend of BACKENDS) {
    const env = { QUEUE_BACKEND: backend };
    const signing = await signingOn(backend, { databaseUrl, pool, sink, env });
    await emptyPartData(pool);
    const letters = await lettersOn(backend, { databaseUrl, pool, sink, env });
    await emptyPartData(pool);
    results[backend] = { signing, letters };
  }
  console.log('  queues: no-op jobs through the queues alone, 3 rounds');
  const helper = forkHelper('queue-jobs.cjs', [JSON.stringify({ databaseUrl, redisUrl, prefix: `${queuePrefix}-jobs`, jobs: 1500, rounds: 3 })]);
  const raw = await helper.next('result');
  if (raw.error) throw new Error(`queue-jobs: ${raw.error}`);
  const median = (values) => round([...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]);
  const jobsPerSecond = Object.fromEntries(Object.entries(raw.perSecond).map(([kind, values]) => [kind, { median: median(values), runs: values.map((v) => round(v)) }]));
  const { redis, postgres } = results;
  return {
    ...results,
    jobsPerSecond,
    // PostgreSQL's figure as a share of Redis's: 1 means as fast.
    postgresVsRedis: {
      signingsPerSecond: ratio(postgres.signing.durablePerSecond, redis.signing.durablePerSecond),
      confirmationEmailsPerSecond: ratio(postgres.signing.emailsPerSecond, redis.signing.emailsPerSecond),
      lettersPerSecond: ratio(postgres.letters.perSecond, redis.letters.perSecond),
      jobsPerSecond: ratio(jobsPerSecond.postgres.median, jobsPerSecond.redis.median),
    },
  };
}

async function signingOn(backend, { databaseUrl, pool, sink, env }) {
  const stack = await startStack({ databaseUrl, smtpPort: sink.port, label: `queues-signing-${backend}`, env });
  try {
    const form = await signingForm(stack.url);
    await clarionStage(stack, pool, sink, form, { connections: 8, seconds: settings.warmupSeconds, domain: `warm-${backend}.bench.example` });
    console.log(`  queues (${backend}): signing, ${CONNECTIONS} connections for ${settings.queuesSeconds} s`);
    const stage = await clarionStage(stack, pool, sink, form, { connections: CONNECTIONS, seconds: settings.queuesSeconds, domain: `q-${backend}.bench.example` });
    const emails = stage.confirmationEmails;
    return {
      ...stage,
      // Emails delivered over the load plus the drain after it: the relay → queue → worker → SMTP rate.
      emailsPerSecond: round(emails.delivered / (stage.seconds + emails.drainSeconds)),
    };
  } finally {
    await stack.stop();
  }
}

async function lettersOn(backend, { databaseUrl, pool, sink, env }) {
  const prepared = await prepareHeldLetters(pool, settings.queuesLetters);
  console.log(`  queues (${backend}): ${prepared.letters} letters to ${prepared.targets} delegations`);
  const stack = await startStack({ databaseUrl, smtpPort: sink.port, label: `queues-letters-${backend}`, env });
  try {
    await sink.reset();
    const releasedAt = Date.now();
    await pool.query(`WITH released AS (UPDATE letters SET status = 'queued', queued_at = now() WHERE status = 'held' RETURNING id)
      INSERT INTO outbox_events (queue, job_name, payload, dedupe_key)
      SELECT 'letters', 'letters.send.letter', jsonb_build_object('letterId', id), 'letter-' || id FROM released`);
    const done = await waitForMessages(sink, prepared.letters, releasedAt);
    const rows = await settledStates(pool, prepared.letters);
    const seconds = ((done.lastAt ?? Date.now()) - releasedAt) / 1000;
    return {
      letters: prepared.letters,
      received: done.received,
      seconds: round(seconds),
      perSecond: round(done.received / seconds),
      timedOut: done.timedOut,
      states: Object.fromEntries(rows.map((r) => [r.status, r.n])),
    };
  } finally {
    await stack.stop();
  }
}
