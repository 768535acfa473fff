import { auditedWrite, type UseCaseContext } from '../../admin';
import { normaliseEmail } from '../../supporters';
import type { DbClient } from '../../../platform/db';
import { AppError, fieldError, type FieldError } from '../../../platform/errors';
import { getPublicCampaign } from '../../campaigns';
import { parseTargetsCsv, targetsToCsv, type CsvLineError, type TargetRecord } from './targets.csv';
import * as targets from './targets.repository';
import { isPlaceholderAddress, type TargetPatch } from './targets.schemas';

export interface ImportResult {
  created: number;
  updated: number;
  unchanged: number;
}

// A thousand delegations are written in well under this; the default 5 s is too tight on a busy database.
const WRITE_TRANSACTION = { maxWait: 10_000, timeout: 60_000 };

/**
 * Imports the delegations file: every line is checked first, and when any line is wrong nothing
 * is written. Otherwise each delegation is created or updated by iso2 in one transaction.
 * Delegations missing from the file are left alone (deactivate them with active=false).
 */
/** By staff, or by the `targets:import` command (`ctx.actor` is 'cli'); audited in the write's transaction. */
export async function importTargets(ctx: UseCaseContext, csv: string): Promise<ImportResult> {
  const parsed = parseTargetsCsv(csv);
  if (!parsed.ok) throw csvInvalid(parsed.errors);
  const rows = parsed.rows;
  return auditedWrite(
    ctx,
    'targets.import',
    async (tx) => {
      await targets.lockTargets(tx);
      const existing = new Map(
        (
          await targets.findByIso2sWithAddresses(
            tx,
            rows.map((row) => row.iso2),
          )
        ).map((t) => [t.iso2, t]),
      );
      const result: ImportResult = { created: 0, updated: 0, unchanged: 0 };
      for (const { line: _line, ...row } of rows) result[await saveTarget(tx, existing.get(row.iso2), row)] += 1;
      return { result, subject: null, details: { ...result } };
    },
    WRITE_TRANSACTION,
  );
}

export function csvInvalid(errors: CsvLineError[]): AppError {
  const fieldErrors: FieldError[] = errors.map(({ line, field, message }) => ({ ...(line !== undefined ? { line } : {}), field, message }));
  return new AppError('csv_invalid', { key: 'staff.csvHasErrors', params: { count: errors.length } }, fieldErrors);
}

/** Changes one delegation with the same rules as the import. */
export async function updateTarget(ctx: UseCaseContext, iso2: string, patch: TargetPatch) {
  await auditedWrite(
    ctx,
    'targets.update',
    async (tx) => {
      await targets.lockTargets(tx);
      const current = await targets.findByIso2WithAddresses(tx, iso2);
      if (!current) throw new AppError('target_not_found', { key: 'staff.noDelegation', params: { iso2 } });
      const { addressHealth = [], ...fieldPatch } = patch;
      const merged: TargetWithEmails = {
        ...fieldsOf(current),
        ...definedOnly(fieldPatch),
        emails: patch.emails ?? current.addresses.map((a) => a.email),
      };
      if (merged.active && merged.emails.length === 0) {
        throw new AppError('validation_failed', { key: 'staff.activeNeedsAddress' }, [fieldError('emails', 'staff.field.activeNeedsAddress')]);
      }
      await saveTarget(tx, current, merged);
      for (const [index, { email, health }] of addressHealth.entries()) {
        const wanted = normaliseEmail(email.trim());
        if (!wanted || !merged.emails.includes(wanted)) {
          throw new AppError('validation_failed', { key: 'staff.healthOfUnknownAddress' }, [
            fieldError(`addressHealth.${index}.email`, 'staff.field.notThisDelegationsAddress'),
          ]);
        }
        await targets.setAddressHealth(tx, current.id, wanted, health);
      }
      return { result: undefined, subject: iso2, details: { fields: Object.keys(patch) } };
    },
    WRITE_TRANSACTION,
  );
  const saved = await targets.findByIso2WithAddresses(ctx.platform.db, iso2);
  if (!saved) throw new AppError('target_not_found', { key: 'staff.noDelegation', params: { iso2 } });
  return { ...adminView(saved), digestOverrides: (await targets.listOverrides(ctx.platform.db)).get(saved.id) ?? [] };
}

