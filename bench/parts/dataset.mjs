// The data of parts 3 and 4: N signatures of the seeded campaign over 47 countries and 90 days,
// loaded set-based (INSERT … SELECT generate_series), with the rollups (hourly, country, source) and the counters
// filled from the loaded rows exactly as the signing transaction would have moved them.
// Personal data is real envelopes, each sealed with the run's key for its own row (row-bound
// envelopes do not open in another row), so the export decrypts every row as it would in production.
import { md5Uuid, seal, SEALED } from '../lib/envelopes.mjs';
import { settings } from '../lib/settings.mjs';
import { round } from '../lib/stats.mjs';

/** Rows sealed and inserted per statement: big enough to be set-based, small enough for one query's parameters. */
const CHUNK = 20_000;

export async function loadSignatures({ pool }) {
  const rows = settings.rows;
  const started = Date.now();
  const [{ id: campaignId }] = (await pool.query("SELECT id FROM campaigns WHERE slug = 'kazakhstan'")).rows;
  const [{ id: wording }] = (await pool.query('SELECT id FROM consent_wordings WHERE campaign_id = $1 LIMIT 1', [campaignId])).rows;
  const countries = (await pool.query('SELECT iso2 FROM targets WHERE council_member ORDER BY iso2')).rows.map((r) => r.iso2.trim());
  console.log(`  dataset: ${rows.toLocaleString('en')} supporters and signatures over ${countries.length} countries and 90 days`);
  for (let first = 1; first <= rows; first += CHUNK) {
    const last = Math.min(rows, first + CHUNK - 1);
    await loadChunk(pool, { campaignId, wording, countries, first, last });
  }

  // What the ledger (applyTransition) would have done for each signature: each signing picks one of 16 slots at
  // random, so at this volume every hour, country and source has all 16 slots (as in service).
  const slot = `abs(hashtext(id::text)) % 16`;
  const sums = `count(*), count(*) FILTER (WHERE status = 'confirmed'), count(*) FILTER (WHERE status = 'invalidated')`;
  await pool.query(`
    INSERT INTO signature_rollups_hourly (campaign_id, hour, slot, signed, confirmed, invalidated)
    SELECT campaign_id, date_trunc('hour', created_at) AT TIME ZONE 'UTC', ${slot}, ${sums}
    FROM signatures WHERE campaign_id = $1 GROUP BY 1, 2, 3`, [campaignId]);
  await pool.query(`
    INSERT INTO signature_rollups_country (campaign_id, country, slot, signed, confirmed, invalidated)
    SELECT campaign_id, coalesce(country, ''), ${slot}, ${sums}
    FROM signatures WHERE campaign_id = $1 GROUP BY 1, 2, 3`, [campaignId]);
  await pool.query(`
    INSERT INTO signature_rollups_source (campaign_id, source, utm_source, utm_medium, utm_campaign, slot, signed, confirmed, invalidated)
    SELECT campaign_id, coalesce(source, ''), coalesce(utm_source, ''), coalesce(utm_medium, ''), coalesce(utm_campaign, ''), ${slot}, ${sums}
    FROM signatures WHERE campaign_id = $1 GROUP BY 1, 2, 3, 4, 5, 6`, [campaignId]);
  // And what its counters would have done (one slot: the counters are read whole either way).
  await pool.query(`
    INSERT INTO campaign_counters (campaign_id, slot, pending, confirmed, invalidated)
    SELECT $1, 0, count(*) FILTER (WHERE status = 'pending'), count(*) FILTER (WHERE status = 'confirmed'), count(*) FILTER (WHERE status = 'invalidated')
    FROM signatures WHERE campaign_id = $1`, [campaignId]);
  await pool.query('VACUUM ANALYZE supporters, signatures, signature_rollups_hourly, signature_rollups_country, signature_rollups_source, campaign_counters');
  const { rows: [sizes] } = await pool.query(`SELECT (SELECT count(*)::int FROM signatures) AS signatures, (SELECT count(*)::int FROM signature_rollups_hourly) AS rollups_hourly,
    (SELECT count(*)::int FROM signature_rollups_country) AS rollups_country, (SELECT count(*)::int FROM signature_rollups_source) AS rollups_source,
    pg_size_pretty(pg_total_relation_size('signatures')) AS signatures_size, pg_size_pretty(pg_total_relation_size('supporters')) AS supporters_size`);
  return { campaignId, countries: countries.length, ...sizes, loadSeconds: round((Date.now() - started) / 1000) };
}

