import type { DbClient } from '../../platform/db';
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

/** Locks the supporter's signatures and reads them as the ledger needs them to forget them. */
export async function lockSignaturesOf(db: DbClient, supporterId: string): Promise<LedgerSignature[]> {
  return readLedgerRows(await db.$queryRaw<unknown[]>`
    SELECT ${ledgerColumns('s')}, s.status::text AS "from", 'absent' AS "to"
    FROM signatures s WHERE s.supporter_id = ${supporterId}::uuid ORDER BY s.id FOR UPDATE`);
}

/** Deletes the supporter; signatures, signing attempts and letters go with it (ON DELETE CASCADE). */
export async function deleteSupporter(db: DbClient, supporterId: string): Promise<{ letters: number }> {
  const letters = await db.letter.count({ where: { supporterId } });
  await db.supporter.delete({ where: { id: supporterId } });
  return { letters };
}
