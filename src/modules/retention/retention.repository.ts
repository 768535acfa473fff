import { z } from 'zod';
import { Prisma, type DbClient } from '../../platform/db';
import { sql, sqlRow, sqlRows } from '../../platform/sql-rows';

/** The queries of a retention run and its dry run. Identifiers in SQL are constants of this file. */

const CampaignRow = z.strictObject({ id: sql.uuid, slug: sql.text, expired: sql.bool });
export type CampaignRef = z.infer<typeof CampaignRow>;
const SignatureRow = z.strictObject({ id: sql.uuid, supporterId: sql.uuid });
const IdRow = z.strictObject({ id: sql.uuid });
const CountRow = z.strictObject({ n: sql.bigint });

/** A closed campaign whose retention has run out: personal data on it goes. */
const expiredCampaign = (c: string, now: Date) => Prisma.sql`${Prisma.raw(c)}.status = 'closed' AND ${Prisma.raw(c)}.closed_at IS NOT NULL
  AND ${Prisma.raw(c)}.closed_at + make_interval(days => ${Prisma.raw(c)}.retention_days) <= ${now}::timestamptz`;

/** Every campaign (a small table), and whether its retention has run out. */
export async function campaigns(db: DbClient, now: Date): Promise<CampaignRef[]> {
  return sqlRows(db, CampaignRow)`
    SELECT c.id::text AS id, c.slug, (${expiredCampaign('c', now)}) AS expired FROM campaigns c ORDER BY c.slug`;
}

