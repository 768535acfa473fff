import { z } from 'zod';
import { closePlatform, createPlatform, type Platform } from '../../../src/platform/context';
import { sql, sqlRow, sqlRows } from '../../../src/platform/sql-rows';
import { testConfig } from '../../support/harness';

let platform: Platform;
beforeAll(() => {
  platform = createPlatform(testConfig(), 'sql-rows-test');
});
afterAll(() => closePlatform(platform));

const Row = z.strictObject({ name: sql.text, n: sql.int, at: sql.timestamp.nullable() });

describe('rows checked at the repository edge', () => {
  it('answers rows of the schema type', async () => {
    const rows = await sqlRows(platform.db, Row)`SELECT 'a'::text AS name, 2::int AS n, NULL::timestamp AS at`;
    expect(rows).toEqual([{ name: 'a', n: 2, at: null }]);
    expect(await sqlRow(platform.db, Row)`SELECT 'a'::text AS name, 1::int AS n, now() AS at WHERE false`).toBeNull();
  });

  it('refuses a renamed, retyped or extra column, naming the column and never the value', async () => {
    const secret = 'person@example.org';
    await expect(sqlRows(platform.db, Row)`SELECT ${secret}::text AS full_name, 2::int AS n, NULL::timestamp AS at`).rejects.toThrow(/name \(invalid_type\)/);
    await expect(sqlRows(platform.db, Row)`SELECT ${secret}::text AS name, count(*) AS n, NULL::timestamp AS at`).rejects.toThrow(/n \(invalid_type\)/);
    const extra = sqlRows(platform.db, Row)`SELECT 'a'::text AS name, 2::int AS n, NULL::timestamp AS at, ${secret}::text AS email`;
    await expect(extra).rejects.toThrow(/unrecognized_keys/);
    await expect(sqlRows(platform.db, Row)`SELECT ${secret}::text AS full_name, 2::int AS n, NULL::timestamp AS at`).rejects.not.toThrow(secret);
  });
});
