import type { DbClient } from '../../platform/db';

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

/** Locks the supporter's signatures and returns what the counts need to forget them. */
export function lockSignaturesOf(db: DbClient, supporterId: string) {
  return db.$queryRaw<Array<{
    campaign_id: string; status: 'pending' | 'confirmed' | 'invalidated'; created_at: Date; country: string | null;
    source: string | null; utm_source: string | null; utm_medium: string | null; utm_campaign: string | null;
  }>>`
    SELECT campaign_id, status, created_at, country, source, utm_source, utm_medium, utm_campaign
    FROM signatures WHERE supporter_id = ${supporterId}::uuid FOR UPDATE`;
}

/** Deletes the supporter; signatures, signing attempts and letters go with it (ON DELETE CASCADE). */
export async function deleteSupporter(db: DbClient, supporterId: string): Promise<{ letters: number }> {
  const letters = await db.letter.count({ where: { supporterId } });
  await db.supporter.delete({ where: { id: supporterId } });
  return { letters };
}
