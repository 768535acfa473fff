import { z } from 'zod';
import type { DbClient } from '../../../platform/db';
import { sql, sqlRows } from '../../../platform/sql-rows';
import type { AddressHealth } from '../../../generated/prisma/enums';

/** Every query about delegations (targets) and their addresses. */

export const targetSelect = {
  id: true,
  iso2: true,
  country: true,
  unGroup: true,
  councilMember: true,
  termEnds: true,
  missionName: true,
  timeZone: true,
  salutation: true,
  preferredLanguage: true,
  active: true,
  hourlyCap: true,
} as const;

export const addressSelect = {
  id: true,
  email: true,
  health: true,
  softBounceCount: true,
  placeholder: true,
  lastSuccessAt: true,
  lastFailureAt: true,
} as const;

const addressOrder = [{ placeholder: 'asc' as const }, { email: 'asc' as const }];

export type TargetFields = {
  iso2: string;
  country: string;
  unGroup: string;
  councilMember: boolean;
  termEnds: number | null;
  missionName: string;
  timeZone: string;
  salutation: string;
  preferredLanguage: string;
  active: boolean;
  hourlyCap: number | null;
};

export function findAllWithAddresses(db: DbClient) {
  return db.target.findMany({
    select: { ...targetSelect, addresses: { select: addressSelect, orderBy: addressOrder } },
    orderBy: { iso2: 'asc' },
  });
}

export function findByIso2sWithAddresses(db: DbClient, iso2s: string[]) {
  return db.target.findMany({
    where: { iso2: { in: iso2s } },
    select: { ...targetSelect, addresses: { select: addressSelect, orderBy: addressOrder } },
  });
}
export type TargetWithAddresses = Awaited<ReturnType<typeof findByIso2sWithAddresses>>[number];

export async function findByIso2WithAddresses(db: DbClient, iso2: string): Promise<TargetWithAddresses | null> {
  const [target] = await findByIso2sWithAddresses(db, [iso2]);
  return target ?? null;
}

/** What the public may know about a delegation: no address, ever. */
export function findActivePublic(db: DbClient) {
  return db.target.findMany({
    where: { active: true },
    select: { iso2: true, country: true, unGroup: true, councilMember: true, termEnds: true, missionName: true, preferredLanguage: true },
    orderBy: { iso2: 'asc' },
  });
}

/**
 * Serialises every writer of delegations (import, edit) for the rest of the transaction, so a
 * diff computed inside it is still true when it is written.
 */
