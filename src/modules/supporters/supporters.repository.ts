import type { DbClient } from '../../platform/db';
import type { RollupKey } from '../campaigns';

/** All SQL about supporters and their signatures. */

export interface NewSignature {
  campaignId: string;
  /** HMAC of the canonical email: finds the supporter; an existing supporter's data is never overwritten. */
  emailHash: Buffer;
  emailEncrypted: string;
  nameEncrypted: string;
  country: string | null;
  cityEncrypted: string | null;
  commentEncrypted: string | null;
  emailDomain: string;
  source: string | null;
  /** Origin of the partner site whose embedded form took the signature. */
  partner?: string | null;
  utmSource: string | null;
  utmMedium: string | null;
  utmCampaign: string | null;
  ipHash: Buffer | null;
  consentUpdates: boolean;
  consentWordingId: string;
}

/** The confirmation email a signing asks for, as an outbox row (see `platform/outbox`). */
export interface SigningEmail {
  queue: string;
  jobName: string;
  /** The signing attempt's id: the attempt row and the job's payload. */
  attemptId: string;
  locale: string;
  /** Dedupe key of a first signing's email. */
  newKey: string;
  /** A repeat's key is `confirm-<signature id>-repeat-<window>`: one reminder per signature and window. */
  repeatWindow: number;
}

export interface SigningOutcome {
  id: string;
  status: 'pending' | 'confirmed' | 'invalidated';
  inserted: boolean;
  createdAt: Date;
  emailQueued: boolean;
}

/**
 * A signing in one statement: the supporter (found or created), the signature, the confirmation
 * email's outbox row and the signing attempt, so the transaction pays one round trip for them.
 *
 * One signature per (campaign, supporter), decided by the unique index, so 50 identical requests
 * at once still make one row. A repeat changes nothing the supporter said the first time: someone
 * who knows an address must not be able to rewrite that person's signature. A first signing queues
 * the "new" email; a repeat queues a reminder ("repeat_pending", or "repeat_confirmed" without a
 * link) under a key of its hourly window, which the outbox's unique key lets through once; an
 * invalidated signature queues nothing. The attempt records whether an email with its link was
 * queued: letters written with this signing go out only once that link is used.
 */
export async function recordSigning(db: DbClient, s: NewSignature, email: SigningEmail): Promise<SigningOutcome> {
  const [outcome] = await db.$queryRaw<SigningOutcome[]>`
    WITH supporter AS (
      INSERT INTO supporters (email_hash, email_encrypted, name_encrypted)
      VALUES (${s.emailHash}, ${s.emailEncrypted}, ${s.nameEncrypted})
      ON CONFLICT (email_hash) DO UPDATE SET email_hash = EXCLUDED.email_hash
      RETURNING id
    ), signature AS (
      INSERT INTO signatures (campaign_id, supporter_id, country, city_encrypted, comment_encrypted, email_domain,
        source, partner, utm_source, utm_medium, utm_campaign, ip_hash, consent_updates, consent_wording_id, consented_at)
      SELECT ${s.campaignId}::uuid, supporter.id, ${s.country}, ${s.cityEncrypted}, ${s.commentEncrypted}, ${s.emailDomain},
        ${s.source}, ${s.partner ?? null}, ${s.utmSource}, ${s.utmMedium}, ${s.utmCampaign}, ${s.ipHash}, ${s.consentUpdates}, ${s.consentWordingId}, now()
      FROM supporter
      ON CONFLICT (campaign_id, supporter_id) DO UPDATE
        SET repeat_count = signatures.repeat_count + 1, last_repeated_at = now()
      RETURNING id, status, (xmax = 0) AS inserted, created_at
    ), email AS (
      INSERT INTO outbox_events (queue, job_name, payload, dedupe_key)
      SELECT ${email.queue}, ${email.jobName},
        jsonb_build_object('attemptId', ${email.attemptId}::text, 'variant',
          CASE WHEN signature.inserted THEN 'new' WHEN signature.status = 'confirmed' THEN 'repeat_confirmed' ELSE 'repeat_pending' END),
        CASE WHEN signature.inserted THEN ${email.newKey}::text ELSE 'confirm-' || signature.id || '-repeat-' || ${email.repeatWindow}::bigint END
      FROM signature
      WHERE signature.inserted OR signature.status <> 'invalidated'
      ON CONFLICT (dedupe_key) DO NOTHING
      RETURNING payload->>'variant' AS variant
    ), attempt AS (
      INSERT INTO signing_attempts (id, signature_id, email_queued, locale)
      SELECT ${email.attemptId}::uuid, signature.id, EXISTS (SELECT 1 FROM email WHERE variant <> 'repeat_confirmed'), ${email.locale}
      FROM signature
      RETURNING email_queued
    )
    SELECT signature.id, signature.status::text AS status, signature.inserted, signature.created_at AS "createdAt", attempt.email_queued AS "emailQueued"
    FROM signature, attempt`;
  return outcome!;
}