/** Retention runs take turns: each batch holds this lock for its transaction, so two workers never split one supporter's signatures. */
export async function takeRetentionLock(tx: DbClient): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended('clarion-retention', 0))`;
}

/**
 * Signatures that leave for good (`expire`): never confirmed after the cutoff, or still pending on
 * a campaign past its retention. Locked, a batch at a time, with their supporters and letters.
 */
export async function lockUnconfirmed(tx: DbClient, campaign: CampaignRef, cutoff: Date, limit: number) {
  return sqlRows(tx, SignatureRow)`
    SELECT s.id::text AS id, s.supporter_id::text AS "supporterId" FROM signatures s
    WHERE s.campaign_id = ${campaign.id}::uuid AND s.status = 'pending' AND (${campaign.expired}::boolean OR s.created_at < ${cutoff}::timestamptz)
    ORDER BY s.id LIMIT ${limit} FOR UPDATE OF s`;
}

/** Letters of these signatures (a letter belongs to the signature of its campaign and supporter). */
export async function countLettersOf(tx: DbClient, signatureIds: readonly string[]): Promise<number> {
  const row = await sqlRow(tx, CountRow)`
    SELECT count(*) AS n FROM letters l JOIN signatures s ON s.campaign_id = l.campaign_id AND s.supporter_id = l.supporter_id
    WHERE s.id = ANY(${[...signatureIds]}::uuid[])`;
  return Number(row?.n ?? 0);
}

/**
 * Confirmed and invalidated signatures on an expired campaign whose supporter is still a person
 * (not yet moved to a stand-in). Locked with the supporters they belong to, in id order.
 */
export async function lockExpiredSignatures(tx: DbClient, campaignId: string, limit: number) {
  const rows = await sqlRows(tx, SignatureRow)`
    SELECT s.id::text AS id, s.supporter_id::text AS "supporterId" FROM signatures s JOIN supporters p ON p.id = s.supporter_id
    WHERE s.campaign_id = ${campaignId}::uuid AND s.status <> 'pending' AND p.anonymised_at IS NULL
    ORDER BY s.id LIMIT ${limit} FOR UPDATE OF s`;
  if (rows.length > 0)
    await lockSupporters(
      tx,
      rows.map((r) => r.supporterId),
    );
  return rows;
}

/** Locks supporter rows, so a signing by the same address waits until we decided whether they go. */
export async function lockSupporters(tx: DbClient, supporterIds: readonly string[]): Promise<void> {
  await tx.$executeRaw`SELECT 1 FROM supporters WHERE id = ANY(${[...new Set(supporterIds)]}::uuid[]) ORDER BY id FOR UPDATE`;
}

export interface StandIn {
  id: string;
  emailHash: Buffer;
  emailEncrypted: string;
  nameEncrypted: string;
}

export async function insertStandIns(tx: DbClient, standIns: readonly StandIn[], now: Date): Promise<void> {
  await tx.supporter.createMany({
    data: standIns.map((s) => ({
      id: s.id,
      emailHash: new Uint8Array(s.emailHash),
      emailEncrypted: s.emailEncrypted,
      nameEncrypted: s.nameEncrypted,
      anonymisedAt: now,
    })),
  });
}

export interface Move {
  signatureId: string;
  from: string;
  to: string;
}

const moves = (list: readonly Move[]) =>
  Prisma.sql`(VALUES ${Prisma.join(list.map((m) => Prisma.sql`(${m.signatureId}::uuid, ${m.from}::uuid, ${m.to}::uuid)`))}) AS m (signature_id, old_supporter, new_supporter)`;

export interface AnonymisedCounts {
  letters: number;
  lettersDeleted: number;
}

/**
 * Moves each signature, with its letters, mailing rows and this campaign's withdrawals, from its
 * supporter to its stand-in, and removes everything personal on the way: city, comment, network
 * hash and email domain of the signature; name and city its signing attempts typed; approvals;
 * letters that never went out (held, never approved; failed; in review); the paragraph and SMTP
 * answer of those that did. Country, source, times and status stay: the counts and rollups are
 * made of those, and they do not change.
 */
export async function anonymiseSignatures(tx: DbClient, campaignId: string, list: readonly Move[]): Promise<AnonymisedCounts> {
  const ids = list.map((m) => m.signatureId);
  const owners = list.map((m) => m.from);
  await tx.$executeRaw`
    UPDATE signatures s SET supporter_id = m.new_supporter, city_encrypted = NULL, comment_encrypted = NULL, ip_hash = NULL, email_domain = ''
    FROM ${moves(list)} WHERE s.id = m.signature_id`;
  await tx.$executeRaw`UPDATE signing_attempts SET name_encrypted = NULL, city_encrypted = NULL WHERE signature_id = ANY(${ids}::uuid[])`;
  await tx.$executeRaw`DELETE FROM letter_approvals WHERE attempt_id IN (SELECT id FROM signing_attempts WHERE signature_id = ANY(${ids}::uuid[]))`;
  const lettersDeleted = await tx.$executeRaw`
    DELETE FROM letters WHERE campaign_id = ${campaignId}::uuid AND supporter_id = ANY(${owners}::uuid[]) AND status <> 'sent'`;
  const letters = await tx.$executeRaw`
    UPDATE letters l SET supporter_id = m.new_supporter, paragraph_encrypted = NULL, paragraph_fingerprint = NULL, last_smtp_response = NULL
    FROM ${moves(list)} WHERE l.campaign_id = ${campaignId}::uuid AND l.supporter_id = m.old_supporter`;
  await tx.$executeRaw`
    UPDATE mailing_recipients r SET supporter_id = m.new_supporter, last_smtp_response = NULL,
      -- A stand-in has no address: an update still waiting for this row will not be sent to it.
      status = CASE WHEN r.status = 'queued' THEN 'cancelled'::"MailingRecipientStatus" ELSE r.status END
    FROM ${moves(list)} WHERE r.signature_id = m.signature_id`;
  await tx.$executeRaw`
    UPDATE consent_withdrawals w SET supporter_id = m.new_supporter FROM ${moves(list)}
    WHERE w.campaign_id = ${campaignId}::uuid AND w.supporter_id = m.old_supporter`;
  return { letters: letters + lettersDeleted, lettersDeleted };
}

/** Of these (locked) supporters, the people left without any signature: nothing of theirs is needed any more. */
export async function withoutSignatures(tx: DbClient, supporterIds: readonly string[]): Promise<string[]> {
  const rows = await sqlRows(tx, IdRow)`
    SELECT p.id::text AS id FROM supporters p WHERE p.id = ANY(${[...new Set(supporterIds)]}::uuid[]) AND p.anonymised_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM signatures s WHERE s.supporter_id = p.id) ORDER BY p.id`;
  return rows.map((r) => r.id);
}

/** What typed names and cities signings discarded as automated kept on an expired campaign (they have no signature). */
export async function scrubDiscardedAttempts(tx: DbClient, campaignId: string, limit: number): Promise<number> {
  return tx.$executeRaw`
    UPDATE signing_attempts SET name_encrypted = NULL, city_encrypted = NULL
    WHERE id IN (SELECT id FROM signing_attempts WHERE campaign_id = ${campaignId}::uuid AND signature_id IS NULL
                   AND (name_encrypted IS NOT NULL OR city_encrypted IS NOT NULL) ORDER BY id LIMIT ${limit} FOR UPDATE)`;
}

/**
 * The anti-flood day counters of people about to be erased: keyed hashes of their address. They
 * would go within two days anyway (below); retention leaves no hash of an expired person behind.
 */
export async function deleteMailQuotaOf(tx: DbClient, supporterIds: readonly string[]): Promise<void> {
  if (supporterIds.length === 0) return;
  await tx.$executeRaw`DELETE FROM supporter_mail_quota q USING supporters p WHERE p.id = ANY(${[...supporterIds]}::uuid[]) AND q.email_hash = p.email_hash`;
}

/** Per-day mail counters (keyed hashes) matter for today only; older days go. */
export async function deleteOldMailQuota(tx: DbClient): Promise<number> {
  return tx.$executeRaw`DELETE FROM supporter_mail_quota WHERE day < current_date - 1`;
}

// --- the dry run ------------------------------------------------------------------------------

export interface CampaignPreview {
  unconfirmedSignatures: number;
  unconfirmedLetters: number;
  signatures: number;
  supporters: number;
  letters: number;
  discardedAttempts: number;
}

const PreviewRow = z.strictObject({
  unconfirmedSignatures: sql.bigint,
  unconfirmedLetters: sql.bigint,
  signatures: sql.bigint,
  supporters: sql.bigint,
  letters: sql.bigint,
  discardedAttempts: sql.bigint,
});

/** What a run would do to this campaign now, counted with the same conditions the run uses. */
export async function previewCampaign(db: DbClient, campaign: CampaignRef, cutoff: Date): Promise<CampaignPreview> {
  const row = await sqlRow(db, PreviewRow)`
    WITH unconfirmed AS (
      SELECT s.campaign_id, s.supporter_id FROM signatures s
      WHERE s.campaign_id = ${campaign.id}::uuid AND s.status = 'pending' AND (${campaign.expired}::boolean OR s.created_at < ${cutoff}::timestamptz)
    ), expiring AS (
      SELECT s.campaign_id, s.supporter_id FROM signatures s JOIN supporters p ON p.id = s.supporter_id
      WHERE ${campaign.expired}::boolean AND s.campaign_id = ${campaign.id}::uuid AND s.status <> 'pending' AND p.anonymised_at IS NULL
    )
    SELECT
      (SELECT count(*) FROM unconfirmed) AS "unconfirmedSignatures",
      (SELECT count(*) FROM letters l JOIN unconfirmed u USING (campaign_id, supporter_id)) AS "unconfirmedLetters",
      (SELECT count(*) FROM expiring) AS signatures,
      (SELECT count(DISTINCT supporter_id) FROM expiring) AS supporters,
      (SELECT count(*) FROM letters l JOIN expiring e USING (campaign_id, supporter_id)) AS letters,
      (SELECT count(*) FROM signing_attempts a WHERE ${campaign.expired}::boolean AND a.campaign_id = ${campaign.id}::uuid AND a.signature_id IS NULL
         AND (a.name_encrypted IS NOT NULL OR a.city_encrypted IS NOT NULL)) AS "discardedAttempts"`;
  const n = (v: bigint | undefined) => Number(v ?? 0);
  return {
    unconfirmedSignatures: n(row?.unconfirmedSignatures),
    unconfirmedLetters: n(row?.unconfirmedLetters),
    signatures: n(row?.signatures),
    supporters: n(row?.supporters),
    letters: n(row?.letters),
    discardedAttempts: n(row?.discardedAttempts),
  };
}

/**
 * People whose every signature leaves in this run (expires, or is on an expired campaign), and
 * people already without signatures: a run erases their supporter row.
 */
export async function previewErasedSupporters(db: DbClient, now: Date, cutoff: Date): Promise<number> {
  const row = await sqlRow(db, CountRow)`
    SELECT count(*) AS n FROM supporters p WHERE p.anonymised_at IS NULL
      AND EXISTS (SELECT 1 FROM signatures s JOIN campaigns c ON c.id = s.campaign_id WHERE s.supporter_id = p.id
                    AND (${expiredCampaign('c', now)} OR (s.status = 'pending' AND s.created_at < ${cutoff}::timestamptz)))
      AND NOT EXISTS (SELECT 1 FROM signatures s JOIN campaigns c ON c.id = s.campaign_id WHERE s.supporter_id = p.id
                    AND NOT (${expiredCampaign('c', now)} OR (s.status = 'pending' AND s.created_at < ${cutoff}::timestamptz)))`;
  return Number(row?.n ?? 0);
}
