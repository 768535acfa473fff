// Part: webhooks. Ten endpoints registered through the admin API, nine live receivers in this
// process (each verifies every delivery with the standardwebhooks library and counts ids) and one
// dead one that accepts connections and never answers (each request waits WEBHOOKS_TIMEOUT_MS).
// 1. Signing alone, no endpoint (the baseline). 2. A backlog of signature.confirmed events is
// written (events and fan-out rows, as platform/domain-events.ts writes them) and, at the same
// moment, the same signing stage runs again while the worker fans out and delivers. Reported: live
// deliveries per second, duplicates, what the dead endpoint cost, and signing beside its baseline.
//
// The API and worker run with NODE_ENV=development here: production refuses
// WEBHOOKS_ALLOW_PRIVATE_HOSTS, and the receivers are on 127.0.0.1. Both stages run alike.
import { once } from 'node:events';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { emptyPartData } from '../lib/database.mjs';
import { root, settings } from '../lib/settings.mjs';
import { startStack } from '../lib/stack.mjs';
import { ratio, round } from '../lib/stats.mjs';
import { clarionStage, signingForm } from './signing.mjs';

const { Webhook } = createRequire(`${root}/package.json`)('standardwebhooks');
const EVENTS = Number(process.env.BENCH_WEBHOOK_EVENTS ?? 2000);
const CONNECTIONS = 32;
const LIVE = 9;
const TIMEOUT_MS = Number(process.env.BENCH_WEBHOOKS_TIMEOUT_S ?? 300) * 1000;
const ALL_EVENTS = ['signature.confirmed', 'signature.invalidated', 'signature.restored', 'supporter.unsubscribed', 'supporter.erased', 'letter.sent', 'letter.failed', 'mailing.finished'];

export async function webhooksPart({ databaseUrl, pool, sink }) {
  const live = await Promise.all(Array.from({ length: LIVE }, () => startReceiver()));
  const dead = await startDeadEndpoint();
  const stack = await startStack({
    databaseUrl, smtpPort: sink.port, label: 'webhooks',
    env: { NODE_ENV: 'development', WEBHOOKS_ALLOW_PRIVATE_HOSTS: '127.0.0.1' },
  });
  try {
    const form = await signingForm(stack.url);
    console.log(`  webhooks: warm-up, 8 connections for ${settings.warmupSeconds} s (not measured)`);
    await clarionStage(stack, pool, sink, form, { connections: 8, seconds: settings.warmupSeconds, domain: 'whwarm.bench.example' });
    console.log(`  webhooks: signing with no endpoint, ${CONNECTIONS} connections for ${settings.seconds} s`);
    const alone = await clarionStage(stack, pool, sink, form, { connections: CONNECTIONS, domain: 'whnone.bench.example' });

    for (const receiver of [...live, dead]) {
      const response = await fetch(`${stack.url}/api/admin/webhooks`, {
        method: 'POST', headers: { ...stack.adminHeaders, 'content-type': 'application/json' },
        body: JSON.stringify({ url: receiver.url, events: ALL_EVENTS, personalData: true }),
      });
      if (response.status !== 201) throw new Error(`registering an endpoint answered ${response.status}: ${await response.text()}`);
      receiver.setSecret((await response.json()).secret);
    }
    const deadId = (await pool.query('SELECT id FROM webhook_endpoints WHERE url = $1', [dead.url])).rows[0].id;

    console.log(`  webhooks: ${EVENTS} signature.confirmed events to ten endpoints (one dead), with signing again meanwhile`);
    const startedAt = Date.now();
    await writeEvents(pool, EVENTS);
    const [withEndpoints, delivered] = await Promise.all([
      clarionStage(stack, pool, sink, form, { connections: CONNECTIONS, domain: 'whten.bench.example' }),
      waitForDeliveries(live, EVENTS, startedAt),
    ]);
    const deadAttempts = (await pool.query(
      `SELECT count(*)::int AS attempts, count(*) FILTER (WHERE a.error = 'timeout')::int AS timeouts
       FROM webhook_delivery_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id WHERE d.endpoint_id = $1`, [deadId])).rows[0];
    const received = live.reduce((n, r) => n + r.received, 0);
    const distinct = live.reduce((n, r) => n + r.ids.size, 0);
    return {
      events: EVENTS,
      liveEndpoints: LIVE,
      deliveries: { expected: LIVE * EVENTS, distinct, received, duplicates: received - distinct, unverified: live.reduce((n, r) => n + r.unverified, 0),
        seconds: round(delivered.seconds), perSecond: round(distinct / delivered.seconds), timedOut: delivered.timedOut },
      dead: { ...deadAttempts, requestsSeen: dead.seen() },
      signing: {
        alone: summary(alone),
        tenEndpointsOneDead: summary(withEndpoints),
        ratio: ratio(withEndpoints.durablePerSecond, alone.durablePerSecond),
      },
    };
  } finally {
    await stack.stop();
    await Promise.all([...live, dead].map((r) => r.close()));
    await pool.query('TRUNCATE webhook_delivery_attempts, webhook_deliveries, webhook_endpoints, domain_events CASCADE');
    await emptyPartData(pool);
  }
}

