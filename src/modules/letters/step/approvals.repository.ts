import { z } from 'zod';
import { sql, sqlRows } from '../../../platform/sql-rows';
import type { DbClient } from '../../../platform/db';
import { SEALED, type SealedValue } from '../../supporters';

/** All SQL about letters requests waiting for (or given) their mailbox's approval. */

export async function insertApproval(db: DbClient, approval: { id: string; attemptId: string; approved: boolean }): Promise<void> {
  await db.$executeRaw`
    INSERT INTO letter_approvals (id, attempt_id, approved_at)
    VALUES (${approval.id}::uuid, ${approval.attemptId}::uuid, CASE WHEN ${approval.approved} THEN now() END)`;
}

const ApprovalRowSchema = z.strictObject({
  id: sql.text,
  approved_at: sql.timestamp.nullable(),
  attempt_id: sql.text,
  locale: sql.text,
  typed_name: sql.text.nullable(),
  signature_id: sql.text.nullable(),
  signature_status: sql.text.nullable(),
  supporter_id: sql.text.nullable(),
  email_hash: sql.text.nullable(),
  email_encrypted: sql.text.nullable(),
  supporter_name: sql.text.nullable(),
  campaign_id: sql.text,
  slug: sql.text,
  title: sql.text,
  sender_name: sql.text,
  sender_email: sql.text,
  campaign_status: sql.text,
  letters: z.array(z.strictObject({ id: sql.text, iso2: sql.text, country: sql.text, paragraph_encrypted: sql.text.nullable() })),
});

/**
 * A request with what its email and page show: the name the letters carry, the campaign, and the
 * letters still held for this request (a newer request may have taken some over).
 */
export async function findApproval(db: DbClient, approvalId: string) {
  const [row] = await sqlRows(db, ApprovalRowSchema)`
    SELECT ap.id, ap.approved_at, a.id AS attempt_id, a.locale, a.name_encrypted AS typed_name,
      s.id AS signature_id, s.status::text AS signature_status, p.id AS supporter_id, encode(p.email_hash, 'hex') AS email_hash, p.email_encrypted, p.name_encrypted AS supporter_name,
      c.id AS campaign_id, c.slug, c.title, c.sender_name, c.sender_email, c.status::text AS campaign_status,
      (SELECT coalesce(json_agg(json_build_object('id', l.id, 'iso2', t.iso2, 'country', t.country, 'paragraph_encrypted', l.paragraph_encrypted) ORDER BY t.iso2), '[]'::json)
        FROM letters l JOIN targets t ON t.id = l.target_id
        WHERE l.approval_id = ap.id AND l.status = 'held') AS letters
    FROM letter_approvals ap
    JOIN signing_attempts a ON a.id = ap.attempt_id
    JOIN campaigns c ON c.id = a.campaign_id
    LEFT JOIN signatures s ON s.id = a.signature_id
    LEFT JOIN supporters p ON p.id = s.supporter_id
    WHERE ap.id = ${approvalId}::uuid`;
  if (!row) return null;
  return {
    id: row.id,
    approvedAt: row.approved_at,
    attemptId: row.attempt_id,
    locale: row.locale,
    signature: row.signature_id ? { id: row.signature_id, status: row.signature_status as 'pending' | 'confirmed' | 'invalidated' } : null,
    supporter: row.supporter_id
      ? {
          id: row.supporter_id,
          emailHash: Buffer.from(row.email_hash!, 'hex'),
          email: { envelope: row.email_encrypted!, column: SEALED.supporterEmail, rowId: row.supporter_id } satisfies SealedValue,
          // The name this request's signing typed; older attempts typed none: the supporter's.
          name: (row.typed_name
            ? { envelope: row.typed_name, column: SEALED.attemptName, rowId: row.attempt_id }
            : { envelope: row.supporter_name!, column: SEALED.supporterName, rowId: row.supporter_id }) satisfies SealedValue,
        }
      : null,
    campaign: {
      id: row.campaign_id,
      slug: row.slug,
      title: row.title,
      senderName: row.sender_name,
      senderEmail: row.sender_email,
      status: row.campaign_status,
    },
    letters: row.letters.map((l) => ({ iso2: l.iso2, country: l.country })),
    /** The request's paragraph, as its first held letter keeps it (each letter has its own copy). */
    paragraph: row.letters[0]?.paragraph_encrypted
      ? ({ envelope: row.letters[0].paragraph_encrypted, column: SEALED.letterParagraph, rowId: row.letters[0].id } satisfies SealedValue)
      : null,
  };
}

export type ApprovalForMail = NonNullable<Awaited<ReturnType<typeof findApproval>>>;

/** Approves a request once; returns false when it had been approved before (or does not exist). */
export async function markApproved(db: DbClient, approvalId: string): Promise<boolean> {
  const changed = await db.$executeRaw`UPDATE letter_approvals SET approved_at = now() WHERE id = ${approvalId}::uuid AND approved_at IS NULL`;
  return changed === 1;
}

/** The approved request's held letters, queued; what its email showed is what goes. */
export function releaseApproved(db: DbClient, approvalId: string) {
  return sqlRows(db, z.strictObject({ id: sql.text, campaign_id: sql.text, target_id: sql.text }))`
    UPDATE letters SET status = 'queued', queued_at = now()
    WHERE approval_id = ${approvalId}::uuid AND status = 'held'
    RETURNING id, campaign_id, target_id`;
}
