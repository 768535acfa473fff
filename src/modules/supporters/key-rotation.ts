import { Prisma } from '../../platform/db';
import type { Platform } from '../../platform/context';
import { ENVELOPE_VERSION, EnvelopeRefused } from '../../platform/crypto';
import { SEALED, type SealedColumn } from './personal-data';
import { z } from 'zod';
import { sql, sqlRows } from '../../platform/sql-rows';

const EnvelopeRow = z.strictObject({ id: sql.uuid, envelope: sql.text });

const BATCH = 500;

/**
 * Every sealed column in the database (SEALED in personal-data.ts). Rotation walks this list, and a
 * test compares it with every `…Encrypted` field of prisma/schema.prisma: a new sealed column that
 * is missing here would keep data under a key that is about to be removed.
 */
export const SEALED_COLUMNS = Object.values(SEALED);

export type RotationCounts = Record<`${SealedColumn['table']}.${SealedColumn['column']}`, number>;

/** `v2.<keyId>.%`, escaped for LIKE: the envelopes in the row-bound format under that key. */
function currentEnvelopes(keyId: string): string {
  return `${ENVELOPE_VERSION}.${keyId.replace(/[_%\\]/g, (c) => `\\${c}`)}.%`;
}

/**
 * Re-seals every envelope that is not row-bound under the current key (another key, or the v1
 * format bound to a purpose only), a batch per transaction, paged by id so it can be stopped and
 * rerun at any point. Envelopes already current are left alone, so a rerun after completion does
 * nothing. Both `keys:rotate` and the migrate command's data step (`npm run db:migrate`) run it.
 * Answers how many envelopes it re-sealed per column.
 */
export async function reSealAll(platform: Pick<Platform, 'db' | 'cipher'>): Promise<RotationCounts> {
  const counts = {} as RotationCounts;
  for (const sealed of SEALED_COLUMNS) {
    counts[`${sealed.table}.${sealed.column}`] = await reSealColumn(platform, sealed);
  }
  return counts;
}

async function reSealColumn(platform: Pick<Platform, 'db' | 'cipher'>, sealed: SealedColumn): Promise<number> {
  // Identifiers come from SEALED above, never from input.
  const t = Prisma.raw(`"${sealed.table}"`);
  const c = Prisma.raw(`"${sealed.column}"`);
  const current = currentEnvelopes(platform.cipher.currentKeyId);
  let done = 0;
  for (let lastId = '00000000-0000-0000-0000-000000000000'; ;) {
    const rows = await sqlRows(platform.db, EnvelopeRow)`
      SELECT id::text AS id, ${c} AS envelope FROM ${t}
      WHERE id > ${lastId}::uuid AND ${c} IS NOT NULL AND ${c} NOT LIKE ${current}
      ORDER BY id LIMIT ${BATCH}`;
    if (rows.length === 0) return done;
    // An envelope under a key no longer in ENCRYPTION_KEYS cannot be re-sealed: it is skipped and
    // shows up in envelopesNotCurrent, so the run ends non-zero instead of half-way. So is one that
    // does not open for its row (copied from another row): it is counted, never re-sealed, since
    // re-sealing it would make the copy genuine.
    const openable = rows.flatMap((row) => {
      if (!platform.cipher.canOpen(row.envelope)) return [];
      try {
        return [{ ...row, plaintext: platform.cipher.open(row.envelope, sealed, row.id) }];
      } catch (error) {
        if (error instanceof EnvelopeRefused) return [];
        throw error;
      }
    });
    await platform.db.$transaction(
      openable.map((row) => {
        const resealed = platform.cipher.seal(row.plaintext, sealed, row.id);
        // Only if unchanged since it was read: a concurrent write (e.g. erasure) wins.
        return platform.db.$executeRaw`UPDATE ${t} SET ${c} = ${resealed} WHERE id = ${row.id}::uuid AND ${c} = ${row.envelope}`;
      }),
    );
    done += openable.length;
    lastId = rows.at(-1)!.id;
  }
}

/**
 * Envelopes per column that are not row-bound under the current key: under another key, or in
 * the old v1 format (all zero after a rotation or the migrate command's data step).
 */
export async function envelopesNotCurrent(platform: Pick<Platform, 'db' | 'cipher'>): Promise<RotationCounts> {
  const current = currentEnvelopes(platform.cipher.currentKeyId);
  const counts = {} as RotationCounts;
  for (const { table, column } of SEALED_COLUMNS) {
    const rows = await sqlRows(platform.db, z.strictObject({ n: sql.bigint }))`
      SELECT count(*) AS n FROM ${Prisma.raw(`"${table}"`)}
      WHERE ${Prisma.raw(`"${column}"`)} IS NOT NULL AND ${Prisma.raw(`"${column}"`)} NOT LIKE ${current}`;
    counts[`${table}.${column}`] = Number(rows[0]!.n);
  }
  return counts;
}

/** Former name: what is left after a rotation (another key, or the old format). */
export const envelopesUnderOtherKeys = envelopesNotCurrent;
