import { z } from 'zod';
import type { DbClient } from '../../platform/db';
import { addManyToOutbox, checkDedupeKey } from '../../platform/outbox';
import { JOBS, jobQueue } from '../../platform/queues';
import { sql, sqlRow, sqlRows } from '../../platform/sql-rows';

/** All SQL of webhooks: endpoints, the fan-out of events to deliveries, attempts. */

const endpointSelect = {
  id: true,
  url: true,
  events: true,
  personalData: true,
  createdAt: true,
  consecutiveFailures: true,
  failingSince: true,
  lastSuccessAt: true,
  disabledAt: true,
  disabledReason: true,
} as const;

export function insertEndpoint(
  db: DbClient,
  row: { id: string; url: string; events: string[]; personalData: boolean; secretEncrypted: string; createdBy: string | null },
) {
  return db.webhookEndpoint.create({ data: row, select: endpointSelect });
}

export function listEndpoints(db: DbClient) {
  return db.webhookEndpoint.findMany({ orderBy: { createdAt: 'asc' }, select: endpointSelect });
}

export function findEndpoint(db: DbClient, id: string) {
  return db.webhookEndpoint.findUnique({ where: { id }, select: endpointSelect });
}

export function listDisabledByFailure(db: DbClient) {
  return db.webhookEndpoint.findMany({ where: { disabledReason: 'failing' }, orderBy: { disabledAt: 'desc' }, select: endpointSelect });
}

/** Enabling clears the failure run, so the endpoint gets its full three days again. */
export function setDisabled(db: DbClient, id: string, disabled: boolean) {
  return db.webhookEndpoint.updateMany({
    where: { id },
    data: disabled
      ? { disabledAt: new Date(), disabledReason: 'owner' }
      : { disabledAt: null, disabledReason: null, consecutiveFailures: 0, failingSince: null },
  });
}

export function deleteEndpoint(db: DbClient, id: string) {
  return db.webhookEndpoint.deleteMany({ where: { id } });
}

export function listDeliveries(db: DbClient, endpointId: string, limit: number) {
  return db.webhookDelivery.findMany({
    where: { endpointId },
    orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
    take: limit,
    select: {
      id: true,
      status: true,
      attempts: true,
      replays: true,
      lastStatusCode: true,
      lastAttemptAt: true,
      deliveredAt: true,
      createdAt: true,
      event: { select: { id: true, type: true, occurredAt: true } },
      attemptLog: { orderBy: { attemptedAt: 'asc' }, select: { attemptedAt: true, statusCode: true, error: true, durationMs: true } },
    },
  });
}

const SEND_KEY_PREFIX = checkDedupeKey('webhook-');

/**
 * One delivery per enabled endpoint that takes the event's type, each with its send job through the
 * outbox, in one statement: run twice (a redone fan-out job), it adds nothing.
 */
export async function fanOut(db: DbClient, eventId: string): Promise<number> {
  return db.$executeRaw`
    WITH deliveries AS (
      INSERT INTO webhook_deliveries (event_id, endpoint_id)
      SELECT e.id, w.id FROM domain_events e JOIN webhook_endpoints w ON w.disabled_at IS NULL AND e.type = ANY(w.events)
      WHERE e.id = ${eventId}::uuid
      ON CONFLICT (event_id, endpoint_id) DO NOTHING
      RETURNING id
    )
    INSERT INTO outbox_events (queue, job_name, payload, dedupe_key)
    SELECT ${jobQueue[JOBS.sendWebhook]}, ${JOBS.sendWebhook}, jsonb_build_object('deliveryId', id::text), ${SEND_KEY_PREFIX} || id::text || '-0'
    FROM deliveries
    ON CONFLICT (dedupe_key) DO NOTHING`;
}

const DeliveryForSend = z.strictObject({
  id: sql.uuid,
  status: sql.text,
  endpoint_id: sql.uuid,
  url: sql.text,
  secret_encrypted: sql.text,
  personal_data: sql.bool,
  events: z.array(z.string()),
  disabled: sql.bool,
  consecutive_failures: sql.int,
  event_id: sql.uuid,
  type: sql.text,
  subject_id: sql.uuid,
  data: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  occurred_at: sql.timestamp,
});
export type DeliveryForSend = z.infer<typeof DeliveryForSend>;

