import { Prisma, type DbClient } from '../../src/platform/db';

export interface RollupRow {
  key: string;
  signed: number;
  confirmed: number;
  invalidated: number;
}

type Raw = Array<{ key: string; signed: bigint | number; confirmed: bigint | number; invalidated: bigint | number }>;
const plain = (rows: Raw): RollupRow[] =>
  rows.map((r) => ({ key: r.key, signed: Number(r.signed), confirmed: Number(r.confirmed), invalidated: Number(r.invalidated) }));

/**
 * Each rollup table summed over its slots, beside the same figures counted from the signatures
 * table: `signed` is every signature left (invalidated ones too), `confirmed` and `invalidated` are
 * by status now. Keys are the table's dimension (UTC hour, country, or source and utm_*).
 */
export async function rollupsAndFullCounts(db: DbClient, campaignId: string) {
  const hourly = plain(
    await db.$queryRaw<Raw>`
    SELECT to_char(hour AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24') AS key, sum(signed) AS signed, sum(confirmed) AS confirmed, sum(invalidated) AS invalidated
    FROM signature_rollups_hourly WHERE campaign_id = ${campaignId}::uuid GROUP BY 1 HAVING sum(signed) <> 0 OR sum(confirmed) <> 0 OR sum(invalidated) <> 0 ORDER BY 1`,
  );
  const country = plain(
    await db.$queryRaw<Raw>`
    SELECT country AS key, sum(signed) AS signed, sum(confirmed) AS confirmed, sum(invalidated) AS invalidated
    FROM signature_rollups_country WHERE campaign_id = ${campaignId}::uuid GROUP BY 1 HAVING sum(signed) <> 0 OR sum(confirmed) <> 0 OR sum(invalidated) <> 0 ORDER BY 1`,
  );
  const source = plain(
    await db.$queryRaw<Raw>`
    SELECT concat_ws('|', source, utm_source, utm_medium, utm_campaign) AS key, sum(signed) AS signed, sum(confirmed) AS confirmed, sum(invalidated) AS invalidated
    FROM signature_rollups_source WHERE campaign_id = ${campaignId}::uuid GROUP BY 1 HAVING sum(signed) <> 0 OR sum(confirmed) <> 0 OR sum(invalidated) <> 0 ORDER BY 1`,
  );
  const counting = (key: ReturnType<typeof rawKey>) => db.$queryRaw<Raw>`
    SELECT ${key} AS key, count(*) AS signed, count(*) FILTER (WHERE status = 'confirmed') AS confirmed, count(*) FILTER (WHERE status = 'invalidated') AS invalidated
    FROM signatures WHERE campaign_id = ${campaignId}::uuid GROUP BY 1 ORDER BY 1`;
  return {
    rollups: { hourly, country, source },
    full: {
      hourly: plain(await counting(rawKey("to_char(date_trunc('hour', created_at), 'YYYY-MM-DD\"T\"HH24')"))),
      country: plain(await counting(rawKey("coalesce(country, '')"))),
      source: plain(
        await counting(rawKey("concat_ws('|', coalesce(source, ''), coalesce(utm_source, ''), coalesce(utm_medium, ''), coalesce(utm_campaign, ''))")),
      ),
    },
  };
}

// The key expressions are constants of this file, never input.
const rawKey = (sql: string) => Prisma.raw(sql);

/** Expects every rollup table to equal a full count of the signatures; returns how many signatures are left. */
export async function expectRollupsEqualFullCount(db: DbClient, campaignId: string): Promise<number> {
  const { rollups, full } = await rollupsAndFullCounts(db, campaignId);
  expect(rollups.hourly).toEqual(full.hourly);
  expect(rollups.country).toEqual(full.country);
  expect(rollups.source).toEqual(full.source);
  return full.country.reduce((n, r) => n + r.signed, 0);
}

/** Expects the counters (summed over slots) to equal the signatures by status, and every rollup table a full count. */
export async function expectCountsEqualFullCount(db: DbClient, campaignId: string): Promise<number> {
  const [counters] = await db.$queryRaw<Array<{ pending: bigint | null; confirmed: bigint | null; invalidated: bigint | null }>>`
    SELECT sum(pending) AS pending, sum(confirmed) AS confirmed, sum(invalidated) AS invalidated FROM campaign_counters WHERE campaign_id = ${campaignId}::uuid`;
  const [rows] = await db.$queryRaw<Array<{ pending: bigint; confirmed: bigint; invalidated: bigint }>>`
    SELECT count(*) FILTER (WHERE status = 'pending') AS pending, count(*) FILTER (WHERE status = 'confirmed') AS confirmed,
      count(*) FILTER (WHERE status = 'invalidated') AS invalidated FROM signatures WHERE campaign_id = ${campaignId}::uuid`;
  const n = (v: bigint | null | undefined) => Number(v ?? 0);
  expect({ pending: n(counters?.pending), confirmed: n(counters?.confirmed), invalidated: n(counters?.invalidated) }).toEqual({
    pending: n(rows?.pending),
    confirmed: n(rows?.confirmed),
    invalidated: n(rows?.invalidated),
  });
  return expectRollupsEqualFullCount(db, campaignId);
}