const summary = (s) => ({ durablePerSecond: s.durablePerSecond, acceptedPerSecond: s.acceptedPerSecond, p50: s.p50, p99: s.p99, apiCpuSeconds: s.apiCpuSeconds, workerCpuSeconds: s.workerCpuSeconds });

/**
 * The events a burst of confirmations writes, each with its fan-out row (platform/domain-events.ts):
 * `count` events over the signatures the stages made (a signature may be named more than once).
 */
async function writeEvents(pool, count) {
  const { rowCount } = await pool.query(
    `WITH sigs AS (SELECT id, supporter_id, campaign_id, (row_number() OVER (ORDER BY created_at, id) - 1)::int AS i FROM signatures),
     n AS (SELECT count(*)::int AS c FROM sigs),
     inserted AS (
       INSERT INTO domain_events (type, subject_id, data)
       SELECT 'signature.confirmed', s.id, jsonb_build_object('signatureId', s.id::text, 'supporterId', s.supporter_id::text, 'campaignId', s.campaign_id::text, 'status', 'confirmed')
       FROM generate_series(0, $1 - 1) g JOIN sigs s ON s.i = g % (SELECT c FROM n) RETURNING id)
     INSERT INTO outbox_events (queue, job_name, payload, dedupe_key)
     SELECT 'webhooks', 'webhooks.fanout.event', jsonb_build_object('eventId', id::text), 'event-' || id::text FROM inserted`,
    [count],
  );
  if (rowCount !== count) throw new Error(`wrote ${rowCount} events, not ${count}`);
}

async function waitForDeliveries(live, events, startedAt) {
  const deadline = startedAt + TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (live.every((r) => r.ids.size >= events)) return { seconds: (Math.max(...live.map((r) => r.lastAt)) - startedAt) / 1000, timedOut: false };
    await new Promise((r) => setTimeout(r, 100));
  }
  return { seconds: (Date.now() - startedAt) / 1000, timedOut: true };
}

async function startReceiver() {
  let webhook;
  const state = { ids: new Set(), received: 0, unverified: 0, lastAt: 0 };
  const server = createServer((request, response) => {
    const chunks = [];
    request.on('data', (c) => chunks.push(c));
    request.on('end', () => {
      try {
        webhook.verify(Buffer.concat(chunks).toString('utf8'), request.headers);
      } catch {
        state.unverified += 1;
        response.writeHead(401).end();
        return;
      }
      state.received += 1;
      state.ids.add(request.headers['webhook-id']);
      state.lastAt = Date.now();
      response.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 30_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return Object.assign(state, {
    url: `http://127.0.0.1:${server.address().port}/hooks`,
    setSecret: (secret) => { webhook = new Webhook(secret); },
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  });
}

/** Takes every request and never answers: the worker's timeout is all that ends it. */
async function startDeadEndpoint() {
  let seen = 0;
  const server = createServer(() => { seen += 1; });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${server.address().port}/hooks`,
    setSecret: () => undefined,
    seen: () => seen,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}
