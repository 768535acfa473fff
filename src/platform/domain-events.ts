import type { DbClient } from './db';
import { checkDedupeKey } from './outbox';
import { JOBS, jobQueue } from './queues';

/**
 * Domain events: what happened, written by the module that made it happen, in the same transaction
 * as the change. The webhooks module (above every module that writes them) fans them out to the
 * endpoints that asked for them; a lower module never imports it, it only calls
 * `recordDomainEvents` here.
 *
 * An event carries ids and statuses only, never a name, an address or a supporter's text: the
 * body sent to an endpoint is read from the database when it is sent, so what an erasure removed
 * in the meantime is never sent.
 */
export const DOMAIN_EVENTS = [
  'signature.confirmed',
  'signature.invalidated',
  'signature.restored',
  'supporter.unsubscribed',
  'supporter.erased',
  'letter.sent',
  'letter.failed',
  'mailing.finished',
] as const;

export type DomainEventType = (typeof DOMAIN_EVENTS)[number];

/** Ids (uuids) of related rows and short statuses. Typed so that free text cannot slip in. */
export type DomainEventData = Record<string, string | number | boolean | null>;

export interface DomainEventInput {
  type: DomainEventType;
  /** The row the event is about: a signature, a supporter, a letter or a mailing. */
  subjectId: string;
  data: DomainEventData;
}

const FAN_OUT_KEY_PREFIX = checkDedupeKey('event-');

/**
 * Writes the events, and each one's fan-out job through the outbox, in one statement in the
 * caller's transaction. While no endpoint is enabled, no fan-out job is written (a change costs
 * one small insert); the event row stays, for the record and for replays.
 */
export async function recordDomainEvents(tx: DbClient, events: readonly DomainEventInput[]): Promise<void> {
  if (events.length === 0) return;
  const types = events.map((e) => e.type);
  const subjects = events.map((e) => e.subjectId);
  const data = events.map((e) => JSON.stringify(e.data));
  await tx.$executeRaw`
    WITH inserted AS (
      INSERT INTO domain_events (type, subject_id, data)
      SELECT type, subject_id, data FROM unnest(${types}::text[], ${subjects}::uuid[], ${data}::jsonb[]) AS e (type, subject_id, data)
      RETURNING id
    )
    INSERT INTO outbox_events (queue, job_name, payload, dedupe_key)
    SELECT ${jobQueue[JOBS.fanOutEvent]}, ${JOBS.fanOutEvent}, jsonb_build_object('eventId', id::text), ${FAN_OUT_KEY_PREFIX} || id::text
    FROM inserted WHERE EXISTS (SELECT 1 FROM webhook_endpoints WHERE disabled_at IS NULL)`;
}

export function domainEvent(type: DomainEventType, subjectId: string, data: DomainEventData = {}): DomainEventInput {
  return { type, subjectId, data };
}
