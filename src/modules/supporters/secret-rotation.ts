import type { Platform } from '../../platform/context';
import { canonicalEmail } from './email-address';
import { emailLookupHash, open, SEALED } from './personal-data';

const BATCH = 500;

/**
 * After SECRET_KEY changed: recomputes every supporter's email lookup hash under the new key from
 * the sealed address (ENCRYPTION_KEYS opens it; the old SECRET_KEY is not needed). Without it a
 * returning supporter would not be found (a second supporter row) and erasure by email would miss.
 * Paged by id, one transaction per batch, rows already right are skipped: stop and rerun freely.
 * Retention's stand-ins are skipped: their hash is random on purpose (they seal an empty address).
 */
export async function reHashEmails(platform: Platform): Promise<{ checked: number; rehashed: number }> {
  let checked = 0;
  let rehashed = 0;
  for (let lastId = '00000000-0000-0000-0000-000000000000'; ;) {
    const rows = await platform.db.supporter.findMany({
      where: { id: { gt: lastId }, anonymisedAt: null },
      orderBy: { id: 'asc' },
      take: BATCH,
      select: { id: true, emailHash: true, emailEncrypted: true },
    });
    if (rows.length === 0) return { checked, rehashed };
    const changes = rows.flatMap((row) => {
      const hash = emailLookupHash(platform, canonicalEmail(open(platform, row.emailEncrypted, SEALED.supporterEmail, row.id)));
      return Buffer.from(row.emailHash).equals(hash) ? [] : [{ id: row.id, hash }];
    });
    if (changes.length > 0) {
      await platform.db.$transaction(changes.map(({ id, hash }) => platform.db.supporter.update({ where: { id }, data: { emailHash: new Uint8Array(hash) } })));
    }
    checked += rows.length;
    rehashed += changes.length;
    lastId = rows.at(-1)!.id;
  }
}