export async function lockTargets(db: DbClient): Promise<void> {
  await db.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('clarion.targets'))`;
}

export interface NewAddress {
  email: string;
  placeholder: boolean;
}

export function createTarget(db: DbClient, fields: TargetFields, addresses: NewAddress[]) {
  return db.target.create({ data: { ...fields, addresses: { create: addresses } }, select: { id: true } });
}

export function updateTargetFields(db: DbClient, id: string, fields: Partial<TargetFields>) {
  return db.target.update({ where: { id }, data: fields, select: { id: true } });
}

export async function addAddresses(db: DbClient, targetId: string, addresses: NewAddress[]): Promise<void> {
  if (addresses.length === 0) return;
  await db.targetAddress.createMany({ data: addresses.map((a) => ({ targetId, ...a })), skipDuplicates: true });
}

/** An admin's decision: `blocked` stays until an admin lifts it; `active` also clears a bounce run. */
export async function setAddressHealth(db: DbClient, targetId: string, email: string, health: 'blocked' | 'active'): Promise<void> {
  await db.targetAddress.updateMany({
    where: { targetId, email },
    data: health === 'active' ? { health, softBounceCount: 0 } : { health },
  });
}

export async function removeAddresses(db: DbClient, targetId: string, emails: string[]): Promise<void> {
  if (emails.length === 0) return;
  await db.targetAddress.deleteMany({ where: { targetId, email: { in: emails } } });
}

/**
 * Inserts the delegations that do not exist yet and returns only those (ON CONFLICT DO NOTHING):
 * concurrent callers each create a row at most once, and existing rows are never touched.
 */
export function insertMissingTargets(db: DbClient, targets: TargetFields[]) {
  return db.target.createManyAndReturn({ data: targets, skipDuplicates: true, select: { id: true, iso2: true } });
}

// ───────────────────────────── for delivery ─────────────────────────────

export type TargetSelection = { all: true } | { group: string } | { iso2: string[] };

export const deliveryTargetSelect = {
  id: true,
  iso2: true,
  country: true,
  unGroup: true,
  missionName: true,
  salutation: true,
  timeZone: true,
  preferredLanguage: true,
  hourlyCap: true,
} as const;

/**
 * The active delegations a campaign writes to. `all` and `group` mean Council members; a list of
 * codes names delegations explicitly and may include non-members (e.g. Kazakhstan's own mission).
 */
export function findTargetsForSelection(db: DbClient, selection: TargetSelection) {
  const where =
    'iso2' in selection
      ? { active: true, iso2: { in: selection.iso2.map((code) => code.toUpperCase()) } }
      : 'group' in selection
        ? { active: true, councilMember: true, unGroup: selection.group }
        : { active: true, councilMember: true };
  return db.target.findMany({ where, select: deliveryTargetSelect, orderBy: { iso2: 'asc' } });
}
export type DeliveryTarget = Awaited<ReturnType<typeof findTargetsForSelection>>[number];

/**
 * Addresses a letter may go to: healthy or soft-bounced, real ones first. Placeholders (reserved
 * example domains) are included so that development shows letters in the mail catcher; they
 * cannot reach anybody.
 */
export function findDeliverableAddresses(db: DbClient, targetId: string) {
  return db.targetAddress.findMany({
    where: { targetId, health: { in: ['active', 'soft_bounced'] } },
    select: { id: true, email: true, health: true, placeholder: true },
    orderBy: [{ placeholder: 'asc' }, { health: 'asc' }, { email: 'asc' }],
  });
}
export type DeliverableAddress = Awaited<ReturnType<typeof findDeliverableAddresses>>[number];

/** After this many soft bounces in a row, an address counts as bounced. */
export const SOFT_BOUNCES_BEFORE_BOUNCED = 3;

/**
 * A message was accepted: the address is healthy again and its soft-bounce run is over. A
 * `blocked` address stays blocked (an admin's decision), only its last success is recorded.
 */
export async function recordAddressSuccess(db: DbClient, addressId: string | string[]): Promise<void> {
  const ids = Array.isArray(addressId) ? addressId : [addressId];
  if (ids.length === 0) return;
  await db.$executeRaw`
    UPDATE target_addresses SET
      health = CASE WHEN health = 'blocked' THEN health ELSE 'active'::"AddressHealth" END,
      soft_bounce_count = 0,
      last_success_at = (now() AT TIME ZONE 'UTC')
    WHERE id = ANY(${ids}::uuid[])`;
}

/**
 * A message was refused. One statement, so concurrent failures count exactly: the third soft
 * bounce in a row (no success between) makes the address `bounced`; a hard bounce does at once.
 * Returns the address's health afterwards, or null when there is no such address.
 */
export async function recordAddressFailure(db: DbClient, addressId: string, kind: 'soft' | 'hard'): Promise<AddressHealth | null> {
  const rows =
    kind === 'hard'
      ? await sqlRows(db, HealthRow)`
        UPDATE target_addresses SET
          health = CASE WHEN health = 'blocked' THEN health ELSE 'bounced'::"AddressHealth" END,
          last_failure_at = (now() AT TIME ZONE 'UTC')
        WHERE id = ${addressId}::uuid
        RETURNING health::text AS health`
      : await sqlRows(db, HealthRow)`
        UPDATE target_addresses SET
          soft_bounce_count = soft_bounce_count + 1,
          health = CASE
            WHEN health IN ('blocked', 'bounced') THEN health
            WHEN soft_bounce_count + 1 >= ${SOFT_BOUNCES_BEFORE_BOUNCED} THEN 'bounced'::"AddressHealth"
            ELSE 'soft_bounced'::"AddressHealth" END,
          last_failure_at = (now() AT TIME ZONE 'UTC')
        WHERE id = ${addressId}::uuid
        RETURNING health::text AS health`;
  return rows[0]?.health ?? null;
}

const HealthRow = z.strictObject({ health: z.enum(['active', 'soft_bounced', 'bounced', 'blocked']) });
const OverrideRow = z.object({ target_id: sql.uuid, slug: sql.text, reason: sql.text, created_at: sql.timestamp }).strict();

/** Every override, for the admin's delegations list. */
export async function listOverrides(db: DbClient): Promise<Map<string, Array<{ campaign: string; reason: string; createdAt: string }>>> {
  const rows = await sqlRows(db, OverrideRow)`
    SELECT o.target_id::text, c.slug, o.reason, o.created_at FROM target_digest_overrides o JOIN campaigns c ON c.id = o.campaign_id
    ORDER BY c.slug`;
  const byTarget = new Map<string, Array<{ campaign: string; reason: string; createdAt: string }>>();
  for (const row of rows) {
    const list = byTarget.get(row.target_id) ?? [];
    list.push({ campaign: row.slug, reason: row.reason, createdAt: row.created_at.toISOString() });
    byTarget.set(row.target_id, list);
  }
  return byTarget;
}
