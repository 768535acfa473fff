import { z } from 'zod';
import { sql, sqlRows } from '../../../platform/sql-rows';
import { Prisma, type Db, type DbClient } from '../../../platform/db';
import { chosenTemplateSql } from '../templates';
import { domainEvent, recordDomainEvents } from '../../../platform/domain-events';
import { SEALED, type SealedValue } from '../../supporters';

/** All SQL about letters. */

export interface LetterDraft {
  /** The id the letter gets (made by the caller: its paragraph is sealed for it). */
  id: string;
  targetId: string;
  status: 'held' | 'queued' | 'review';
  reviewReason: string | null;
  /** The request's paragraph sealed for this letter's id, or null. */
  paragraphEncrypted: string | null;
}

const RecordedLetterRow = z.strictObject({
  id: sql.text,
  target_id: sql.text,
  status: z.enum(['held', 'queued', 'review']),
});
export type RecordedLetter = z.infer<typeof RecordedLetterRow>;

/**
 * One letter per (campaign, supporter, delegation). Asking again changes nothing, except that a
 * letter still held (waiting for its approval) is taken over by the newer request, so that
 * someone who typed another person's address cannot block that person's own letters; what was
 * taken over can no longer be approved from the older request's email. A taken-over letter gets
 * the new draft's id with its paragraph, since the paragraph is sealed for that id (a held letter
 * has no job yet, so nothing refers to the old id).
 */
export async function recordLetters(
  db: DbClient,
  common: {
    campaignId: string;
    supporterId: string;
    attemptId: string;
    approvalId: string;
    fingerprint: bigint | null;
  },
  drafts: LetterDraft[],
): Promise<RecordedLetter[]> {
  if (drafts.length === 0) return [];
  return sqlRows(db, RecordedLetterRow)`
    INSERT INTO letters (id, campaign_id, supporter_id, target_id, attempt_id, approval_id, status, review_reason, paragraph_encrypted, paragraph_fingerprint, queued_at)
    SELECT d.id, ${common.campaignId}::uuid, ${common.supporterId}::uuid, d.target_id, ${common.attemptId}::uuid, ${common.approvalId}::uuid, d.status::"LetterStatus", d.review_reason,
           d.paragraph_encrypted, ${common.fingerprint}::bigint, CASE WHEN d.status = 'queued' THEN now() END
    FROM unnest(${drafts.map((d) => d.id)}::uuid[], ${drafts.map((d) => d.targetId)}::uuid[], ${drafts.map((d) => d.status)}::text[], ${drafts.map((d) => d.reviewReason)}::text[],
      ${drafts.map((d) => d.paragraphEncrypted)}::text[])
      AS d(id, target_id, status, review_reason, paragraph_encrypted)
    ON CONFLICT (campaign_id, supporter_id, target_id) DO UPDATE SET
      id = EXCLUDED.id, attempt_id = EXCLUDED.attempt_id, approval_id = EXCLUDED.approval_id, status = EXCLUDED.status, review_reason = EXCLUDED.review_reason,
      paragraph_encrypted = EXCLUDED.paragraph_encrypted, paragraph_fingerprint = EXCLUDED.paragraph_fingerprint, queued_at = EXCLUDED.queued_at
    WHERE letters.status = 'held'
    RETURNING id, target_id, status::text AS status`;
}

/** How many letters to each delegation in the last day carry a near-identical paragraph. */
export async function countNearIdentical(db: DbClient, targetIds: string[], fingerprint: bigint, maxBits: number): Promise<Map<string, number>> {
  const rows = await sqlRows(db, z.strictObject({ target_id: sql.text, n: sql.bigint }))`
    SELECT target_id, count(*) AS n FROM letters
    WHERE target_id = ANY(${targetIds}::uuid[]) AND created_at > now() - interval '24 hours'
      AND paragraph_fingerprint IS NOT NULL AND status <> 'cancelled'
      AND bit_count((paragraph_fingerprint # ${fingerprint}::bigint)::bit(64)) <= ${maxBits}
    GROUP BY target_id`;
  return new Map(rows.map((r) => [r.target_id, Number(r.n)]));
}

/**
 * queued → sending, or a `sending` whose lease expired (its worker died mid-send) → sending again.
 * Only the caller that gets a row back may send. A letter whose (campaign, delegation) is under a
 * digest override is never claimed alone: it waits for the digest, which claims it the same way.
 */
