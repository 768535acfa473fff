import { z } from 'zod';
import { sql, sqlRows } from '../../platform/sql-rows';
import type { Db, DbClient } from '../../platform/db';
import { domainEvent, recordDomainEvents } from '../../platform/domain-events';
import type { MailingCounts } from './mailings.schemas';

/** All of the mailings' Prisma and SQL. */

const LockedMailingRow = z.strictObject({ status: z.enum(['draft', 'sending', 'paused', 'cancelled', 'done']), campaign_id: sql.uuid, run: z.number() });

export interface MailingRow {
  id: string;
  campaignId: string;
  status: 'draft' | 'sending' | 'paused' | 'cancelled' | 'done';
  language: string;
  languages: string[];
  countries: string[];
  ratePerMinute: number | null;
  run: number;
  createdAt: Date;
  finishedAt: Date | null;
  campaign: { slug: string };
  versions: Array<{ language: string; subject: string; text: string; html: string | null }>;
}

const mailingSelect = {
  id: true,
  campaignId: true,
  status: true,
  language: true,
  languages: true,
  countries: true,
  ratePerMinute: true,
  run: true,
  createdAt: true,
  finishedAt: true,
  campaign: { select: { slug: true } },
  versions: { select: { language: true, subject: true, text: true, html: true } },
} as const;

export async function findMailing(db: DbClient, id: string): Promise<MailingRow | null> {
  return db.mailing.findUnique({ where: { id }, select: mailingSelect });
}

/** What a run re-reads before each claim: a pause, a cancel or a new rate takes effect within one batch. */
export async function findSendingState(db: DbClient, id: string): Promise<{ status: MailingRow['status']; ratePerMinute: number | null } | null> {
  return db.mailing.findUnique({ where: { id }, select: { status: true, ratePerMinute: true } });
}

export async function listMailings(db: DbClient, campaignId: string): Promise<MailingRow[]> {
  return db.mailing.findMany({ where: { campaignId }, select: mailingSelect, orderBy: { createdAt: 'desc' }, take: 100 });
}

/** Locks the mailing's row for a state change: the status read is the one the change applies to. */
export async function lockMailing(db: DbClient, id: string): Promise<{ status: MailingRow['status']; campaign_id: string; run: number } | undefined> {
  const [row] = await sqlRows(db, LockedMailingRow)`
    SELECT status::text AS status, campaign_id, run FROM mailings WHERE id = ${id}::uuid FOR UPDATE`;
  return row;
}

export async function createMailing(
  db: DbClient,
  campaignId: string,
  language: string,
  filters: { languages: string[]; countries: string[] },
  versions: Array<{ language: string; subject: string; text: string; html: string | null }>,
): Promise<string> {
  const created = await db.mailing.create({
    data: { campaignId, language, languages: filters.languages, countries: filters.countries, versions: { create: versions } },
    select: { id: true },
  });
  return created.id;
}

/**
 * The recipients, fixed when sending starts: the campaign's confirmed signatures that agreed to
 * updates and have not withdrawn, whose address is not suppressed (bounce, complaint, "this
 * wasn't me", unsubscribed from all), narrowed by the signing's language and the country given.
 * Unique per (mailing, supporter): running it twice adds nobody twice.
 */
export async function materialiseRecipients(
  db: DbClient,
  mailing: { id: string; campaignId: string; language: string; languages: string[]; countries: string[] },
): Promise<number> {
  return db.$executeRaw`
    INSERT INTO mailing_recipients (mailing_id, supporter_id, signature_id, language)
    SELECT ${mailing.id}::uuid, s.supporter_id, s.id, coalesce(la.locale, ${mailing.language})
    FROM signatures s
    -- A retention stand-in (anonymised_at) names nobody: there is no one to write to.
    JOIN supporters p ON p.id = s.supporter_id AND p.anonymised_at IS NULL
    LEFT JOIN LATERAL (SELECT a.locale FROM signing_attempts a WHERE a.signature_id = s.id ORDER BY a.created_at DESC LIMIT 1) la ON true
    WHERE s.campaign_id = ${mailing.campaignId}::uuid AND s.status = 'confirmed' AND s.consent_updates AND s.updates_withdrawn_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM mail_suppressions m WHERE m.email_hash = p.email_hash)
      AND (cardinality(${mailing.languages}::text[]) = 0 OR coalesce(la.locale, ${mailing.language}) = ANY(${mailing.languages}::text[]))
      AND (cardinality(${mailing.countries}::text[]) = 0 OR s.country = ANY(${mailing.countries}::text[]))
    ON CONFLICT (mailing_id, supporter_id) DO NOTHING`;
}

