import type { Db, DbClient } from '../../platform/db';

/**
 * Orders sending a supporter's personal data elsewhere (a webhook body with their name and email)
 * against erasing it. A sender holds the supporter's lock shared from reading the data until its
 * request has ended; an erasure takes it exclusively before deleting. So an erasure waits for
 * requests already carrying the data (at most their timeout), and a sender that starts after the
 * erasure reads the erased rows: nothing personal reaches a receiver after `supporter.erased`.
 * Transaction-level advisory locks: a crash releases them with its connection.
 */
const lockKey = (supporterId: string) => `supporter-personal-data:${supporterId}`;

/** Runs `send` with the supporter's lock held shared, on the transaction's connection, for at most `timeoutMs`. */
export async function withPersonalDataOf<T>(db: Db, supporterId: string, timeoutMs: number, send: (tx: DbClient) => Promise<T>): Promise<T> {
  return db.$transaction(
    async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock_shared(hashtextextended(${lockKey(supporterId)}, 0))`;
      return send(tx);
    },
    // Waiting for an erasure to commit is part of the time; the transaction outlives the request.
    { timeout: timeoutMs, maxWait: timeoutMs },
  );
}

/** Takes every supporter's lock exclusively, in one order (two erasures of overlapping sets cannot deadlock). */
export async function lockPersonalDataForErasure(tx: DbClient, supporterIds: readonly string[]): Promise<void> {
  const keys = [...new Set(supporterIds)].map(lockKey).sort();
  await tx.$executeRaw`
    SELECT count(pg_advisory_xact_lock(hashtextextended(k, 0)))
    FROM (SELECT k FROM unnest(${keys}::text[]) AS k ORDER BY k) ordered`;
}