export async function claimForSending(db: DbClient, letterId: string, leaseSeconds: number): Promise<{ attempts: number } | null> {
  const [row] = await sqlRows(db, z.strictObject({ attempts: z.number() }))`
    UPDATE letters SET status = 'sending', sending_at = now(), attempts = attempts + 1
    WHERE id = ${letterId}::uuid
      AND (status = 'queued' OR (status = 'sending' AND sending_at < now() - make_interval(secs => ${leaseSeconds})))
      AND NOT EXISTS (SELECT 1 FROM target_digest_overrides o WHERE o.campaign_id = letters.campaign_id AND o.target_id = letters.target_id)
    RETURNING attempts`;
  return row ?? null;
}

const DeliveryRowSchema = z.strictObject({
  id: sql.text,
  status: sql.text,
  sending_at: sql.timestamp.nullable(),
  paragraph_encrypted: sql.text.nullable(),
  attempt_id: sql.text,
  campaign_id: sql.text,
  slug: sql.text,
  title: sql.text,
  summary: sql.text.nullable(),
  campaign_language: sql.text,
  source_organisation: sql.text,
  source_url: sql.text.nullable(),
  statement_date: sql.timestamp.nullable(),
  sender_name: sql.text,
  sender_email: sql.text,
  letter_mode: sql.text,
  letter_test_mode: sql.bool,
  demands: z.array(z.strictObject({ position: z.number(), title: sql.text, quote: sql.text })),
  target_id: sql.text,
  iso2: sql.text,
  country: sql.text,
  mission_name: sql.text,
  salutation: sql.text,
  time_zone: sql.text,
  preferred_language: sql.text,
  hourly_cap: z.number().nullable(),
  supporter_id: sql.text,
  email_encrypted: sql.text,
  name_encrypted: sql.text,
  typed: sql.bool,
  signature_id: sql.text.nullable(),
  signature_country: sql.text.nullable(),
  city_encrypted: sql.text.nullable(),
  template_id: sql.text.nullable(),
  template_language: sql.text.nullable(),
  template_updated_at: sql.timestamp.nullable(),
  translation: z.strictObject({ language: sql.text, title: sql.text, summary: sql.text.nullable(), demands: z.unknown() }).nullable(),
  addresses: z.array(z.strictObject({ id: sql.text, email: sql.text })),
  digest_override: sql.bool,
});

/**
 * Everything sending one letter needs, in one raw query (no ORM call, no query compilation): the
 * letter, its campaign with demands, delegation, supporter and signature; which template the letter
 * is written with (`chosenTemplateSql`, for the delegation's language) and that language's campaign
 * translation; the delegation's deliverable
 * addresses (best first).
 */