export async function setStatus(
  db: DbClient,
  id: string,
  status: MailingRow['status'],
  extra: { run?: number; ratePerMinute?: number; sendRequested?: boolean } = {},
): Promise<void> {
  await db.mailing.update({
    where: { id },
    data: {
      status,
      ...(extra.run !== undefined ? { run: extra.run } : {}),
      ...(extra.ratePerMinute !== undefined ? { ratePerMinute: extra.ratePerMinute } : {}),
      ...(extra.sendRequested ? { sendRequestedAt: new Date() } : {}),
      ...(status === 'done' || status === 'cancelled' ? { finishedAt: new Date() } : {}),
    },
  });
}

/** Cancelling: whoever has not had their turn yet gets nothing. Rows mid-send finish as they go. */
export async function cancelQueuedRecipients(db: DbClient, mailingId: string): Promise<number> {
  return db.$executeRaw`UPDATE mailing_recipients SET status = 'cancelled' WHERE mailing_id = ${mailingId}::uuid AND status = 'queued'`;
}

export async function countRecipients(db: DbClient, mailingIds: string[]): Promise<Map<string, MailingCounts>> {
  const rows =
    mailingIds.length === 0
      ? []
      : await sqlRows(db, z.strictObject({ mailing_id: sql.text, status: sql.text, n: z.number() }))`
    SELECT mailing_id, status::text AS status, count(*)::int AS n FROM mailing_recipients WHERE mailing_id = ANY(${mailingIds}::uuid[]) GROUP BY 1, 2`;
  const counts = new Map<string, MailingCounts>();
  for (const id of mailingIds) counts.set(id, { recipients: 0, queued: 0, sent: 0, failed: 0, bounced: 0, unsubscribed: 0 });
  for (const row of rows) {
    const c = counts.get(row.mailing_id)!;
    c.recipients += row.n;
    if (row.status === 'queued' || row.status === 'sending') c.queued += row.n;
    else if (row.status === 'sent') c.sent += row.n;
    else if (row.status === 'failed') c.failed += row.n;
    else if (row.status === 'bounced') c.bounced += row.n;
    else if (row.status === 'skipped_unsubscribed') c.unsubscribed += row.n;
  }
  return counts;
}

// ── Delivery ─────────────────────────────────────────────────────────────────────────────────

const ClaimedRecipientRow = z.strictObject({
  id: sql.text,
  supporter_id: sql.text,
  language: sql.text,
  attempts: z.number(),
  email_encrypted: sql.text,
  name_encrypted: sql.text,
  /** Unsubscribed from this campaign, or the address is suppressed, since the recipients were fixed. */
  stopped: sql.bool,
});
export type ClaimedRecipient = z.infer<typeof ClaimedRecipientRow>;

/**
 * Claims up to `limit` queued recipients (queued → sending, with the lease starting now). Several
 * workers may claim at once; each row goes to one. Only a claimed row is sent. In no particular
 * order: an ORDER BY would sort every queued row of the mailing at each claim (a 20,000-recipient
 * mailing re-sorted 2,000 times), where the (mailing_id, status) index stops at the limit.
 */
export async function claimRecipients(db: DbClient, mailingId: string, limit: number): Promise<ClaimedRecipient[]> {
  return sqlRows(db, ClaimedRecipientRow)`
    WITH claimed AS (
      UPDATE mailing_recipients r SET status = 'sending', sending_at = now(), attempts = r.attempts + 1
      FROM (SELECT id FROM mailing_recipients WHERE mailing_id = ${mailingId}::uuid AND status = 'queued'
            LIMIT ${limit} FOR UPDATE SKIP LOCKED) c
      WHERE r.id = c.id
      RETURNING r.id, r.supporter_id, r.signature_id, r.language, r.attempts
    )
    SELECT c.id, c.supporter_id, c.language, c.attempts, p.email_encrypted, p.name_encrypted,
      (s.updates_withdrawn_at IS NOT NULL OR EXISTS (SELECT 1 FROM mail_suppressions m WHERE m.email_hash = p.email_hash)) AS stopped
    FROM claimed c JOIN supporters p ON p.id = c.supporter_id JOIN signatures s ON s.id = c.signature_id`;
}

export type RecipientOutcome = 'sent' | 'failed' | 'bounced' | 'skipped_unsubscribed' | 'queued';