/** pending → confirmed, exactly once however many times the link is used. */
export async function markConfirmed(db: DbClient, signatureId: string): Promise<RollupKey | null> {
  const [row] = await db.$queryRaw<{ campaign_id: string; created_at: Date; country: string | null; source: string | null; utm_source: string | null; utm_medium: string | null; utm_campaign: string | null }[]>`
    UPDATE signatures SET status = 'confirmed', confirmed_at = now()
    WHERE id = ${signatureId}::uuid AND status = 'pending'
    RETURNING campaign_id, created_at, country, source, utm_source, utm_medium, utm_campaign`;
  return row
    ? { campaignId: row.campaign_id, signedAt: row.created_at, country: row.country, source: row.source, utmSource: row.utm_source, utmMedium: row.utm_medium, utmCampaign: row.utm_campaign }
    : null;
}

export async function insertAttempt(db: DbClient, attempt: { id: string; signatureId: string; emailQueued: boolean; locale?: string }): Promise<void> {
  await db.$executeRaw`
    INSERT INTO signing_attempts (id, signature_id, email_queued, locale)
    VALUES (${attempt.id}::uuid, ${attempt.signatureId}::uuid, ${attempt.emailQueued}, ${attempt.locale ?? 'en'})`;
}

/** First use of an attempt's link: returns false when it had been confirmed before. */
export async function markAttemptConfirmed(db: DbClient, attemptId: string): Promise<boolean> {
  const changed = await db.signingAttempt.updateMany({ where: { id: attemptId, confirmedAt: null }, data: { confirmedAt: new Date() } });
  return changed.count === 1;
}

export function findAttemptWithSignature(db: DbClient, attemptId: string) {
  return db.signingAttempt.findUnique({
    where: { id: attemptId },
    select: {
      id: true,
      confirmedAt: true,
      emailQueued: true,
      locale: true,
      signature: {
        select: {
          id: true,
          status: true,
          supporterId: true,
          country: true,
          campaign: { select: { id: true, slug: true, title: true, senderName: true, senderEmail: true, status: true } },
        },
      },
    },
  });
}

export function findAttemptForMail(db: DbClient, attemptId: string) {
  return db.signingAttempt.findUnique({
    where: { id: attemptId },
    select: {
      id: true,
      confirmedAt: true,
      locale: true,
      _count: { select: { letters: true } },
      signature: {
        select: {
          id: true,
          status: true,
          supporter: { select: { emailEncrypted: true, nameEncrypted: true } },
          campaign: { select: { id: true, slug: true, title: true, senderName: true, senderEmail: true } },
        },
      },
    },
  });
}

/** A supporter's pending signature in a campaign with its newest unconfirmed attempt, for a fresh link. */
export function findPendingSignatureByEmail(db: DbClient, campaignSlug: string, emailHash: Buffer) {
  return db.signature.findFirst({
    where: { status: 'pending', campaign: { slug: campaignSlug }, supporter: { emailHash: new Uint8Array(emailHash) } },
    select: { id: true, attempts: { where: { confirmedAt: null }, orderBy: { createdAt: 'desc' }, take: 1, select: { id: true } } },
  });
}

/** A fresh link reuses the newest attempt, so the letters held on it are released by the new link too. */
export async function markAttemptResent(db: DbClient, attemptId: string, locale: string): Promise<void> {
  await db.signingAttempt.update({ where: { id: attemptId }, data: { emailQueued: true, locale }, select: { id: true } });
}

export async function hasWrittenLetters(db: DbClient, supporterId: string, campaignId: string): Promise<boolean> {
  return (await db.letter.findFirst({ where: { supporterId, campaignId }, select: { id: true } })) !== null;
}