export async function findLetterForDelivery(db: DbClient, letterId: string) {
  const [row] = await sqlRows(db, DeliveryRowSchema)`
    SELECT l.id, l.status::text AS status, l.sending_at, l.paragraph_encrypted, l.attempt_id,
      c.id AS campaign_id, c.slug, c.title, c.summary, c.language AS campaign_language, c.source_organisation, c.source_url,
      c.statement_date, c.sender_name, c.sender_email, c.letter_mode::text AS letter_mode, c.letter_test_mode,
      (SELECT coalesce(json_agg(json_build_object('position', d.position, 'title', d.title, 'quote', d.quote) ORDER BY d.position), '[]'::json)
        FROM demands d WHERE d.campaign_id = c.id) AS demands,
      t.id AS target_id, t.iso2, t.country, t.mission_name, t.salutation, t.time_zone, t.preferred_language, t.hourly_cap,
      s.id AS supporter_id, s.email_encrypted,
      -- Signed as the request that wrote it typed (and its mailbox approved); older rows: the supporter's.
      coalesce(sa.name_encrypted, s.name_encrypted) AS name_encrypted, sa.name_encrypted IS NOT NULL AS typed, sig.id AS signature_id,
      CASE WHEN sa.name_encrypted IS NOT NULL THEN sa.country ELSE sig.country END AS signature_country,
      CASE WHEN sa.name_encrypted IS NOT NULL THEN sa.city_encrypted ELSE sig.city_encrypted END AS city_encrypted,
      tpl.id AS template_id, tpl.language AS template_language, tpl.updated_at AS template_updated_at,
      (SELECT json_build_object('language', ct.language, 'title', ct.title, 'summary', ct.summary, 'demands', ct.demands)
        FROM campaign_translations ct WHERE ct.campaign_id = c.id AND ct.language = coalesce(tpl.language, 'en')) AS translation,
      (SELECT coalesce(json_agg(json_build_object('id', a.id, 'email', a.email) ORDER BY a.placeholder, a.health, a.email), '[]'::json)
        FROM target_addresses a WHERE a.target_id = t.id AND a.health IN ('active', 'soft_bounced')) AS addresses,
      EXISTS (SELECT 1 FROM target_digest_overrides o WHERE o.campaign_id = c.id AND o.target_id = t.id) AS digest_override
    FROM letters l
    JOIN campaigns c ON c.id = l.campaign_id
    JOIN targets t ON t.id = l.target_id
    JOIN supporters s ON s.id = l.supporter_id
    JOIN signing_attempts sa ON sa.id = l.attempt_id
    LEFT JOIN signatures sig ON sig.id = sa.signature_id
    LEFT JOIN LATERAL (${chosenTemplateSql(Prisma.raw('c.id'), Prisma.raw('t.preferred_language'), Prisma.raw('c.language'))}) tpl ON true
    WHERE l.id = ${letterId}::uuid`;
  if (!row) return null;
  return {
    id: row.id,
    status: row.status as 'held' | 'queued' | 'review' | 'sending' | 'sent' | 'failed' | 'cancelled',
    sendingAt: row.sending_at,
    paragraph: row.paragraph_encrypted ? ({ envelope: row.paragraph_encrypted, column: SEALED.letterParagraph, rowId: row.id } satisfies SealedValue) : null,
    attemptId: row.attempt_id,
    campaign: {
      id: row.campaign_id,
      slug: row.slug,
      title: row.title,
      summary: row.summary,
      language: row.campaign_language,
      sourceOrganisation: row.source_organisation,
      sourceUrl: row.source_url,
      statementDate: row.statement_date,
      senderName: row.sender_name,
      senderEmail: row.sender_email,
      letterMode: row.letter_mode,
      letterTestMode: row.letter_test_mode,
      demands: row.demands,
      translations: row.translation ? [row.translation] : [],
    },
    target: {
      id: row.target_id,
      iso2: row.iso2,
      country: row.country,
      missionName: row.mission_name,
      salutation: row.salutation,
      timeZone: row.time_zone,
      preferredLanguage: row.preferred_language,
      hourlyCap: row.hourly_cap,
    },
    supporter: {
      id: row.supporter_id,
      email: { envelope: row.email_encrypted, column: SEALED.supporterEmail, rowId: row.supporter_id } satisfies SealedValue,
      // Each sealed value opens only for the row it came from: the attempt's, or the supporter's and signature's.
      name: (row.typed
        ? { envelope: row.name_encrypted, column: SEALED.attemptName, rowId: row.attempt_id }
        : { envelope: row.name_encrypted, column: SEALED.supporterName, rowId: row.supporter_id }) satisfies SealedValue,
    },
    signature: {
      country: row.signature_country,
      city: row.city_encrypted
        ? ((row.typed
            ? { envelope: row.city_encrypted, column: SEALED.attemptCity, rowId: row.attempt_id }
            : { envelope: row.city_encrypted, column: SEALED.signatureCity, rowId: row.signature_id! }) satisfies SealedValue)
        : null,
    },
    /** The template the letter is written with; null when the campaign has none (the default letter). */
    template: row.template_id ? { id: row.template_id, language: row.template_language!, updatedAt: row.template_updated_at! } : null,
    /** Deliverable addresses of the delegation, best first. */
    addresses: row.addresses,
    /** The delegation asked (List-Unsubscribe) for this campaign's letters as the daily digest. */
    digestOverride: row.digest_override,
  };
}

export type LetterForDelivery = NonNullable<Awaited<ReturnType<typeof findLetterForDelivery>>>;

/** What a letter's domain event names (webhooks): ids and the new status, never the paragraph or the answer text. */
const ChangedLetter = z.strictObject({ id: sql.uuid, campaign_id: sql.uuid, supporter_id: sql.uuid, target_id: sql.uuid });

