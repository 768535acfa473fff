import { z } from 'zod';
import type { DbClient } from '../../platform/db';
import { sql, sqlRow } from '../../platform/sql-rows';
import { localiseTitle } from '../campaigns';
import { ledgerColumns, readLedgerRows, type LedgerSignature } from './signatures.ledger';

/** All SQL about supporters and their signatures. */

export interface NewSignature {
  /** Ids made by the caller, since the envelopes are sealed for them; unused when the row exists. */
  supporterId: string;
  signatureId: string;
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
/** What this request typed, sealed: the attempt keeps it for the letter step and its letters. */
export interface TypedSigner {
  nameEncrypted: string;
  cityEncrypted: string | null;
  country: string | null;
}

/**
 * The confirmation email a signing queues, as outbox rows checked by `outboxRow`: the statement
 * picks the variant (a first signing, or a repeat of a pending or confirmed one) and the key.
 */
export interface SigningEmail {
  queue: string;
  jobName: string;
  /** The signing attempt's id: the attempt row and the job's payload. */
  attemptId: string;
  locale: string;
  /** The checked payload of each variant the statement may choose. */
  payloads: { new: unknown; repeat_pending: unknown; repeat_confirmed: unknown };
  /** Dedupe key of a first signing's email. */
  newKey: string;
  /** A repeat's key is `<repeatKeyPrefix><signature id><repeatKeySuffix>`: one reminder per signature and window. */
  repeatKeyPrefix: string;
  repeatKeySuffix: string;
}

export interface SigningOutcome {
  id: string;
  status: 'pending' | 'confirmed' | 'invalidated';
  inserted: boolean;
  emailQueued: boolean;
  /** The signature as the ledger reads it: "from" is `absent` when this signing made it. */
  ledger: LedgerSignature;
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
 * queued: letters written with this signing go out only once that link is used. It also returns
 * the signature's ledger row (a repeat's is the stored one, unchanged), for the counts.
 */
export async function recordSigning(db: DbClient, s: NewSignature, email: SigningEmail, typed: TypedSigner): Promise<SigningOutcome> {
  const row = await sqlRow(db, SigningRow)`
    WITH supporter AS (
      INSERT INTO supporters (id, email_hash, email_encrypted, name_encrypted)
      VALUES (${s.supporterId}::uuid, ${s.emailHash}, ${s.emailEncrypted}, ${s.nameEncrypted})
      ON CONFLICT (email_hash) DO UPDATE SET email_hash = EXCLUDED.email_hash
      RETURNING id
    ), signature AS (
      INSERT INTO signatures (id, campaign_id, supporter_id, country, city_encrypted, comment_encrypted, email_domain,
        source, partner, utm_source, utm_medium, utm_campaign, ip_hash, consent_updates, consent_wording_id, consented_at)
      SELECT ${s.signatureId}::uuid, ${s.campaignId}::uuid, supporter.id, ${s.country}, ${s.cityEncrypted}, ${s.commentEncrypted}, ${s.emailDomain},
        ${s.source}, ${s.partner ?? null}, ${s.utmSource}, ${s.utmMedium}, ${s.utmCampaign}, ${s.ipHash}, ${s.consentUpdates}, ${s.consentWordingId}, now()
      FROM supporter
      ON CONFLICT (campaign_id, supporter_id) DO UPDATE
        SET repeat_count = signatures.repeat_count + 1, last_repeated_at = now()
      RETURNING id, status, (xmax = 0) AS inserted, campaign_id, created_at, country, source, partner, utm_source, utm_medium, utm_campaign
    ), email AS (
      INSERT INTO outbox_events (queue, job_name, payload, dedupe_key)
      SELECT ${email.queue}, ${email.jobName},
        CASE WHEN signature.inserted THEN ${JSON.stringify(email.payloads.new)}::jsonb
          WHEN signature.status = 'confirmed' THEN ${JSON.stringify(email.payloads.repeat_confirmed)}::jsonb
          ELSE ${JSON.stringify(email.payloads.repeat_pending)}::jsonb END,
        CASE WHEN signature.inserted THEN ${email.newKey}::text ELSE ${email.repeatKeyPrefix}::text || signature.id || ${email.repeatKeySuffix}::text END
      FROM signature
      WHERE signature.inserted OR signature.status <> 'invalidated'
      ON CONFLICT (dedupe_key) DO NOTHING
      RETURNING payload->>'variant' AS variant
    ), attempt AS (
      INSERT INTO signing_attempts (id, campaign_id, signature_id, email_queued, locale, name_encrypted, city_encrypted, country)
      SELECT ${email.attemptId}::uuid, ${s.campaignId}::uuid, signature.id, EXISTS (SELECT 1 FROM email WHERE variant <> 'repeat_confirmed'), ${email.locale},
        ${typed.nameEncrypted}, ${typed.cityEncrypted}, ${typed.country}
      FROM signature
      RETURNING email_queued
    )
    SELECT signature.id, signature.status::text AS status, signature.inserted, attempt.email_queued AS "emailQueued",
      ${ledgerColumns('signature')}, CASE WHEN signature.inserted THEN 'absent' ELSE signature.status::text END AS "from", signature.status::text AS "to"
    FROM signature, attempt`;
  const { id, status, inserted, emailQueued } = row!;
  return { id, status, inserted, emailQueued, ledger: readLedgerRows([row])[0]! };
}

export async function insertAttempt(
  db: DbClient,
  attempt: { id: string; campaignId: string; signatureId: string | null; emailQueued: boolean; locale?: string; typed?: TypedSigner },
): Promise<void> {
  await db.$executeRaw`
    INSERT INTO signing_attempts (id, campaign_id, signature_id, email_queued, locale, name_encrypted, city_encrypted, country)
    VALUES (${attempt.id}::uuid, ${attempt.campaignId}::uuid, ${attempt.signatureId}::uuid, ${attempt.emailQueued}, ${attempt.locale ?? 'en'},
      ${attempt.typed?.nameEncrypted ?? null}, ${attempt.typed?.cityEncrypted ?? null}, ${attempt.typed?.country ?? null})`;
}

/** First use of an attempt's link: returns false when it had been confirmed before. */
export async function markAttemptConfirmed(db: DbClient, attemptId: string): Promise<boolean> {
  const changed = await db.signingAttempt.updateMany({ where: { id: attemptId, confirmedAt: null }, data: { confirmedAt: new Date() } });
  return changed.count === 1;
}

/** An attempt with its signature (null for a discarded signing), its campaign and what it typed. */
export function findAttempt(db: DbClient, attemptId: string) {
  return db.signingAttempt.findUnique({
    where: { id: attemptId },
    select: {
      id: true,
      confirmedAt: true,
      emailQueued: true,
      locale: true,
      nameEncrypted: true,
      cityEncrypted: true,
      country: true,
      campaign: { select: { id: true, slug: true, title: true, senderName: true, senderEmail: true, status: true } },
      signature: {
        select: {
          id: true,
          status: true,
          supporterId: true,
          country: true,
          cityEncrypted: true,
          supporter: { select: { nameEncrypted: true } },
        },
      },
    },
  });
}

/** An attempt whose signature exists: what a confirmation link names. */
export async function findAttemptWithSignature(db: DbClient, attemptId: string) {
  const attempt = await findAttempt(db, attemptId);
  if (!attempt?.signature) return null;
  return { ...attempt, signature: { ...attempt.signature, campaign: attempt.campaign } };
}

const signatureStatus = z.enum(['pending', 'confirmed', 'invalidated']);

const AttemptForMailRow = z.strictObject({
  id: sql.uuid,
  confirmed_at: sql.timestamp.nullable(),
  locale: sql.text,
  letters: sql.int,
  signature_id: sql.uuid,
  status: signatureStatus,
  supporter_id: sql.uuid,
  email_hash: sql.text,
  email_encrypted: sql.text,
  name_encrypted: sql.text,
  campaign_id: sql.uuid,
  slug: sql.text,
  title: sql.text,
  sender_name: sql.text,
  sender_email: sql.text,
  campaign_language: sql.text,
  translated_title: sql.text.nullable(),
});

/** The signing's own columns; the ledger's columns beside them are read by readLedgerRows. */
const SigningRow = z.looseObject({ id: sql.uuid, status: signatureStatus, inserted: sql.bool, emailQueued: sql.bool });

const AddressRequestRow = z.strictObject({ kind: z.enum(['resend', 'erasure']), email_hash: sql.text, campaign_id: sql.uuid.nullable(), locale: sql.text });

/**
 * What a confirmation email needs, in one raw query (the worker sends one per signing): the
 * attempt, its letters' count, the signature, supporter and campaign, and the campaign's title in
 * the attempt's locale when it has that translation (as `localiseCampaign` chooses it).
 */
export async function findAttemptForMail(db: DbClient, attemptId: string) {
  const row = await sqlRow(db, AttemptForMailRow)`
    SELECT a.id, a.confirmed_at, a.locale, (SELECT count(*)::int FROM letters l WHERE l.attempt_id = a.id) AS letters,
      s.id AS signature_id, s.status::text AS status, p.id AS supporter_id, encode(p.email_hash, 'hex') AS email_hash, p.email_encrypted, p.name_encrypted,
      c.id AS campaign_id, c.slug, c.title, c.sender_name, c.sender_email, c.language AS campaign_language,
      (SELECT ct.title FROM campaign_translations ct WHERE ct.campaign_id = c.id AND ct.language = a.locale) AS translated_title
    FROM signing_attempts a
    JOIN signatures s ON s.id = a.signature_id
    JOIN supporters p ON p.id = s.supporter_id
    JOIN campaigns c ON c.id = s.campaign_id
    WHERE a.id = ${attemptId}::uuid`;
  if (!row) return null;
  return {
    id: row.id,
    confirmedAt: row.confirmed_at,
    locale: row.locale,
    letterCount: row.letters,
    signature: {
      id: row.signature_id,
      status: row.status,
      supporter: {
        id: row.supporter_id,
        emailHash: Buffer.from(row.email_hash, 'hex'),
        emailEncrypted: row.email_encrypted,
        nameEncrypted: row.name_encrypted,
      },
      campaign: {
        id: row.campaign_id,
        slug: row.slug,
        title: row.title,
        titleInLocale: localiseTitle({ language: row.campaign_language, title: row.title }, row.locale, row.translated_title),
        senderName: row.sender_name,
        senderEmail: row.sender_email,
      },
    },
  };
}

/** A supporter's pending signature in a campaign, for a fresh link. */
export function findPendingSignatureByEmail(db: DbClient, campaignId: string, emailHash: Buffer) {
  return db.signature.findFirst({
    where: { status: 'pending', campaignId, supporter: { emailHash: new Uint8Array(emailHash) } },
    select: { id: true },
  });
}

export async function hasWrittenLetters(db: DbClient, supporterId: string, campaignId: string): Promise<boolean> {
  return (await db.letter.findFirst({ where: { supporterId, campaignId }, select: { id: true } })) !== null;
}

export async function insertAddressRequest(
  db: DbClient,
  request: { id: string; kind: string; emailHash: Buffer; campaignId: string | null; locale: string },
): Promise<void> {
  await db.$executeRaw`
    INSERT INTO address_requests (id, kind, email_hash, campaign_id, locale)
    VALUES (${request.id}::uuid, ${request.kind}, ${request.emailHash}, ${request.campaignId}::uuid, ${request.locale})`;
}

/** Reads and deletes a request in one statement: the keyed hash is kept no longer than needed. */
export async function takeAddressRequest(db: DbClient, id: string) {
  // bytea is read as hex: Prisma's raw queries cannot return it through the pg adapter.
  const row = await sqlRow(db, AddressRequestRow)`
    DELETE FROM address_requests WHERE id = ${id}::uuid RETURNING kind, encode(email_hash, 'hex') AS email_hash, campaign_id, locale`;
  if (!row) return null;
  const locale = (['en', 'ru', 'kk'] as const).find((l) => l === row.locale) ?? 'en';
  return { kind: row.kind, emailHash: Buffer.from(row.email_hash, 'hex'), campaignId: row.campaign_id, locale };
}

export function findSupporterIdByEmailHash(db: DbClient, emailHash: Buffer) {
  return db.supporter.findUnique({ where: { emailHash: new Uint8Array(emailHash) }, select: { id: true } });
}

/** The server accepted the attempt's email: one message in the deliverability rates' denominator. */
export async function recordAttemptEmailSent(db: DbClient, attemptId: string): Promise<void> {
  await db.$executeRaw`UPDATE signing_attempts SET email_sent_at = now() WHERE id = ${attemptId}::uuid`;
}
