import { z } from 'zod';
import type { DbClient } from './db';

/**
 * Raw SQL whose rows are checked at the repository's edge: `sqlRows(db, Row)\`SELECT …\``
 * answers rows of `z.infer<typeof Row>` or throws. A generic on `$queryRaw` only says what a row
 * should be; a renamed or retyped column would still compile and come back undefined. Here it
 * fails the first test that runs the query. Row schemas are strict, so a column the schema does
 * not name fails too.
 *
 * The error names the query's first words and the paths and issue codes, never a value: rows
 * hold personal data.
 */
export function sqlRows<Row extends z.ZodType>(db: Pick<DbClient, '$queryRaw'>, row: Row) {
  const rows = z.array(row);
  return async (strings: TemplateStringsArray, ...values: unknown[]): Promise<Array<z.infer<Row>>> => {
    const result = rows.safeParse(await db.$queryRaw<unknown[]>(strings, ...values));
    if (result.success) return result.data;
    const where = result.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join('.')} (${issue.code})`)
      .join(', ');
    throw new Error(`rows of "${strings[0]!.trim().split(/\s+/).slice(0, 6).join(' ')}…" do not match their schema: ${where}`);
  };
}

/** The same, for a query that answers at most one row. */
export function sqlRow<Row extends z.ZodType>(db: Pick<DbClient, '$queryRaw'>, row: Row) {
  const many = sqlRows(db, row);
  return async (strings: TemplateStringsArray, ...values: unknown[]): Promise<z.infer<Row> | null> => (await many(strings, ...values))[0] ?? null;
}

/** Column types as PostgreSQL hands them to Prisma's raw queries. */
export const sql = {
  uuid: z.string(),
  text: z.string(),
  int: z.number().int(),
  /** count(*) and bigint columns: Prisma answers a bigint. */
  bigint: z.bigint(),
  bool: z.boolean(),
  timestamp: z.date(),
  bytes: z.instanceof(Uint8Array),
};
