import type { DbClient } from '../../platform/db';
import type { RollupKey } from '../campaigns';

/** All SQL about supporters and their signatures. */

/** Finds or creates the supporter for a lookup hash; an existing supporter's data is never overwritten. */
export async function upsertSupporter(db: DbClient, row: { emailHash: Buffer; emailEncrypted: string; nameEncrypted: string }): Promise<string> {
  const [supporter] = await db.$queryRaw<{ id: string }[]>`
    INSERT INTO supporters (email_hash, email_encrypted, name_encrypted)
    VALUES (${row.emailHash}, ${row.emailEncrypted}, ${row.nameEncrypted})
    ON CONFLICT (email_hash) DO UPDATE SET email_hash = EXCLUDED.email_hash
    RETURNING id`;
  return supporter!.id;
}

export interface NewSignature {
  campaignId: string;
  supporterId: string;
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

export interface SigningOutcome {
  id: string;
  status: 'pending' | 'confirmed' | 'invalidated';
  inserted: boolean;
  createdAt: Date;
}

/**
 * One signature per (campaign, supporter), decided by the unique index, so 50 identical requests
 * at once still make one row. A repeat changes nothing the supporter said the first time: someone
 * who knows an address must not be able to rewrite that person's signature.
 */
export async function insertOrTouchSignature(db: DbClient, s: NewSignature): Promise<SigningOutcome> {
  const [outcome] = await db.$queryRaw<SigningOutcome[]>`
    INSERT INTO signatures (campaign_id, supporter_id, country, city_encrypted, comment_encrypted, email_domain,
      source, partner, utm_source, utm_medium, utm_campaign, ip_hash, consent_updates, consent_wording_id, consented_at)
    VALUES (${s.campaignId}::uuid, ${s.supporterId}::uuid, ${s.country}, ${s.cityEncrypted}, ${s.commentEncrypted}, ${s.emailDomain},
      ${s.source}, ${s.partner ?? null}, ${s.utmSource}, ${s.utmMedium}, ${s.utmCampaign}, ${s.ipHash}, ${s.consentUpdates}, ${s.consentWordingId}, now())
    ON CONFLICT (campaign_id, supporter_id) DO UPDATE
      SET repeat_count = signatures.repeat_count + 1, last_repeated_at = now()
    RETURNING id, status::text AS status, (xmax = 0) AS inserted, created_at AS "createdAt"`;
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
  await db.signingAttempt.create({ data: attempt, select: { id: true } });
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
