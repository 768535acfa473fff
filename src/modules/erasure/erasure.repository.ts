import { z } from 'zod';
import type { DbClient } from '../../platform/db';
import { sql, sqlRows } from '../../platform/sql-rows';
import { ledgerColumns, readLedgerRows, type LedgerSignature } from '../supporters';

/** The supporter behind a lookup hash, with what an erasure email needs to find its words and sender. */
export function findSupporterByEmailHash(db: DbClient, emailHash: Buffer) {
  return db.supporter.findUnique({ where: { emailHash: new Uint8Array(emailHash) }, select: { id: true } });
}

/** The supporter's latest signing: its campaign sends the email, its language writes it. */
export function findSupporterForMail(db: DbClient, supporterId: string) {
  return db.supporter.findUnique({
    where: { id: supporterId },
    select: {
      id: true,
      emailHash: true,
      emailEncrypted: true,
      nameEncrypted: true,
      signatures: {
        orderBy: { createdAt: 'desc' },
        take: 1,
        select: {
          campaign: { select: { senderName: true, senderEmail: true } },
          attempts: { orderBy: { createdAt: 'desc' }, take: 1, select: { locale: true } },
        },
      },
    },
  });
}

/** Locks the supporters' signatures and reads them as the ledger needs them to forget them. */
export async function lockSignaturesOfMany(db: DbClient, supporterIds: readonly string[]): Promise<LedgerSignature[]> {
  return readLedgerRows(
    await db.$queryRaw<unknown[]>`
    SELECT ${ledgerColumns('s')}, s.status::text AS "from", 'absent' AS "to"
    FROM signatures s WHERE s.supporter_id = ANY(${[...supporterIds]}::uuid[]) ORDER BY s.id FOR UPDATE`,
  );
}

/**
 * Deletes the supporters; signatures, signing attempts, letters, withdrawals and mailing rows go
 * with them (ON DELETE CASCADE). Address requests are keyed by the lookup hash, not the row, so
 * they are deleted by it (they hold nothing else, and are gone once resolved anyway).
 */
export async function deleteSupporters(db: DbClient, supporterIds: readonly string[]): Promise<{ supporters: number; letters: number; deletedIds: string[] }> {
  const ids = [...supporterIds];
  const letters = await db.letter.count({ where: { supporterId: { in: ids } } });
  await db.$executeRaw`DELETE FROM address_requests a USING supporters p WHERE p.id = ANY(${ids}::uuid[]) AND a.email_hash = p.email_hash`;
  const deleted = await sqlRows(db, z.strictObject({ id: sql.uuid }))`DELETE FROM supporters WHERE id = ANY(${ids}::uuid[]) RETURNING id::text AS id`;
  return { supporters: deleted.length, letters, deletedIds: deleted.map((row) => row.id) };
}