/** Rows first..last: each supporter's email and name sealed for its id, each third signature's city for the signature's. */
async function loadChunk(pool, { campaignId, wording, countries, first, last }) {
  const emails = [];
  const names = [];
  const cities = [];
  for (let i = first; i <= last; i += 1) {
    const supporterId = md5Uuid(`supporter${i}`);
    emails.push(seal(`supporter.${i}@example.org`, SEALED.supporterEmail, supporterId));
    names.push(seal(`Supporter Number ${i}`, SEALED.supporterName, supporterId));
    cities.push(i % 3 === 0 ? seal(i % 2 === 0 ? 'Almaty' : 'Geneva', SEALED.signatureCity, md5Uuid(`signature${i}`)) : null);
  }
  await pool.query(`
    INSERT INTO supporters (id, email_hash, email_encrypted, name_encrypted, created_at)
    SELECT md5('supporter' || i)::uuid, decode(md5('email' || i) || md5('hash' || i), 'hex'),
      ($3::text[])[1 + i - $1], ($4::text[])[1 + i - $1], now() AT TIME ZONE 'UTC'
    FROM generate_series($1::int, $2::int) AS i`, [first, last, emails, names]);
  // 70 % confirmed, 25 % pending, 5 % invalidated; one in five from a tagged source; a
  // campaign that grows over 90 days (more signatures lately), as viral ones do.
  await pool.query(`
    INSERT INTO signatures (id, campaign_id, supporter_id, status, country, city_encrypted, email_domain, source, utm_source, utm_medium, utm_campaign,
      ip_hash, consent_updates, consent_wording_id, consented_at, created_at, confirmed_at, invalidated_at, invalidated_by, invalidation_reason, status_before_invalidation)
    SELECT md5('signature' || i)::uuid, $1::uuid, md5('supporter' || i)::uuid, st::"SignatureStatus", ($3::text[])[1 + i % cardinality($3::text[])],
      CASE WHEN i % 3 = 0 THEN ($4::text[])[1 + i - $6] END,
      (ARRAY['gmail.com','mail.ru','yandex.kz','outlook.com','proton.me','example.org','inbox.kz','web.de'])[1 + i % 8],
      src, CASE WHEN src IS NOT NULL THEN 'newsletter' END, CASE WHEN src IS NOT NULL THEN 'email' END, CASE WHEN src IS NOT NULL THEN 'viral-' || (i % 3) END,
      decode(substr(md5('ip' || (i % 50000)), 1, 32), 'hex'), i % 2 = 0, $5, at, at,
      CASE WHEN st = 'confirmed' THEN at + interval '10 minutes' END,
      CASE WHEN st = 'invalidated' THEN at + interval '1 day' END, CASE WHEN st = 'invalidated' THEN 'bench' END,
      CASE WHEN st = 'invalidated' THEN 'bench flood' END, CASE WHEN st = 'invalidated' THEN 'pending'::"SignatureStatus" END
    FROM (
      SELECT i,
        CASE WHEN i % 100 < 70 THEN 'confirmed' WHEN i % 100 < 95 THEN 'pending' ELSE 'invalidated' END AS st,
        (ARRAY[NULL, NULL, NULL, NULL, 'partner-site', NULL, NULL, NULL, NULL, 'press-release'])[1 + i % 10] AS src,
        (now() AT TIME ZONE 'UTC') - interval '90 days' * (1 - sqrt(random())) AS at
      FROM generate_series($6::int, $2::int) AS i
    ) g`, [campaignId, last, countries, cities, wording, first]);
}
