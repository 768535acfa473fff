import { z } from 'zod';
import { sqlRows } from '../../../platform/sql-rows';
import type { DbClient } from '../../../platform/db';

/**
 * Each signed provider call is taken once. Mailgun signs only a timestamp and a token, not the
 * body, so a captured signature could be replayed with another body inside the freshness window;
 * remembering the token (and SNS's MessageId) refuses that. Rows older than the window are no
 * longer needed: a call that old is refused by its timestamp anyway.
 */
export async function firstReceipt(db: DbClient, provider: 'ses' | 'mailgun', receiptId: string): Promise<boolean> {
  const inserted = await sqlRows(db, z.strictObject({ ok: z.number() }))`
    INSERT INTO webhook_receipts (provider, receipt_id) VALUES (${provider}, ${receiptId})
    ON CONFLICT (provider, receipt_id) DO NOTHING
    RETURNING 1 AS ok`;
  return inserted.length > 0;
}

export async function forgetReceiptsOlderThan(db: DbClient, seconds: number): Promise<number> {
  return db.$executeRaw`DELETE FROM webhook_receipts WHERE received_at < now() - make_interval(secs => ${seconds})`;
}
