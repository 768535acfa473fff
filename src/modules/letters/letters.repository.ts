import type { DbClient } from '../../platform/db';

/** All SQL about letters. */

export interface LetterDraft {
  targetId: string;
  status: 'held' | 'queued' | 'review';
  reviewReason: string | null;
}

export interface RecordedLetter {
  id: string;
  target_id: string;
  status: 'held' | 'queued' | 'review';
}

/**
 * One letter per (campaign, supporter, delegation). Asking again changes nothing, except that a
 * letter still held for an unconfirmed signing is taken over by the newer request, so that someone
 * who typed another person's address cannot block that person's own letters.
 */
export async function recordLetters(db: DbClient, common: {
  campaignId: string; supporterId: string; attemptId: string; paragraphEncrypted: string | null; fingerprint: bigint | null;
}, drafts: LetterDraft[]): Promise<RecordedLetter[]> {
  if (drafts.length === 0) return [];
  return db.$queryRaw<RecordedLetter[]>`
    INSERT INTO letters (campaign_id, supporter_id, target_id, attempt_id, status, review_reason, paragraph_encrypted, paragraph_fingerprint, queued_at)
    SELECT ${common.campaignId}::uuid, ${common.supporterId}::uuid, d.target_id, ${common.attemptId}::uuid, d.status::"LetterStatus", d.review_reason,
           ${common.paragraphEncrypted}, ${common.fingerprint}::bigint, CASE WHEN d.status = 'queued' THEN now() END
    FROM unnest(${drafts.map((d) => d.targetId)}::uuid[], ${drafts.map((d) => d.status)}::text[], ${drafts.map((d) => d.reviewReason)}::text[])
      AS d(target_id, status, review_reason)
    ON CONFLICT (campaign_id, supporter_id, target_id) DO UPDATE SET
      attempt_id = EXCLUDED.attempt_id, status = EXCLUDED.status, review_reason = EXCLUDED.review_reason,
      paragraph_encrypted = EXCLUDED.paragraph_encrypted, paragraph_fingerprint = EXCLUDED.paragraph_fingerprint, queued_at = EXCLUDED.queued_at
    WHERE letters.status = 'held'
    RETURNING id, target_id, status::text AS status`;
}

/** How many letters to each delegation in the last day carry a near-identical paragraph. */
export async function countNearIdentical(db: DbClient, targetIds: string[], fingerprint: bigint, maxBits: number): Promise<Map<string, number>> {
  const rows = await db.$queryRaw<{ target_id: string; n: bigint }[]>`
    SELECT target_id, count(*) AS n FROM letters
    WHERE target_id = ANY(${targetIds}::uuid[]) AND created_at > now() - interval '24 hours'
      AND paragraph_fingerprint IS NOT NULL AND status <> 'cancelled'
      AND bit_count((paragraph_fingerprint # ${fingerprint}::bigint)::bit(64)) <= ${maxBits}
    GROUP BY target_id`;
  return new Map(rows.map((r) => [r.target_id, Number(r.n)]));
}

/** Serialises letter requests with the confirmation of the same signing (see letters.service). */
export async function lockAttempt(db: DbClient, attemptId: string): Promise<{ confirmed: boolean; emailQueued: boolean } | null> {
  const [row] = await db.$queryRaw<{ confirmed_at: Date | null; email_queued: boolean }[]>`
    SELECT confirmed_at, email_queued FROM signing_attempts WHERE id = ${attemptId}::uuid FOR UPDATE`;
  return row ? { confirmed: row.confirmed_at !== null, emailQueued: row.email_queued } : null;
}

export async function markAttemptEmailQueued(db: DbClient, attemptId: string): Promise<void> {
  await db.signingAttempt.update({ where: { id: attemptId }, data: { emailQueued: true }, select: { id: true } });
}

export function releaseHeld(db: DbClient, attemptId: string) {
  return db.$queryRaw<{ id: string; campaign_id: string; target_id: string }[]>`
    UPDATE letters SET status = 'queued', queued_at = now()
    WHERE attempt_id = ${attemptId}::uuid AND status = 'held'
    RETURNING id, campaign_id, target_id`;
}

/**
 * queued → sending, or a `sending` whose lease expired (its worker died mid-send) → sending again.
 * Only the caller that gets a row back may send.
 */
export async function claimForSending(db: DbClient, letterId: string, leaseSeconds: number): Promise<{ attempts: number } | null> {
  const [row] = await db.$queryRaw<{ attempts: number }[]>`
    UPDATE letters SET status = 'sending', sending_at = now(), attempts = attempts + 1
    WHERE id = ${letterId}::uuid
      AND (status = 'queued' OR (status = 'sending' AND sending_at < now() - make_interval(secs => ${leaseSeconds})))
    RETURNING attempts`;
  return row ?? null;
}

