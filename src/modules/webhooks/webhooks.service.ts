import { randomUUID } from 'node:crypto';
import type { Platform } from '../../platform/context';
import type { Db } from '../../platform/db';
import { AppError } from '../../platform/errors';
import { auditedWrite, type StaffUseCase } from '../admin';
import { newSigningSecret, SECRET_COLUMN } from './secrets';
import * as repo from './webhooks.repository';

/** Endpoints as an owner registers and manages them; every write is audited in its own transaction. */

/** How many deliveries one range replay may requeue (a larger range: replay it in parts). */
export const REPLAY_RANGE_LIMIT = 10_000;

type EndpointRow = NonNullable<Awaited<ReturnType<typeof repo.findEndpoint>>>;

function shape(row: EndpointRow) {
  return {
    id: row.id,
    url: row.url,
    events: row.events,
    personalData: row.personalData,
    createdAt: row.createdAt.toISOString(),
    consecutiveFailures: row.consecutiveFailures,
    failingSince: row.failingSince?.toISOString() ?? null,
    lastSuccessAt: row.lastSuccessAt?.toISOString() ?? null,
    disabledAt: row.disabledAt?.toISOString() ?? null,
    disabledReason: (row.disabledReason as 'owner' | 'failing' | null) ?? null,
  };
}

export async function createEndpoint(ctx: StaffUseCase<Platform>, input: { url: string; events: string[]; personalData: boolean }) {
  const id = randomUUID();
  const secret = newSigningSecret();
  const row = await auditedWrite(ctx, 'webhooks.create', async (tx) => {
    const inserted = await repo.insertEndpoint(tx, {
      id,
      url: input.url,
      events: input.events,
      personalData: input.personalData,
      secretEncrypted: ctx.platform.cipher.seal(secret, SECRET_COLUMN, id),
      createdBy: ctx.actor.accountId ?? null,
    });
    return { result: inserted, subject: id, details: { events: input.events, personalData: input.personalData } };
  });
  return { ...shape(row), secret };
}

export async function listEndpoints(db: Db) {
  return (await repo.listEndpoints(db)).map(shape);
}

/** Endpoints the worker disabled after failing for days: the dashboard shows a notice for each. */
export async function endpointsDisabledByFailure(db: Db) {
  return (await repo.listDisabledByFailure(db)).map(shape);
}

export async function setEndpointDisabled(ctx: StaffUseCase, id: string, disabled: boolean) {
  return auditedWrite(ctx, disabled ? 'webhooks.disable' : 'webhooks.enable', async (tx) => {
    const { count } = await repo.setDisabled(tx, id, disabled);
    if (count === 0) throw new AppError('not_found', { key: 'staff.noWebhook' });
    return { result: shape((await repo.findEndpoint(tx, id))!), subject: id };
  });
}

export async function deleteEndpoint(ctx: StaffUseCase, id: string): Promise<void> {
  await auditedWrite(ctx, 'webhooks.delete', async (tx) => {
    const { count } = await repo.deleteEndpoint(tx, id);
    if (count === 0) throw new AppError('not_found', { key: 'staff.noWebhook' });
    return { result: undefined, subject: id };
  });
}

export async function listDeliveries(db: Db, endpointId: string, limit: number) {
  if (!(await repo.findEndpoint(db, endpointId))) throw new AppError('not_found', { key: 'staff.noWebhook' });
  const rows = await repo.listDeliveries(db, endpointId, limit);
  return rows.map((d) => ({
    id: d.id,
    event: { id: d.event.id, type: d.event.type, occurredAt: d.event.occurredAt.toISOString() },
    status: d.status as 'pending' | 'delivered' | 'failed' | 'skipped',
    attempts: d.attempts,
    replays: d.replays,
    lastStatusCode: d.lastStatusCode,
    lastAttemptAt: d.lastAttemptAt?.toISOString() ?? null,
    deliveredAt: d.deliveredAt?.toISOString() ?? null,
    attemptLog: d.attemptLog.map((a) => ({ attemptedAt: a.attemptedAt.toISOString(), statusCode: a.statusCode, error: a.error, durationMs: a.durationMs })),
  }));
}

/** Sends one delivery again (same webhook-id), whatever its state; its new job goes through the outbox. */
export async function replayDelivery(ctx: StaffUseCase, endpointId: string, deliveryId: string): Promise<number> {
  return auditedWrite(ctx, 'webhooks.replay', async (tx) => {
    const delivery = await tx.webhookDelivery.findFirst({ where: { id: deliveryId, endpointId }, select: { id: true } });
    if (!delivery) throw new AppError('not_found', { key: 'staff.noWebhookDelivery' });
    const replayed = await repo.replay(tx, { deliveryId });
    return { result: replayed, subject: endpointId, details: { deliveryId } };
  });
}

/** Sends again every delivery of the endpoint whose event occurred in [from, to), oldest first. */
export async function replayRange(ctx: StaffUseCase, endpointId: string, range: { from: Date; to: Date }): Promise<number> {
  return auditedWrite(ctx, 'webhooks.replay', async (tx) => {
    if (!(await repo.findEndpoint(tx, endpointId))) throw new AppError('not_found', { key: 'staff.noWebhook' });
    const replayed = await repo.replay(tx, { endpointId, ...range, limit: REPLAY_RANGE_LIMIT });
    return { result: replayed, subject: endpointId, details: { from: range.from.toISOString(), to: range.to.toISOString(), replayed } };
  });
}
