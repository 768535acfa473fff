import type { Platform } from '../../platform/context';
import type { Db } from '../../platform/db';
import { domainEvent, recordDomainEvents } from '../../platform/domain-events';
import { AppError } from '../../platform/errors';
import { z } from 'zod';
import { sql, sqlRow } from '../../platform/sql-rows';

const IdRow = z.strictObject({ id: sql.uuid });
const StateRow = z.strictObject({ campaign: sql.bool, all: sql.bool, title: sql.text.nullable() });

/**
 * One-click unsubscribe (RFC 8058) for emails a supporter did not just ask for (campaign updates,
 * reminders). The link's token names the supporter and the campaign, never an address, and is
 * signed (HMAC under the tokens key derived from SECRET_KEY). Withdrawing keeps the signature:
 * `consent_updates` stays as the evidence of what was agreed, and a `consent_withdrawals` row
 * records when, how and with which wording it was withdrawn.
 */
export const UNSUBSCRIBE_TOKEN_PURPOSE = 'unsubscribe';
/** Mail clients keep the header for as long as the message sits in the mailbox. */
const UNSUBSCRIBE_LINK_TTL_MS = 400 * 24 * 3600 * 1000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The wordings a withdrawal can have been made with; versioned keys, so a changed text is a new key. */
export const WITHDRAWAL_WORDING = {
  oneClick: 'list-unsubscribe-post.v1',
  campaign: 'page.unsubscribe.campaignButton.v1',
  all: 'page.unsubscribe.allButton.v1',
} as const;

export type UnsubscribeScope = 'campaign' | 'all';

export function unsubscribeToken(platform: Platform, supporterId: string, campaignId: string, now = new Date()): string {
  return platform.tokens.sign(UNSUBSCRIBE_TOKEN_PURPOSE, `${supporterId}_${campaignId}`, new Date(now.getTime() + UNSUBSCRIBE_LINK_TTL_MS));
}

/** The https URL of List-Unsubscribe and of the visible link in the body. */
export function unsubscribeUrl(platform: Platform, supporterId: string, campaignId: string, locale = 'en'): string {
  return `${platform.config.PUBLIC_BASE_URL}/unsubscribe/${unsubscribeToken(platform, supporterId, campaignId)}?lang=${locale}`;
}

/**
 * The headers for a message that carries the link: List-Unsubscribe with the https URL and
 * List-Unsubscribe-Post (RFC 8058). nodemailer signs every header with DKIM when DKIM is set.
 */
export function unsubscribeHeaders(url: string): Record<string, string> {
  return { 'List-Unsubscribe': `<${url}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
}

export function readUnsubscribeToken(platform: Platform, token: string): { supporterId: string; campaignId: string } {
  const verified = platform.tokens.verify(UNSUBSCRIBE_TOKEN_PURPOSE, token);
  const [supporterId, campaignId, ...rest] = verified.ok ? verified.payload.split('_') : [];
  if (!verified.ok || rest.length || !supporterId || !campaignId || !UUID.test(supporterId) || !UUID.test(campaignId)) {
    throw new AppError(verified.ok || verified.reason === 'invalid' ? 'token_invalid' : 'token_expired', { key: 'problems.detail.linkNotValid' });
  }
  return { supporterId, campaignId };
}

/**
 * Records the withdrawal; idempotent (a second press changes nothing and records nothing more).
 * `campaign` stops that campaign's updates; `all` also suppresses the address (mail_suppressions,
 * reason `unsubscribed`), which every email to supporters consults, so nothing more goes to it.
 * Returns false when the supporter is gone (erased): there is nothing left to mail anyway.
 */
export async function withdrawConsent(
  db: Db,
  ids: { supporterId: string; campaignId: string },
  scope: UnsubscribeScope,
  via: 'one_click' | 'page',
): Promise<boolean> {
  const wording = via === 'one_click' ? WITHDRAWAL_WORDING.oneClick : WITHDRAWAL_WORDING[scope];
  return db.$transaction(async (tx) => {
    const supporter = await sqlRow(tx, IdRow)`SELECT id FROM supporters WHERE id = ${ids.supporterId}::uuid FOR UPDATE`;
    if (!supporter) return false;
    const campaignScope = scope === 'campaign';
    const changed = campaignScope
      ? await tx.$executeRaw`UPDATE signatures SET updates_withdrawn_at = now()
          WHERE supporter_id = ${ids.supporterId}::uuid AND campaign_id = ${ids.campaignId}::uuid AND updates_withdrawn_at IS NULL`
      : await tx.$executeRaw`INSERT INTO mail_suppressions (email_hash, reason)
          SELECT email_hash, 'unsubscribed' FROM supporters WHERE id = ${ids.supporterId}::uuid
          ON CONFLICT (email_hash) DO NOTHING`;
    if (changed > 0) {
      const withdrawal = await tx.consentWithdrawal.create({
        data: { supporterId: ids.supporterId, campaignId: campaignScope ? ids.campaignId : null, scope, via, wording },
        select: { id: true },
      });
      await recordDomainEvents(tx, [
        domainEvent('supporter.unsubscribed', ids.supporterId, {
          supporterId: ids.supporterId,
          campaignId: campaignScope ? ids.campaignId : null,
          scope,
          withdrawalId: withdrawal.id,
        }),
      ]);
    }
    return true;
  });
}

/** What the page shows: whether this campaign's updates, or all mail, are already stopped. */
export async function unsubscribeState(
  db: Db,
  ids: { supporterId: string; campaignId: string },
): Promise<{ campaign: boolean; all: boolean; campaignTitle: string | null }> {
  const row = await sqlRow(db, StateRow)`
    SELECT EXISTS (SELECT 1 FROM signatures WHERE supporter_id = p.id AND campaign_id = ${ids.campaignId}::uuid AND updates_withdrawn_at IS NOT NULL) AS campaign,
           EXISTS (SELECT 1 FROM mail_suppressions m WHERE m.email_hash = p.email_hash) AS "all",
           (SELECT title FROM campaigns WHERE id = ${ids.campaignId}::uuid) AS title
    FROM supporters p WHERE p.id = ${ids.supporterId}::uuid`;
  return row ? { campaign: row.campaign, all: row.all, campaignTitle: row.title } : { campaign: true, all: true, campaignTitle: null };
}
