import { z } from 'zod';
import type { Platform } from '../../platform/context';
import type { DbClient } from '../../platform/db';
import { sql, sqlRow } from '../../platform/sql-rows';
import { openPersonalData, SEALED } from '../supporters';
import type { DeliveryForSend } from './webhooks.repository';

/**
 * A delivery's body, built when it is sent, from the database as it is then: Standard Webhooks'
 * `{ type, timestamp, data }` with an OSDI-shaped object as `data` (osdi:signature, osdi:person;
 * identifiers `clarion:<uuid>`, `created_date`, `modified_date`).
 *
 * Personal data (name, email, city) goes only to endpoints registered with `personalData`; others
 * get identifiers, dates and statuses. A supporter erased since the event leaves only identifiers
 * to send: their rows are gone, so nothing personal can go out after an erasure, even in a
 * delivery queued before it; one already sending holds the supporter's personal-data lock, which
 * the erasure waits for (webhooks.jobs.ts).
 */
export interface WebhookBody {
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
}

const ORIGIN = 'Clarion';
const ids = (id: string) => [`clarion:${id}`];
const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

const PersonRow = z.strictObject({
  id: sql.uuid,
  email_encrypted: sql.text,
  name_encrypted: sql.text,
  anonymised: sql.bool,
  created_at: sql.timestamp,
});

const SignatureRow = z.strictObject({
  id: sql.uuid,
  status: sql.text,
  country: sql.text.nullable(),
  city_encrypted: sql.text.nullable(),
  created_at: sql.timestamp,
  modified_at: sql.timestamp,
  campaign_slug: sql.text,
});

/** The supporter whose data a delivery's body may carry, if any. */
export function supporterNamedBy(delivery: Pick<DeliveryForSend, 'data'>): string | undefined {
  return text(delivery.data.supporterId) ?? undefined;
}

/** `db` reads the rows: the connection holding the supporter's personal-data lock, when there is one. */
export async function buildBody(platform: Platform, delivery: DeliveryForSend, db: DbClient = platform.db): Promise<WebhookBody> {
  const personal = delivery.personal_data;
  const data = delivery.data;
  const supporterId = supporterNamedBy(delivery);
  const person = supporterId ? await personOf(platform, db, supporterId, personal) : null;
  let object: Record<string, unknown>;
  switch (delivery.type) {
    case 'signature.confirmed':
    case 'signature.invalidated':
    case 'signature.restored':
      object = await signatureObject(platform, db, delivery, person, personal);
      break;
    case 'supporter.erased':
      object = { identifiers: ids(delivery.subject_id), origin_system: ORIGIN, 'clarion:erased_date': delivery.occurred_at.toISOString() };
      break;
    case 'supporter.unsubscribed':
      object = {
        ...(person ?? { identifiers: ids(delivery.subject_id) }),
        'clarion:unsubscribed': { scope: text(data.scope), petition: data.campaignId ? { identifiers: ids(String(data.campaignId)) } : null },
      };
      break;
    default:
      // Letters and mailings: the event's ids and statuses, shaped as OSDI identifiers.
      object = {
        identifiers: ids(delivery.subject_id),
        origin_system: ORIGIN,
        ...Object.fromEntries(Object.entries(data).filter(([key]) => !key.endsWith('Id'))),
        ...(text(data.campaignId) ? { 'osdi:petition': { identifiers: ids(String(data.campaignId)) } } : {}),
        // A letter's recipient: the delegation (a target), by id.
        ...(text(data.targetId) ? { 'clarion:target': { identifiers: ids(String(data.targetId)) } } : {}),
        ...(person ? { 'osdi:person': person } : {}),
      };
  }
  return { type: delivery.type, timestamp: delivery.occurred_at.toISOString(), data: object };
}

async function signatureObject(platform: Platform, db: DbClient, delivery: DeliveryForSend, person: Record<string, unknown> | null, personal: boolean) {
  const signatureId = delivery.subject_id;
  const row = await sqlRow(db, SignatureRow)`
    SELECT s.id::text, s.status::text, s.country::text, s.city_encrypted, s.created_at,
      greatest(s.created_at, s.confirmed_at, s.invalidated_at) AS modified_at, c.slug AS campaign_slug
    FROM signatures s JOIN campaigns c ON c.id = s.campaign_id WHERE s.id = ${signatureId}::uuid`;
  const campaignId = text(delivery.data.campaignId);
  const petition = campaignId ? { identifiers: ids(campaignId), ...(row ? { 'clarion:slug': row.campaign_slug } : {}) } : null;
  if (!row) {
    // Erased (or expired) since: what the event itself says, nothing more.
    return {
      identifiers: ids(signatureId),
      origin_system: ORIGIN,
      status: text(delivery.data.status),
      _embedded: { 'osdi:petition': petition, 'osdi:person': person },
    };
  }
  const city = personal && row.city_encrypted ? openPersonalData(platform, row.city_encrypted, SEALED.signatureCity, row.id) : null;
  const withAddress =
    person && personal ? { ...person, postal_addresses: [{ primary: true, ...(city ? { locality: city } : {}), country: row.country }] } : person;
  return {
    identifiers: ids(row.id),
    origin_system: ORIGIN,
    created_date: row.created_at.toISOString(),
    modified_date: row.modified_at.toISOString(),
    status: row.status,
    _embedded: { 'osdi:petition': petition, 'osdi:person': withAddress },
  };
}

async function personOf(platform: Platform, db: DbClient, supporterId: string, personal: boolean): Promise<Record<string, unknown>> {
  const base = { identifiers: ids(supporterId), origin_system: ORIGIN };
  if (!personal) return base;
  const row = await sqlRow(db, PersonRow)`
    SELECT id::text, email_encrypted, name_encrypted, anonymised_at IS NOT NULL AS anonymised, created_at FROM supporters WHERE id = ${supporterId}::uuid`;
  if (!row || row.anonymised) return base;
  return {
    ...base,
    created_date: row.created_at.toISOString(),
    given_name: openPersonalData(platform, row.name_encrypted, SEALED.supporterName, row.id),
    email_addresses: [{ address: openPersonalData(platform, row.email_encrypted, SEALED.supporterEmail, row.id), primary: true }],
  };
}