async function recordLetterEvents(tx: DbClient, type: 'letter.sent' | 'letter.failed', rows: Array<z.infer<typeof ChangedLetter>>): Promise<void> {
  await recordDomainEvents(
    tx,
    rows.map((r) =>
      domainEvent(type, r.id, { letterId: r.id, campaignId: r.campaign_id, supporterId: r.supporter_id, targetId: r.target_id, status: type.slice(7) }),
    ),
  );
}

/** Marks letters sent, with their `letter.sent` events in the same transaction. */
export async function markSent(
  db: Db,
  letterIds: string[],
  details: { messageId: string; smtpResponse: string; digestKey?: string; language?: string },
): Promise<number> {
  return db.$transaction(async (tx) => {
    const rows = await sqlRows(tx, ChangedLetter)`
      UPDATE letters SET status = 'sent', sent_at = ${new Date()}, message_id = ${details.messageId}, last_smtp_response = ${details.smtpResponse},
        digest_key = ${details.digestKey ?? null}, language = coalesce(${details.language ?? null}::text, language)
      WHERE id = ANY(${letterIds}::uuid[]) AND status = 'sending'
      RETURNING id::text, campaign_id::text, supporter_id::text, target_id::text`;
    await recordLetterEvents(tx, 'letter.sent', rows);
    return rows.length;
  });
}

/** Marks letters failed for good, with their `letter.failed` events in the same transaction. */
export async function markFailed(db: Db, letterIds: string[], smtpResponse: string): Promise<void> {
  await db.$transaction(async (tx) => {
    const rows = await sqlRows(tx, ChangedLetter)`
      UPDATE letters SET status = 'failed', failed_at = ${new Date()}, last_smtp_response = ${smtpResponse}
      WHERE id = ANY(${letterIds}::uuid[]) AND status IN ('sending', 'queued')
      RETURNING id::text, campaign_id::text, supporter_id::text, target_id::text`;
    await recordLetterEvents(tx, 'letter.failed', rows);
  });
}

/**
 * A hard bounce that came after the letter left (a DSN to its return path, a provider's notice).
 * A letter goes to every deliverable address of its delegation, so it reached nobody only when
 * none is left deliverable: then it becomes failed, with its `letter.failed` event, in the
 * report's transaction (and so do the other letters of its digest, which were the same message).
 * A bounce from one of several addresses leaves it sent: the others took it. Admins can retry a
 * failed letter once the delegation has a working address again.
 */
export async function failSentLetterAfterBounce(tx: DbClient, letterId: string, status: string): Promise<number> {
  const rows = await sqlRows(tx, ChangedLetter)`
    UPDATE letters l SET status = 'failed', failed_at = ${new Date()}, last_smtp_response = ${`bounced after it was sent (${status})`}
    FROM letters named
    WHERE named.id = ${letterId}::uuid
      AND (l.id = named.id OR (named.digest_key IS NOT NULL AND l.digest_key = named.digest_key))
      AND l.status = 'sent'
      AND NOT EXISTS (SELECT 1 FROM target_addresses a WHERE a.target_id = l.target_id AND a.health IN ('active', 'soft_bounced'))
    RETURNING l.id::text, l.campaign_id::text, l.supporter_id::text, l.target_id::text`;
  await recordLetterEvents(tx, 'letter.failed', rows);
  return rows.length;
}

export async function markCancelled(db: DbClient, letterId: string, reason: string): Promise<void> {
  await db.letter.updateMany({ where: { id: letterId, status: 'sending' }, data: { status: 'cancelled', reviewReason: reason } });
}

/** A temporary failure: back to queued, to be retried by the job's backoff. */
/**
 * A live worker keeps its claim while the SMTP server (or the transport's pool) is still taking the
 * message: without this, a send slower than the lease would be claimed again by another job or
 * the sweeper and reach the delegation twice. Only a dead worker's lease now runs out.
 */
export async function renewLease(db: DbClient, letterIds: string[]): Promise<void> {
  await db.$executeRaw`UPDATE letters SET sending_at = now() WHERE id = ANY(${letterIds}::uuid[]) AND status = 'sending'`;
}

export async function markRetrying(db: DbClient, letterIds: string[], smtpResponse: string): Promise<void> {
  await db.letter.updateMany({ where: { id: { in: letterIds }, status: 'sending' }, data: { status: 'queued', lastSmtpResponse: smtpResponse } });
}

