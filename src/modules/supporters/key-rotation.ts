import { Prisma } from '../../platform/db';
import type { Platform } from '../../platform/context';
import { PURPOSE } from './personal-data';

const BATCH = 500;

/**
 * Every sealed column in the database, with the purpose bound into its envelopes. Rotation walks
 * this list, and a test compares it with every `…Encrypted` field of prisma/schema.prisma: a new
 * sealed column that is missing here would keep data under a key that is about to be removed.
 */
export const SEALED_COLUMNS = [
  { table: 'supporters', column: 'email_encrypted', purpose: PURPOSE.email },
  { table: 'supporters', column: 'name_encrypted', purpose: PURPOSE.name },
  { table: 'signatures', column: 'city_encrypted', purpose: PURPOSE.city },
  { table: 'signatures', column: 'comment_encrypted', purpose: PURPOSE.comment },
  { table: 'letters', column: 'paragraph_encrypted', purpose: PURPOSE.paragraph },
  { table: 'signing_attempts', column: 'name_encrypted', purpose: PURPOSE.name },
  { table: 'signing_attempts', column: 'city_encrypted', purpose: PURPOSE.city },
] as const;

export type SealedColumn = (typeof SEALED_COLUMNS)[number];
export type RotationCounts = Record<`${SealedColumn['table']}.${SealedColumn['column']}`, number>;

/** `v1.<keyId>.%`, escaped for LIKE: the envelopes sealed under that key. */
function envelopesOf(keyId: string): string {
  return `v1.${keyId.replace(/[_%\\]/g, (c) => `\\${c}`)}.%`;
}

/**
 * Re-seals every envelope under the current key, a batch per transaction, paged by id so it can be
 * stopped and rerun at any point. Envelopes already under the current key are left alone, so a
 * rerun after completion does nothing. Answers how many envelopes it re-sealed per column.
 */
export async function reSealAll(platform: Platform): Promise<RotationCounts> {
  const current = platform.cipher.currentKeyId;
  const counts = {} as RotationCounts;
  for (const sealed of SEALED_COLUMNS) {
    counts[`${sealed.table}.${sealed.column}`] = await reSealColumn(platform, sealed, current);
  }
  return counts;
}

async function reSealColumn(platform: Platform, { table, column, purpose }: SealedColumn, current: string): Promise<number> {
  // Identifiers come from SEALED_COLUMNS above, never from input.
  const t = Prisma.raw(`"${table}"`);
  const c = Prisma.raw(`"${column}"`);
  let done = 0;
  for (let lastId = '00000000-0000-0000-0000-000000000000'; ;) {
    const rows = await platform.db.$queryRaw<{ id: string; envelope: string }[]>`
      SELECT id::text AS id, ${c} AS envelope FROM ${t}
      WHERE id > ${lastId}::uuid AND ${c} IS NOT NULL AND ${c} NOT LIKE ${envelopesOf(current)}
      ORDER BY id LIMIT ${BATCH}`;
    if (rows.length === 0) return done;
    // An envelope under a key no longer in ENCRYPTION_KEYS cannot be re-sealed: it is skipped and
    // shows up in envelopesUnderOtherKeys, so the run ends non-zero instead of half-way.
    const openable = rows.filter((row) => platform.cipher.canOpen(row.envelope));
    await platform.db.$transaction(openable.map((row) => {
      const resealed = platform.cipher.seal(platform.cipher.open(row.envelope, purpose), purpose);
      // Only if unchanged since it was read: a concurrent write (e.g. erasure) wins.
      return platform.db.$executeRaw`UPDATE ${t} SET ${c} = ${resealed} WHERE id = ${row.id}::uuid AND ${c} = ${row.envelope}`;
    }));
    done += openable.length;
    lastId = rows.at(-1)!.id;
  }
}

/** Envelopes per column still sealed under a key other than the current one (all zero after a rotation). */
export async function envelopesUnderOtherKeys(platform: Platform): Promise<RotationCounts> {
  const current = platform.cipher.currentKeyId;
  const counts = {} as RotationCounts;
  for (const { table, column } of SEALED_COLUMNS) {
    const rows = await platform.db.$queryRaw<{ n: bigint }[]>`
      SELECT count(*) AS n FROM ${Prisma.raw(`"${table}"`)}
      WHERE ${Prisma.raw(`"${column}"`)} IS NOT NULL AND ${Prisma.raw(`"${column}"`)} NOT LIKE ${envelopesOf(current)}`;
    counts[`${table}.${column}`] = Number(rows[0]!.n);
  }
  return counts;
}