export function deliveryForSend(db: DbClient, deliveryId: string): Promise<DeliveryForSend | null> {
  return sqlRow(db, DeliveryForSend)`
    SELECT d.id::text, d.status, w.id::text AS endpoint_id, w.url, w.secret_encrypted, w.personal_data, w.events,
      w.disabled_at IS NOT NULL AS disabled, w.consecutive_failures, e.id::text AS event_id, e.type, e.subject_id::text, e.data, e.occurred_at
    FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id JOIN domain_events e ON e.id = d.event_id
    WHERE d.id = ${deliveryId}::uuid`;
}

export function markSkipped(db: DbClient, deliveryId: string) {
  return db.webhookDelivery.updateMany({ where: { id: deliveryId, status: 'pending' }, data: { status: 'skipped' } });
}

export interface AttemptOutcome {
  deliveryId: string;
  endpointId: string;
  ok: boolean;
  /** No retry follows a failure: the delivery has failed for good. */
  final: boolean;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  disableAfterSeconds: number;
}

/**
 * Records an attempt: its row, the delivery's state, and the endpoint's run of failures. An
 * endpoint that has been failing for `disableAfterSeconds` is disabled here, in the same statement
 * that counts the failure.
 */
export async function recordAttempt(db: DbClient, o: AttemptOutcome): Promise<{ disabledNow: boolean }> {
  await db.$executeRaw`
    INSERT INTO webhook_delivery_attempts (delivery_id, status_code, error, duration_ms)
    VALUES (${o.deliveryId}::uuid, ${o.statusCode}::int, ${o.error}, ${o.durationMs}::int)`;
  const status = o.ok ? 'delivered' : o.final ? 'failed' : 'pending';
  await db.$executeRaw`
    UPDATE webhook_deliveries SET attempts = attempts + 1, last_status_code = ${o.statusCode}::int, last_attempt_at = now(),
      status = ${status}, delivered_at = CASE WHEN ${o.ok} THEN now() ELSE delivered_at END
    WHERE id = ${o.deliveryId}::uuid`;
  if (o.ok) {
    await db.$executeRaw`
      UPDATE webhook_endpoints SET consecutive_failures = 0, failing_since = NULL, last_success_at = now() WHERE id = ${o.endpointId}::uuid`;
    return { disabledNow: false };
  }
  const rows = await sqlRows(db, z.strictObject({ disabled_now: sql.bool }))`
    UPDATE webhook_endpoints SET consecutive_failures = consecutive_failures + 1, failing_since = coalesce(failing_since, now()),
      disabled_reason = CASE WHEN disabled_at IS NULL AND coalesce(failing_since, now()) <= now() - make_interval(secs => ${o.disableAfterSeconds}) THEN 'failing' ELSE disabled_reason END,
      disabled_at = CASE WHEN disabled_at IS NULL AND coalesce(failing_since, now()) <= now() - make_interval(secs => ${o.disableAfterSeconds}) THEN now() ELSE disabled_at END
    WHERE id = ${o.endpointId}::uuid
    RETURNING coalesce(disabled_reason = 'failing' AND disabled_at >= now(), false) AS disabled_now`;
  return { disabledNow: rows[0]?.disabled_now ?? false };
}

/**
 * Replays deliveries: back to pending with a new job (the replay count is part of its id), the
 * same webhook-id. One delivery, or an endpoint's deliveries whose events occurred in [from, to).
 */
export async function replay(db: DbClient, where: { deliveryId: string } | { endpointId: string; from: Date; to: Date; limit: number }): Promise<number> {
  const rows =
    'deliveryId' in where
      ? await sqlRows(db, z.strictObject({ id: sql.uuid, replays: sql.int }))`
        UPDATE webhook_deliveries SET status = 'pending', replays = replays + 1 WHERE id = ${where.deliveryId}::uuid RETURNING id::text, replays`
      : await sqlRows(db, z.strictObject({ id: sql.uuid, replays: sql.int }))`
        UPDATE webhook_deliveries d SET status = 'pending', replays = d.replays + 1
        FROM (SELECT d2.id FROM webhook_deliveries d2 JOIN domain_events e ON e.id = d2.event_id
              WHERE d2.endpoint_id = ${where.endpointId}::uuid AND e.occurred_at >= ${where.from} AND e.occurred_at < ${where.to}
              ORDER BY e.occurred_at LIMIT ${where.limit} FOR UPDATE OF d2) picked
        WHERE d.id = picked.id RETURNING d.id::text, d.replays`;
  if (rows.length === 0) return 0;
  await addManyToOutbox(
    db,
    JOBS.sendWebhook,
    rows.map((row) => ({ payload: { deliveryId: row.id }, dedupeKey: `${SEND_KEY_PREFIX}${row.id}-${row.replays}` })),
  );
  return rows.length;
}
