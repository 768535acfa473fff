import type { Platform } from '../../platform/context';
import { PURPOSE } from './personal-data';

const BATCH = 500;

/**
 * Re-seals envelopes under the current key, a batch per transaction, paged by id so it can be
 * stopped and rerun at any point. Rows already under the current key are skipped, so a rerun
 * after completion does nothing.
 */
export async function reSealAll(platform: Platform): Promise<{ supporters: number; signatures: number }> {
  const current = platform.cipher.currentKeyId;
  const notCurrent = `v1.${current.replace(/[_%\\]/g, (c) => `\\${c}`)}.%`; // escaped for LIKE
  const reSeal = (envelope: string | null, purpose: string) =>
    envelope && platform.cipher.keyIdOf(envelope) !== current ? platform.cipher.seal(platform.cipher.open(envelope, purpose), purpose) : envelope;

  let supporters = 0;
  for (let lastId = '00000000-0000-0000-0000-000000000000'; ;) {
    const rows = await platform.db.$queryRaw<{ id: string; email_encrypted: string; name_encrypted: string }[]>`
      SELECT id, email_encrypted, name_encrypted FROM supporters
      WHERE id > ${lastId}::uuid AND (email_encrypted NOT LIKE ${notCurrent} OR name_encrypted NOT LIKE ${notCurrent})
      ORDER BY id LIMIT ${BATCH}`;
    if (rows.length === 0) break;
    await platform.db.$transaction(rows.map((row) => platform.db.supporter.update({
      where: { id: row.id },
      data: { emailEncrypted: reSeal(row.email_encrypted, PURPOSE.email)!, nameEncrypted: reSeal(row.name_encrypted, PURPOSE.name)! },
    })));
    supporters += rows.length;
    lastId = rows.at(-1)!.id;
  }

  let signatures = 0;
  for (let lastId = '00000000-0000-0000-0000-000000000000'; ;) {
    const rows = await platform.db.$queryRaw<{ id: string; city_encrypted: string | null; comment_encrypted: string | null }[]>`
      SELECT id, city_encrypted, comment_encrypted FROM signatures
      WHERE id > ${lastId}::uuid AND (city_encrypted NOT LIKE ${notCurrent} OR comment_encrypted NOT LIKE ${notCurrent})
      ORDER BY id LIMIT ${BATCH}`;
    if (rows.length === 0) break;
    await platform.db.$transaction(rows.map((row) => platform.db.signature.update({
      where: { id: row.id },
      data: { cityEncrypted: reSeal(row.city_encrypted, PURPOSE.city), commentEncrypted: reSeal(row.comment_encrypted, PURPOSE.comment) },
    })));
    signatures += rows.length;
    lastId = rows.at(-1)!.id;
  }
  return { supporters, signatures };
}