export function listLetters(db: DbClient, filter: { campaignSlug?: string; status: 'failed' | 'review'; limit: number }) {
  return db.letter.findMany({
    where: { status: filter.status, ...(filter.campaignSlug ? { campaign: { slug: filter.campaignSlug } } : {}) },
    orderBy: { createdAt: 'desc' },
    take: filter.limit,
    select: {
      id: true,
      status: true,
      attempts: true,
      lastSmtpResponse: true,
      reviewReason: true,
      createdAt: true,
      failedAt: true,
      campaign: { select: { slug: true } },
      target: { select: { iso2: true, country: true } },
    },
  });
}

/** failed or review → queued, for an admin's retry. Returns the letters that changed. */
export async function requeue(db: DbClient, letterIds: string[]) {
  return sqlRows(db, z.strictObject({ id: sql.text, attempts: z.number(), letter_mode: sql.text, campaign_id: sql.text, target_id: sql.text }))`
    UPDATE letters l SET status = 'queued', queued_at = now(), review_reason = NULL, failed_at = NULL
    FROM campaigns c
    WHERE l.id = ANY(${letterIds}::uuid[]) AND l.status IN ('failed', 'review') AND c.id = l.campaign_id
    RETURNING l.id, l.attempts, c.letter_mode::text AS letter_mode, l.campaign_id, l.target_id`;
}

/** Claims every queued letter of one campaign to one delegation for a digest message. */
export function claimForDigest(db: DbClient, campaignId: string, targetId: string, leaseSeconds: number) {
  return sqlRows(db, z.strictObject({ id: sql.text, supporter_id: sql.text, attempt_id: sql.text, paragraph_encrypted: sql.text.nullable() }))`
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
      supporterId: true,
      attemptId: true,
      supporter: { select: { nameEncrypted: true } },
      attempt: { select: { nameEncrypted: true, country: true, signature: { select: { country: true } } } },
    },
  });
}

export function findCampaignAndTargetForDigest(db: DbClient, campaignId: string, targetId: string) {
  return Promise.all([
    db.campaign.findUnique({
      where: { id: campaignId },
      select: {
        id: true,
        slug: true,
        title: true,
        sourceOrganisation: true,
        sourceUrl: true,
        statementDate: true,
        senderName: true,
        senderEmail: true,
        letterTestMode: true,
        digestPeriodMinutes: true,
        language: true,
        demands: { select: { title: true, quote: true }, orderBy: { position: 'asc' } },
      },
    }),
    db.target.findUnique({
      where: { id: targetId },
      select: { id: true, iso2: true, country: true, missionName: true, salutation: true, timeZone: true, hourlyCap: true, preferredLanguage: true },
    }),
  ]);
}

// ───────────────────────────── digest overrides (List-Unsubscribe of letters) ─────────────────────────────

/** The (campaign, delegation) pairs among these whose letters go out as the daily digest. */
export async function findDigestOverrides(db: DbClient, pairs: Array<{ campaignId: string; targetId: string }>): Promise<Set<string>> {
  if (pairs.length === 0) return new Set();
  const rows = await sqlRows(db, z.strictObject({ campaign_id: sql.text, target_id: sql.text }))`
    SELECT o.campaign_id::text, o.target_id::text FROM target_digest_overrides o
    JOIN unnest(${pairs.map((p) => p.campaignId)}::uuid[], ${pairs.map((p) => p.targetId)}::uuid[]) AS p(campaign_id, target_id)
      ON p.campaign_id = o.campaign_id AND p.target_id = o.target_id`;
  return new Set(rows.map((r) => overrideKey(r.campaign_id, r.target_id)));
}

export const overrideKey = (campaignId: string, targetId: string) => `${campaignId}/${targetId}`;

/**
 * A letter still waiting (queued, or `sending` with its lease run out) whose (campaign,
 * delegation) is under a digest override: its single-letter job hands it to the digest.
 */
export async function isWaitingUnderOverride(db: DbClient, letterId: string, leaseSeconds: number): Promise<boolean> {
  const rows = await sqlRows(db, z.strictObject({ n: z.number() }))`
    SELECT 1 AS n FROM letters l JOIN target_digest_overrides o ON o.campaign_id = l.campaign_id AND o.target_id = l.target_id
    WHERE l.id = ${letterId}::uuid
      AND (l.status = 'queued' OR (l.status = 'sending' AND l.sending_at < now() - make_interval(secs => ${leaseSeconds})))`;
  return rows.length > 0;
}
