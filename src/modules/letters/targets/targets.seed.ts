import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { isCountryCode } from '../../../platform/countries';
import type { Db } from '../../../platform/db';
import { addAddresses, insertMissingTargets, type TargetFields } from './targets.repository';
import { UN_GROUPS, type UnGroup } from './targets.schemas';

/**
 * The delegations of the Human Rights Council's 47 members (prisma/seed/hrc-members-2026.csv)
 * plus Kazakhstan's own mission, each with one placeholder address at a reserved example domain
 * that an admin replaces with the mission's real address (by import or PATCH).
 */
export const membersFile = path.resolve(__dirname, '..', '..', '..', '..', 'prisma', 'seed', 'hrc-members-2026.csv');

export interface CouncilMember {
  iso2: string;
  country: string;
  unGroup: UnGroup;
  termEnds: number;
}

/** Reads the members file, refusing anything unexpected: a seed must not half-work. */
export function readCouncilMembers(source: string): CouncilMember[] {
  const rows = parse(source, { bom: true, columns: true, skip_empty_lines: true }) as Array<Record<string, string>>;
  return rows.map((row, index) => {
    const member = {
      iso2: row.iso2 ?? '',
      country: row.country ?? '',
      unGroup: row.un_regional_group as UnGroup,
      termEnds: Number(row.hrc_term_ends),
    };
    if (!isCountryCode(member.iso2) || !member.country || !UN_GROUPS.includes(member.unGroup) || !Number.isInteger(member.termEnds)) {
      throw new Error(`${path.basename(membersFile)} line ${index + 2} is not a valid council member`);
    }
    return member;
  });
}

/** Kazakhstan is not a member but is the subject of the first campaign; letters may go to its mission. */
const KAZAKHSTAN = { iso2: 'KZ', country: 'Kazakhstan', unGroup: 'Asia-Pacific' } as const;

export function placeholderAddress(iso2: string): string {
  return `mission.${iso2.toLowerCase()}@delegations.example.org`;
}

function delegation(iso2: string, country: string, unGroup: string, councilMember: boolean, termEnds: number | null): TargetFields {
  return {
    iso2,
    country,
    unGroup,
    councilMember,
    termEnds,
    missionName: `Permanent Mission of ${country} to the United Nations Office at Geneva`,
    // The missions sit in Geneva, whatever the capital's time zone.
    timeZone: 'Europe/Zurich',
    salutation: 'Excellency',
    preferredLanguage: 'en',
    active: true,
    hourlyCap: null,
  };
}

/**
 * Idempotent and safe to run concurrently: creates only the delegations that do not exist yet,
 * each with its placeholder address. An existing delegation is never changed, so an admin's
 * edits (real addresses, salutations) survive every rerun. Returns how many were created.
 */
export async function seedTargets(db: Db, source = fs.readFileSync(membersFile, 'utf8')): Promise<{ created: number; existing: number }> {
  const members = readCouncilMembers(source);
  const all = [
    ...members.map((m) => delegation(m.iso2, m.country, m.unGroup, true, m.termEnds)),
    ...(members.some((m) => m.iso2 === KAZAKHSTAN.iso2) ? [] : [delegation(KAZAKHSTAN.iso2, KAZAKHSTAN.country, KAZAKHSTAN.unGroup, false, null)]),
  ];
  const created = await db.$transaction(async (tx) => {
    const inserted = await insertMissingTargets(tx, all);
    for (const target of inserted) await addAddresses(tx, target.id, [{ email: placeholderAddress(target.iso2), placeholder: true }]);
    return inserted.length;
  });
  return { created, existing: all.length - created };
}
