import type { Platform } from '../../platform/context';
import type { Db, DbClient } from '../../platform/db';
import { AppError } from '../../platform/errors';
import { z } from 'zod';
import { sql, sqlRow } from '../../platform/sql-rows';

/**
 * Every email to a supporter that follows something typed on a public page passes here, so that
 * nobody can use Clarion to flood an inbox: at most SUPPORTER_EMAILS_PER_DAY such emails per
 * address per day (UTC), and none at all to an address whose owner said "this wasn't me".
 * Addresses are known here only by their keyed hash. A retry of the same job is not counted again.
 */
export async function mayMailSupporter(db: DbClient, emailHash: Buffer, perDay: number, firstTry: boolean): Promise<boolean> {
  const row = await sqlRow(db, z.strictObject({ allowed: sql.bool }))`
    WITH suppressed AS (SELECT 1 FROM mail_suppressions WHERE email_hash = ${emailHash}),
    counted AS (
      INSERT INTO supporter_mail_quota (email_hash, day, sent)
      SELECT ${emailHash}, current_date, 1 WHERE ${firstTry} AND NOT EXISTS (SELECT 1 FROM suppressed)
      ON CONFLICT (email_hash, day) DO UPDATE SET sent = supporter_mail_quota.sent + 1
        WHERE supporter_mail_quota.sent < ${perDay}
      RETURNING 1
    )
    SELECT NOT EXISTS (SELECT 1 FROM suppressed) AND (NOT ${firstTry} OR EXISTS (SELECT 1 FROM counted)) AS allowed`;
  return row?.allowed ?? false;
}

/** "This wasn't me": the link in every email to a supporter names the supporter, never the address. */
export const NOT_ME_TOKEN_PURPOSE = 'not-me';
const NOT_ME_LINK_TTL_MS = 30 * 24 * 3600 * 1000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function notMeLink(platform: Platform, supporterId: string, locale: string, now = new Date()): string {
  const token = platform.tokens.sign(NOT_ME_TOKEN_PURPOSE, supporterId, new Date(now.getTime() + NOT_ME_LINK_TTL_MS));
  return `${platform.config.PUBLIC_BASE_URL}/not-me/${token}?lang=${locale}`;
}

export function supporterOfNotMeToken(platform: Platform, token: string): string {
  const verified = platform.tokens.verify(NOT_ME_TOKEN_PURPOSE, token);
  if (!verified.ok || !UUID.test(verified.payload)) {
    throw new AppError(verified.ok || verified.reason === 'invalid' ? 'token_invalid' : 'token_expired', { key: 'problems.detail.linkNotValid' });
  }
  return verified.payload;
}

/**
 * Stops all further mail to the supporter's address and cancels every letter still waiting for
 * approval in their name. What the address had confirmed itself stays. Returns false when the
 * supporter is gone (erased): there is nothing left to mail anyway.
 */
export async function stopMailTo(db: Db, supporterId: string): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const row = await sqlRow(tx, z.strictObject({ id: sql.text }))`
      INSERT INTO mail_suppressions (email_hash)
      SELECT email_hash FROM supporters WHERE id = ${supporterId}::uuid
      ON CONFLICT (email_hash) DO UPDATE SET created_at = mail_suppressions.created_at
      RETURNING 'x' AS id`;
    if (!row) return false;
    await tx.$executeRaw`UPDATE letters SET status = 'cancelled' WHERE supporter_id = ${supporterId}::uuid AND status = 'held'`;
    return true;
  });
}

/** Undo: the owner wants Clarion's emails again. The suppression is the only trace, and it goes. */
export async function resumeMailTo(db: DbClient, supporterId: string): Promise<void> {
  await db.$executeRaw`DELETE FROM mail_suppressions WHERE email_hash = (SELECT email_hash FROM supporters WHERE id = ${supporterId}::uuid) AND reason = 'not_me'`;
}

/**
 * A hard bounce or a complaint about mail to this supporter: nothing more goes to the address
 * (every supporter email passes mayMailSupporter). Undoing "this wasn't me" does not lift it.
 */
export async function suppressAfterReport(db: DbClient, supporterId: string, reason: 'bounced' | 'complaint'): Promise<void> {
  await db.$executeRaw`
    INSERT INTO mail_suppressions (email_hash, reason)
    SELECT email_hash, ${reason} FROM supporters WHERE id = ${supporterId}::uuid
    ON CONFLICT (email_hash) DO UPDATE SET reason = CASE WHEN mail_suppressions.reason = 'not_me' THEN EXCLUDED.reason ELSE mail_suppressions.reason END`;
}