type TargetWithEmails = targets.TargetFields & { emails: string[] };

/**
 * Writes one delegation. Addresses are matched by email: kept ones keep their health (delivery
 * owns it), new ones start active, and those no longer listed are removed.
 */
async function saveTarget(tx: DbClient, existing: targets.TargetWithAddresses | undefined, input: TargetWithEmails): Promise<keyof ImportResult> {
  const { emails, ...fields } = input;
  if (!existing) {
    await targets.createTarget(tx, fields, emails.map(newAddress));
    return 'created';
  }
  const current = fieldsOf(existing);
  const changed = Object.fromEntries(Object.entries(fields).filter(([key, value]) => current[key as keyof targets.TargetFields] !== value));
  const had = new Set(existing.addresses.map((a) => a.email));
  const wanted = new Set(emails);
  const toRemove = [...had].filter((email) => !wanted.has(email));
  const toAdd = emails.filter((email) => !had.has(email));
  if (Object.keys(changed).length === 0 && toRemove.length === 0 && toAdd.length === 0) return 'unchanged';
  if (Object.keys(changed).length > 0) await targets.updateTargetFields(tx, existing.id, changed);
  await targets.removeAddresses(tx, existing.id, toRemove);
  await targets.addAddresses(tx, existing.id, toAdd.map(newAddress));
  return 'updated';
}

function newAddress(email: string): targets.NewAddress {
  return { email, placeholder: isPlaceholderAddress(email) };
}

function fieldsOf(target: targets.TargetWithAddresses): targets.TargetFields {
  const { id: _id, addresses: _addresses, ...fields } = target;
  return fields;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Every delegation with its addresses and their health, for the admin. */
export async function listTargetsForAdmin(db: DbClient) {
  const [all, overrides] = await Promise.all([targets.findAllWithAddresses(db), targets.listOverrides(db)]);
  return all.map((target) => ({ ...adminView(target), digestOverrides: overrides.get(target.id) ?? [] }));
}

export type AdminTarget = ReturnType<typeof adminView>;

function adminView(target: targets.TargetWithAddresses) {
  const { id: _id, unGroup, addresses, ...rest } = target;
  return {
    iso2: rest.iso2,
    country: rest.country,
    group: unGroup,
    councilMember: rest.councilMember,
    termEnds: rest.termEnds,
    missionName: rest.missionName,
    timeZone: rest.timeZone,
    salutation: rest.salutation,
    preferredLanguage: rest.preferredLanguage,
    active: rest.active,
    hourlyCap: rest.hourlyCap,
    needsRealAddress: !addresses.some((a) => !a.placeholder && (a.health === 'active' || a.health === 'soft_bounced')),
    addresses: addresses.map(({ id: _addressId, lastSuccessAt, lastFailureAt, ...address }) => ({
      email: address.email,
      health: address.health,
      placeholder: address.placeholder,
      softBounceCount: address.softBounceCount,
      lastSuccessAt: lastSuccessAt?.toISOString() ?? null,
      lastFailureAt: lastFailureAt?.toISOString() ?? null,
    })),
  };
}

/** The delegations file (see targets.csv.ts), sorted by iso2; it imports back unchanged. */
export async function exportTargetsCsv(db: DbClient): Promise<string> {
  const all = await targets.findAllWithAddresses(db);
  const records: TargetRecord[] = all.map((target) => ({ ...fieldsOf(target), emails: target.addresses.map((a) => a.email) }));
  return targetsToCsv(records);
}

/** The delegations a campaign's supporters can write to, as the public sees them: no addresses. */
export async function listPublicTargets(db: DbClient, slug: string) {
  await getPublicCampaign(db, slug);
  const rows = await targets.findActivePublic(db);
  return {
    targets: rows.map((t) => ({
      iso2: t.iso2,
      country: t.country,
      group: t.unGroup,
      councilMember: t.councilMember,
      termEnds: t.termEnds,
      mission: t.missionName,
      preferredLanguage: t.preferredLanguage,
    })),
  };
}