export function findLetterForDelivery(db: DbClient, letterId: string) {
  return db.letter.findUnique({
    where: { id: letterId },
    select: {
      id: true, status: true, sendingAt: true, paragraphEncrypted: true, attemptId: true,
      campaign: {
        select: {
          id: true, slug: true, title: true, sourceOrganisation: true, sourceUrl: true, statementDate: true,
          senderName: true, senderEmail: true, letterMode: true, letterTestMode: true,
          demands: { select: { title: true, quote: true }, orderBy: { position: 'asc' } },
        },
      },
      target: { select: { id: true, iso2: true, country: true, missionName: true, salutation: true, timeZone: true, preferredLanguage: true, hourlyCap: true } },
      supporter: { select: { id: true, emailEncrypted: true, nameEncrypted: true } },
      attempt: { select: { signature: { select: { country: true, cityEncrypted: true } } } },
    },
  });
}

export type LetterForDelivery = NonNullable<Awaited<ReturnType<typeof findLetterForDelivery>>>;

export async function markSent(db: DbClient, letterIds: string[], details: { messageId: string; smtpResponse: string; digestKey?: string; language?: string }): Promise<number> {
  const { count } = await db.letter.updateMany({
    where: { id: { in: letterIds }, status: 'sending' },
    data: {
      status: 'sent', sentAt: new Date(), messageId: details.messageId, lastSmtpResponse: details.smtpResponse, digestKey: details.digestKey ?? null,
      ...(details.language ? { language: details.language } : {}),
    },
  });
  return count;
}

export async function markFailed(db: DbClient, letterIds: string[], smtpResponse: string): Promise<void> {
  await db.letter.updateMany({
    where: { id: { in: letterIds }, status: { in: ['sending', 'queued'] } },
    data: { status: 'failed', failedAt: new Date(), lastSmtpResponse: smtpResponse },
  });
}

export async function markCancelled(db: DbClient, letterId: string, reason: string): Promise<void> {
  await db.letter.updateMany({ where: { id: letterId, status: 'sending' }, data: { status: 'cancelled', reviewReason: reason } });
}

/** A temporary failure: back to queued, to be retried by the job's backoff. */
export async function markRetrying(db: DbClient, letterIds: string[], smtpResponse: string): Promise<void> {
  await db.letter.updateMany({ where: { id: { in: letterIds }, status: 'sending' }, data: { status: 'queued', lastSmtpResponse: smtpResponse } });
}

export function listLetters(db: DbClient, filter: { campaignSlug?: string; status: 'failed' | 'review'; limit: number }) {
  return db.letter.findMany({
    where: { status: filter.status, ...(filter.campaignSlug ? { campaign: { slug: filter.campaignSlug } } : {}) },
    orderBy: { createdAt: 'desc' },
    take: filter.limit,
    select: {
      id: true, status: true, attempts: true, lastSmtpResponse: true, reviewReason: true, createdAt: true, failedAt: true,
      campaign: { select: { slug: true } }, target: { select: { iso2: true, country: true } },
    },
  });
}

/** failed or review → queued, for an admin's retry. Returns the letters that changed. */
export async function requeue(db: DbClient, letterIds: string[]) {
  return db.$queryRaw<{ id: string; attempts: number; letter_mode: string; campaign_id: string; target_id: string }[]>`
    UPDATE letters l SET status = 'queued', queued_at = now(), review_reason = NULL, failed_at = NULL
    FROM campaigns c
    WHERE l.id = ANY(${letterIds}::uuid[]) AND l.status IN ('failed', 'review') AND c.id = l.campaign_id
    RETURNING l.id, l.attempts, c.letter_mode::text AS letter_mode, l.campaign_id, l.target_id`;
}


/** Claims every queued letter of one campaign to one delegation for a digest message. */
export function claimForDigest(db: DbClient, campaignId: string, targetId: string, leaseSeconds: number) {
  return db.$queryRaw<{ id: string; supporter_id: string; attempt_id: string; paragraph_encrypted: string | null }[]>`
    UPDATE letters SET status = 'sending', sending_at = now(), attempts = attempts + 1
    WHERE campaign_id = ${campaignId}::uuid AND target_id = ${targetId}::uuid
      AND (status = 'queued' OR (status = 'sending' AND sending_at < now() - make_interval(secs => ${leaseSeconds})))
    RETURNING id, supporter_id, attempt_id, paragraph_encrypted`;
}

export function findDigestEntries(db: DbClient, letterIds: string[]) {
  return db.letter.findMany({
    where: { id: { in: letterIds } },
    orderBy: { createdAt: 'asc' },
    select: {
      id: true,
      paragraphEncrypted: true,
      supporter: { select: { nameEncrypted: true } },
      attempt: { select: { signature: { select: { country: true } } } },
    },
  });
}

export function findCampaignAndTargetForDigest(db: DbClient, campaignId: string, targetId: string) {
  return Promise.all([
    db.campaign.findUnique({
      where: { id: campaignId },
      select: {
        id: true, slug: true, title: true, sourceOrganisation: true, sourceUrl: true, statementDate: true,
        senderName: true, senderEmail: true, letterTestMode: true, digestPeriodMinutes: true,
        demands: { select: { title: true, quote: true }, orderBy: { position: 'asc' } },
      },
    }),
    db.target.findUnique({ where: { id: targetId }, select: { id: true, iso2: true, country: true, missionName: true, salutation: true, timeZone: true, hourlyCap: true, preferredLanguage: true } }),
  ]);
}