/** Records what happened to a claimed row; a row no longer `sending` (swept, then sent elsewhere) is left alone. */
export async function recordOutcome(db: DbClient, recipientId: string, outcome: RecipientOutcome, smtpResponse: string | null): Promise<void> {
  await db.$executeRaw`
    UPDATE mailing_recipients SET status = ${outcome}::"MailingRecipientStatus", last_smtp_response = ${smtpResponse},
      sent_at = CASE WHEN ${outcome} = 'sent' THEN now() ELSE sent_at END, sending_at = NULL
    WHERE id = ${recipientId}::uuid AND status = 'sending'`;
}

export interface AcceptedMessage {
  recipientId: string;
  smtpResponse: string;
}

/** recordOutcome(…, 'sent', …) for a whole batch in one statement; rows no longer `sending` are left alone. */
export async function recordSent(db: DbClient, accepted: AcceptedMessage[]): Promise<void> {
  if (accepted.length === 0) return;
  await db.$executeRaw`
    UPDATE mailing_recipients r SET status = 'sent', last_smtp_response = a.response, sent_at = now(), sending_at = NULL
    FROM unnest(${accepted.map((a) => a.recipientId)}::uuid[], ${accepted.map((a) => a.smtpResponse)}::text[]) AS a(id, response)
    WHERE r.id = a.id AND r.status = 'sending'`;
}

/** A mailing with nobody left queued or mid-send is done. */
export async function finishIfDone(db: Db, mailingId: string): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const rows = await sqlRows(tx, FinishedMailing)`
      UPDATE mailings SET status = 'done', finished_at = now(), updated_at = now()
      WHERE id = ${mailingId}::uuid AND status = 'sending'
        AND NOT EXISTS (SELECT 1 FROM mailing_recipients WHERE mailing_id = ${mailingId}::uuid AND status IN ('queued', 'sending'))
      RETURNING id::text, campaign_id::text`;
    await recordMailingsFinished(tx, rows);
    return rows.length > 0;
  });
}

/** What a finished mailing's domain event names (webhooks): ids only. */
export const FinishedMailing = z.strictObject({ id: sql.uuid, campaign_id: sql.uuid });

export async function recordMailingsFinished(tx: DbClient, rows: Array<z.infer<typeof FinishedMailing>>): Promise<void> {
  await recordDomainEvents(
    tx,
    rows.map((r) => domainEvent('mailing.finished', r.id, { mailingId: r.id, campaignId: r.campaign_id, status: 'done' })),
  );
}

/**
 * Tests an account asked for in the last hour (their audit rows), with the account's advisory lock
 * held to the transaction's end: the count and the new test's row are one step.
 */
export async function countRecentTests(db: DbClient, accountId: string): Promise<number> {
  await db.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('mailing-test:' || ${accountId}))`;
  const [row] = await sqlRows(db, z.strictObject({ n: z.number() }))`
    SELECT count(*)::int AS n FROM audit_events WHERE action = 'mailings.test' AND actor_account_id = ${accountId}::uuid AND at > now() - interval '1 hour'`;
  return row?.n ?? 0;
}

/** The address a staff member's test goes to (disabled accounts get none). */
export async function findAccountAddress(db: DbClient, accountId: string): Promise<string | null> {
  const account = await db.adminAccount.findUnique({ where: { id: accountId }, select: { email: true, disabledAt: true } });
  return account && !account.disabledAt ? account.email : null;
}

export async function findCampaignBySlug(db: DbClient, slug: string): Promise<{ id: string; language: string } | null> {
  return db.campaign.findUnique({ where: { slug }, select: { id: true, language: true } });
}

export interface CampaignForMail {
  id: string;
  slug: string;
  title: string;
  language: string;
  senderName: string;
  senderEmail: string;
}

export async function findCampaignForMail(db: DbClient, id: string): Promise<CampaignForMail | null> {
  return db.campaign.findUnique({ where: { id }, select: { id: true, slug: true, title: true, language: true, senderName: true, senderEmail: true } });
}

/**
 * A report that came back later (a bounce or a complaint about a message that was accepted):
 * the recipient counts as bounced. Only a `sent` row moves, so a report delivered twice, or one
 * about a row an SMTP refusal already marked, changes nothing.
 */
export async function markRecipientBounced(db: DbClient, recipientId: string): Promise<boolean> {
  return (await db.$executeRaw`UPDATE mailing_recipients SET status = 'bounced' WHERE id = ${recipientId}::uuid AND status = 'sent'`) > 0;
}
