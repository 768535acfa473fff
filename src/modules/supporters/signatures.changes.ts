import { z } from 'zod';
import { Prisma, type DbClient } from '../../platform/db';
import { domainEvent, recordDomainEvents, type DomainEventType } from '../../platform/domain-events';
import { applyTransition, ledgerColumns, readLedgerRows, type LedgerSignature } from './signatures.ledger';

/**
 * The statements that change a signature's status or delete it outside signing and erasure, each
 * with its ledger move in the caller's transaction. Each picks rows in a subquery that locks them,
 * so the standing it reports as "from" is the one it changed (a concurrent change waits, then the
 * row is checked again). Confirming, invalidating and restoring also record their domain event
 * (`signature.confirmed`, …) in the same transaction, for webhooks.
 */

/** The ids a changed row also returns, for its domain event. */
const IDENTITY = Prisma.sql`s.id::text AS "signatureId", s.supporter_id::text AS "supporterId", s.status::text AS "status"`;
const identityRow = z.object({ signatureId: z.string(), supporterId: z.string(), status: z.string() });

async function recordSignatureEvents(tx: DbClient, type: DomainEventType, rows: readonly unknown[], ledger: readonly LedgerSignature[]): Promise<void> {
  await recordDomainEvents(
    tx,
    rows.map((raw, index) => {
      const { signatureId, supporterId, status } = identityRow.parse(raw);
      return domainEvent(type, signatureId, { signatureId, supporterId, campaignId: ledger[index]!.campaignId, status });
    }),
  );
}

/** pending → confirmed, exactly once however many times the link is used; null when nothing changed. */
export async function confirmPending(tx: DbClient, signatureId: string): Promise<LedgerSignature | null> {
  const raw = await tx.$queryRaw<unknown[]>`
    UPDATE signatures s SET status = 'confirmed', confirmed_at = now()
    FROM (SELECT id, status FROM signatures WHERE id = ${signatureId}::uuid AND status = 'pending' FOR UPDATE) old
    WHERE s.id = old.id
    RETURNING ${ledgerColumns('s')}, old.status::text AS "from", s.status::text AS "to", ${IDENTITY}`;
  const rows = readLedgerRows(raw);
  await applyTransition(tx, rows, 'confirm');
  await recordSignatureEvents(tx, 'signature.confirmed', raw, rows);
  return rows[0] ?? null;
}

export interface SignatureCondition {
  campaignId: string;
  ipHash?: Buffer | undefined;
  emailDomain?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
}

function conditionSql(c: SignatureCondition) {
  return Prisma.sql`campaign_id = ${c.campaignId}::uuid
    AND (${c.ipHash ?? null}::bytea IS NULL OR ip_hash = ${c.ipHash ?? null}::bytea)
    AND (${c.emailDomain ?? null}::text IS NULL OR email_domain = ${c.emailDomain ?? null}::text)
    AND (${c.from ?? null}::timestamptz IS NULL OR created_at >= ${c.from ?? null}::timestamptz)
    AND (${c.to ?? null}::timestamptz IS NULL OR created_at < ${c.to ?? null}::timestamptz)`;
}

/**
 * Invalidates up to `limit` matching signatures that count (fraud clean-up). They stay recorded
 * (who, when, why, and the status to return to) but leave the counts.
 */
export async function invalidateMatching(tx: DbClient, c: SignatureCondition, by: string, reason: string, limit: number): Promise<LedgerSignature[]> {
  const raw = await tx.$queryRaw<unknown[]>`
    UPDATE signatures s SET status = 'invalidated', status_before_invalidation = s.status,
      invalidated_at = now(), invalidated_by = ${by}, invalidation_reason = ${reason}
    FROM (SELECT id, status FROM signatures WHERE ${conditionSql(c)} AND status <> 'invalidated' ORDER BY id LIMIT ${limit} FOR UPDATE) old
    WHERE s.id = old.id
    RETURNING ${ledgerColumns('s')}, old.status::text AS "from", s.status::text AS "to", ${IDENTITY}`;
  const rows = readLedgerRows(raw);
  await applyTransition(tx, rows, 'invalidate');
  await recordSignatureEvents(tx, 'signature.invalidated', raw, rows);
  return rows;
}

/** Undoes invalidations: each signature returns to the status it had (pending if that was not kept). */
export async function restoreMatching(tx: DbClient, c: SignatureCondition, reason: string | undefined, limit: number): Promise<LedgerSignature[]> {
  const raw = await tx.$queryRaw<unknown[]>`
    UPDATE signatures s SET status = coalesce(s.status_before_invalidation, 'pending'), status_before_invalidation = NULL,
      invalidated_at = NULL, invalidated_by = NULL, invalidation_reason = NULL
    FROM (SELECT id, status FROM signatures WHERE ${conditionSql(c)} AND status = 'invalidated'
            AND (${reason ?? null}::text IS NULL OR invalidation_reason = ${reason ?? null}::text)
          ORDER BY id LIMIT ${limit} FOR UPDATE) old
    WHERE s.id = old.id
    RETURNING ${ledgerColumns('s')}, old.status::text AS "from", s.status::text AS "to", ${IDENTITY}`;
  const rows = readLedgerRows(raw);
  await applyTransition(tx, rows, 'restore');
  await recordSignatureEvents(tx, 'signature.restored', raw, rows);
  return rows;
}

/**
 * Retention: deletes those of `signatureIds` that were never confirmed (still pending), with their
 * signing attempts (ON DELETE CASCADE), and takes them out of the counts. Others are left alone.
 */
export async function expireSignatures(tx: DbClient, signatureIds: readonly string[]): Promise<LedgerSignature[]> {
  if (signatureIds.length === 0) return [];
  const rows = readLedgerRows(
    await tx.$queryRaw<unknown[]>`
    DELETE FROM signatures s
    USING (SELECT id, status FROM signatures WHERE id = ANY(${[...signatureIds]}::uuid[]) AND status = 'pending' ORDER BY id FOR UPDATE) old
    WHERE s.id = old.id
    RETURNING ${ledgerColumns('s')}, old.status::text AS "from", 'absent' AS "to"`,
  );
  await applyTransition(tx, rows, 'expire');
  return rows;
}
