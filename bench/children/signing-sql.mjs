// The signing ceiling: the statements the signing path sends to PostgreSQL (captured with Prisma's
// query log), replayed through `pg` alone, with no HTTP, no validation and no ORM, by `connections`
// loops at once. Parameters are made before the clock starts: envelopes of the real size from a
// pool, a fresh 32-byte lookup hash per row; so the ceiling pays none of the hashing or encryption.
// Input: one JSON argument { databaseUrl, slug, wording, connections, seconds, domain }. Output: IPC "result".
import { createCipheriv, randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';

const { databaseUrl, slug, wording, connections, seconds, domain } = JSON.parse(process.argv[2]);

function envelope(text, purpose) {
  const key = randomBytes(32);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(purpose));
  const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
  return ['v1', 'kb', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
}
const POOL = 2000;
const envelopes = Array.from({ length: POOL }, (_, i) => ({
  email: envelope(`supporter.${i}@${domain}`, 'supporter.email'),
  name: envelope(`Bench Supporter ${i}`, 'supporter.name'),
  city: envelope('Almaty', 'signature.city'),
}));
const countries = ['KZ', 'CH', 'DE', 'FR', 'US', 'GB', 'RU', 'KG', 'UZ', 'NL'];
const ipHash = randomBytes(16);
let n = 0;
function nextParams() {
  n += 1;
  const hash = Buffer.alloc(32);
  randomBytes(16).copy(hash, 0);
  hash.writeUInt32BE(process.pid, 16);
  hash.writeUInt32BE(n, 20);
  const e = envelopes[n % POOL];
  const tagged = n % 5 === 0;
  return {
    hash, e, country: countries[n % countries.length], consentUpdates: n % 2 === 0, attemptId: randomUUID(),
    source: tagged ? 'partner-site' : null, utmSource: tagged ? 'newsletter' : null, utmMedium: tagged ? 'email' : null, utmCampaign: tagged ? 'viral' : null,
  };
}

const SQL = {
  campaign: 'SELECT "public"."campaigns"."id", "public"."campaigns"."slug", "public"."campaigns"."title", "public"."campaigns"."statement", "public"."campaigns"."source_organisation", "public"."campaigns"."source_url", "public"."campaigns"."statement_date", "public"."campaigns"."status"::text, "public"."campaigns"."signature_goal", "public"."campaigns"."count_pending_publicly", "public"."campaigns"."sender_name", "public"."campaigns"."sender_email" FROM "public"."campaigns" WHERE ("public"."campaigns"."slug" = $1 AND 1=1) LIMIT $2 OFFSET $3',
  wording: 'SELECT "public"."consent_wordings"."id" FROM "public"."consent_wordings" WHERE ("public"."consent_wordings"."id" = $1 AND "public"."consent_wordings"."campaign_id" = $2) LIMIT $3 OFFSET $4',
  supporter: 'INSERT INTO supporters (email_hash, email_encrypted, name_encrypted) VALUES ($1, $2, $3) ON CONFLICT (email_hash) DO UPDATE SET email_hash = EXCLUDED.email_hash RETURNING id',
  signature: `INSERT INTO signatures (campaign_id, supporter_id, country, city_encrypted, comment_encrypted, email_domain, source, utm_source, utm_medium, utm_campaign, ip_hash, consent_updates, consent_wording_id, consented_at)
    VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, now())
    ON CONFLICT (campaign_id, supporter_id) DO UPDATE SET repeat_count = signatures.repeat_count + 1, last_repeated_at = now()
    RETURNING id, status::text AS status, (xmax = 0) AS inserted, created_at AS "createdAt"`,
  // applyTransition(…, 'sign') of the supporters' ledger: the counters and the hourly, country and
  // source rollups in one statement (one row each here).
  ledger: `WITH counters AS (
      INSERT INTO campaign_counters AS c (campaign_id, slot, pending, confirmed, invalidated)
      SELECT campaign_id, $2, pending, confirmed, invalidated FROM (VALUES ($1::uuid, 1, 0, 0)) AS d (campaign_id, pending, confirmed, invalidated) ORDER BY campaign_id
      ON CONFLICT (campaign_id, slot) DO UPDATE SET
        pending = c.pending + EXCLUDED.pending, confirmed = c.confirmed + EXCLUDED.confirmed, invalidated = c.invalidated + EXCLUDED.invalidated
    ), hourly AS (
      INSERT INTO signature_rollups_hourly AS r (campaign_id, hour, slot, signed, confirmed, invalidated)
      SELECT campaign_id, hour, $2, signed, confirmed, invalidated FROM (VALUES ($1::uuid, $3::timestamptz, 1, 0, 0)) AS d (campaign_id, hour, signed, confirmed, invalidated) ORDER BY campaign_id, hour
      ON CONFLICT (campaign_id, hour, slot) DO UPDATE SET
        signed = r.signed + EXCLUDED.signed, confirmed = r.confirmed + EXCLUDED.confirmed, invalidated = r.invalidated + EXCLUDED.invalidated
    ), country AS (
      INSERT INTO signature_rollups_country AS r (campaign_id, country, slot, signed, confirmed, invalidated)
      SELECT campaign_id, country, $2, signed, confirmed, invalidated FROM (VALUES ($1::uuid, $4::text, 1, 0, 0)) AS d (campaign_id, country, signed, confirmed, invalidated) ORDER BY campaign_id, country
      ON CONFLICT (campaign_id, country, slot) DO UPDATE SET
        signed = r.signed + EXCLUDED.signed, confirmed = r.confirmed + EXCLUDED.confirmed, invalidated = r.invalidated + EXCLUDED.invalidated
    )
    INSERT INTO signature_rollups_source AS r (campaign_id, source, utm_source, utm_medium, utm_campaign, slot, signed, confirmed, invalidated)
    SELECT campaign_id, source, utm_source, utm_medium, utm_campaign, $2, signed, confirmed, invalidated
    FROM (VALUES ($1::uuid, $5::text, $6::text, $7::text, $8::text, 1, 0, 0)) AS d (campaign_id, source, utm_source, utm_medium, utm_campaign, signed, confirmed, invalidated)
    ORDER BY campaign_id, source, utm_source, utm_medium, utm_campaign
    ON CONFLICT (campaign_id, source, utm_source, utm_medium, utm_campaign, slot) DO UPDATE SET
      signed = r.signed + EXCLUDED.signed, confirmed = r.confirmed + EXCLUDED.confirmed, invalidated = r.invalidated + EXCLUDED.invalidated`,
  outbox: 'INSERT INTO "public"."outbox_events" ("queue","job_name","payload","dedupe_key","run_at","created_at") VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT DO NOTHING',
  attempt: 'INSERT INTO "public"."signing_attempts" ("id","signature_id","created_at","email_queued") VALUES ($1,$2,$3,$4) RETURNING "public"."signing_attempts"."id"',
};

async function signOnce(client, p) {
  const campaign = (await client.query(SQL.campaign, [slug, 1, 0])).rows[0];
  await client.query(SQL.wording, [wording, campaign.id, 1, 0]);
  await client.query('BEGIN');
  try {
    const supporterId = (await client.query(SQL.supporter, [p.hash, p.e.email, p.e.name])).rows[0].id;
    const signature = (await client.query(SQL.signature, [campaign.id, supporterId, p.country, p.e.city, null, domain,
      p.source, p.utmSource, p.utmMedium, p.utmCampaign, ipHash, p.consentUpdates, wording])).rows[0];
    const hour = new Date(Math.floor(signature.createdAt.getTime() / 3_600_000) * 3_600_000);
    await client.query(SQL.ledger, [campaign.id, Math.floor(Math.random() * 16), hour, p.country ?? '', p.source ?? '', p.utmSource ?? '', p.utmMedium ?? '', p.utmCampaign ?? '']);
    await client.query(SQL.outbox, ['email', 'supporters.send.confirmation', JSON.stringify({ attemptId: p.attemptId, variant: 'new' }), `confirm-${p.attemptId}`, null, new Date()]);
    await client.query(SQL.attempt, [p.attemptId, signature.id, new Date(), true]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}

const clients = [];
for (let i = 0; i < connections; i += 1) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  clients.push(client);
}
const latencies = [];
let committed = 0;
let failed = 0;
const started = Date.now();
const deadline = started + seconds * 1000;
await Promise.all(clients.map(async (client) => {
  while (Date.now() < deadline) {
    const p = nextParams();
    const t0 = process.hrtime.bigint();
    try {
      await signOnce(client, p);
      committed += 1;
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
    } catch {
      failed += 1;
    }
  }
}));
const elapsed = (Date.now() - started) / 1000;
await Promise.all(clients.map((c) => c.end()));
latencies.sort((a, b) => a - b);
const at = (p) => latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)] ?? null;
process.send({ type: 'result', committed, failed, seconds: elapsed, perSecond: committed / elapsed, latency: { p50: at(50), p99: at(99) } });
