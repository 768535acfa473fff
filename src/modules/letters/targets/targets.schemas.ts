import { isCountryCode } from '../../../platform/countries';
import { z } from '../../../platform/http/zod';
import { normaliseEmail } from '../../supporters';

/**
 * What a delegation (target) may look like, shared by the CSV import, the admin PATCH and the
 * API documentation. Every rule lives here once, so a file and a form are held to the same rules.
 */

/** The five UN regional groups, spelled as in prisma/seed/hrc-members-2026.csv. */
export const UN_GROUPS = ['African', 'Asia-Pacific', 'Eastern European', 'Latin American and Caribbean', 'Western European and Others'] as const;
export type UnGroup = (typeof UN_GROUPS)[number];

export const MAX_ADDRESSES_PER_TARGET = 10;
export const MAX_HOURLY_CAP = 100_000;

/**
 * Reserved example domains (RFC 2606, RFC 6761): nothing there is a real mailbox. An address at
 * one of them is a *placeholder* that an admin must replace; the flag is derived from the domain,
 * never typed, so a real address can never be marked as a placeholder by mistake (or the reverse).
 */
const RESERVED_TLDS = new Set(['example', 'test', 'invalid', 'localhost']);
const RESERVED_SECOND_LEVEL = new Set(['example.com', 'example.net', 'example.org']);

export function isPlaceholderAddress(email: string): boolean {
  const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
  const labels = domain.split('.');
  if (RESERVED_TLDS.has(labels[labels.length - 1] ?? '')) return true;
  return RESERVED_SECOND_LEVEL.has(labels.slice(-2).join('.'));
}

/** Whether the runtime's time-zone database knows `zone` as a named zone (offsets like +01:00 are not zones). */
export function isIanaTimeZone(zone: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+){0,2}$/.test(zone)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** A short BCP-47 tag (language, optional script, optional region), in canonical case, or null. */
export function canonicalLanguageTag(tag: string): string | null {
  if (!/^[a-z]{2,3}(?:-[a-z]{4})?(?:-(?:[a-z]{2}|\d{3}))?$/i.test(tag)) return null;
  try {
    return Intl.getCanonicalLocales(tag)[0] ?? null;
  } catch {
    return null;
  }
}

// Text that ends up in letters: one line, no control or bidi-override characters.
const CONTROL = /[\p{Cc}\p{Cf}\u2028\u2029]/u;

export const singleLine = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine((value) => !CONTROL.test(value), 'must be one line of plain text');

export const iso2Schema = z
  .string()
  .trim()
  .toUpperCase()
  .refine((code): boolean => isCountryCode(code), 'must be an ISO 3166-1 alpha-2 country code such as KZ');

export const timeZoneSchema = z.string().trim().refine(isIanaTimeZone, 'must be an IANA time zone such as Europe/Zurich').openapi({ example: 'Europe/Zurich' });

export const languageSchema = z
  .string()
  .trim()
  .transform((value, ctx) => {
    const tag = canonicalLanguageTag(value);
    if (tag === null) ctx.addIssue({ code: 'custom', message: 'must be a short BCP-47 language tag such as en, ru or pt-BR' });
    return tag ?? value;
  })
  .openapi({ type: 'string', example: 'en' });

export const hourlyCapSchema = z.number().int('must be a whole number').min(1, 'must be at least 1').max(MAX_HOURLY_CAP, `must be at most ${MAX_HOURLY_CAP}`);

/** Normalised, unique addresses; each issue names the address it is about. */
export const emailListSchema = z
  .array(z.string())
  .max(MAX_ADDRESSES_PER_TARGET, `must list at most ${MAX_ADDRESSES_PER_TARGET} addresses`)
  .transform((list, ctx) => {
    const seen = new Set<string>();
    const result: string[] = [];
    for (const [index, given] of list.entries()) {
      const trimmed = given.trim();
      const email = normaliseEmail(trimmed);
      if (email === null) {
        const hint = trimmed.includes('#') ? ' (do not mark placeholders: addresses at reserved example domains are placeholders automatically)' : '';
        ctx.addIssue({ code: 'custom', path: [index], message: `"${trimmed}" is not a valid email address${hint}` });
      } else if (seen.has(email)) {
        ctx.addIssue({ code: 'custom', path: [index], message: `${email} is listed twice` });
      } else {
        seen.add(email);
        result.push(email);
      }
    }
    return result;
  })
  .openapi({ type: 'array', items: { type: 'string', format: 'email' } });

/** The fields an admin may change on one delegation (`PATCH /api/admin/targets/:iso2`). */
export const targetPatchSchema = z
  .strictObject({
    salutation: singleLine(200).optional(),
    missionName: singleLine(300).optional(),
    timeZone: timeZoneSchema.optional(),
    preferredLanguage: languageSchema.optional(),
    active: z.boolean().optional(),
    hourlyCap: hourlyCapSchema
      .nullable()
      .optional()
      .openapi({ description: 'Letters per hour at office hours; null uses the deployment default (LETTERS_HOURLY_CAP).' }),
    emails: emailListSchema
      .optional()
      .openapi({ description: 'Replaces the list. Kept addresses keep their health; new ones start active; missing ones are removed.' }),
    addressHealth: z
      .array(
        z.strictObject({
          email: z.string().max(320),
          health: z.enum(['blocked', 'active']),
        }),
      )
      .min(1)
      .max(MAX_ADDRESSES_PER_TARGET)
      .optional()
      .openapi({
        description:
          "An admin's decision on listed addresses: `blocked` stops letters to it (delivery never lifts it); `active` lifts a block or a bounce (the address was fixed) and resets its soft-bounce count.",
      }),
  })
  .refine((patch) => Object.keys(patch).length > 0, { message: 'send at least one field to change' })
  .openapi('TargetPatch');
export type TargetPatch = z.infer<typeof targetPatchSchema>;

export const iso2Params = z.object({ iso2: iso2Schema.openapi({ example: 'KZ' }) }).openapi('TargetIso2');

/** One delegation as anybody may see it: never an address. */
export const publicTargetSchema = z
  .object({
    iso2: z.string(),
    country: z.string(),
    group: z.enum(UN_GROUPS),
    councilMember: z.boolean(),
    termEnds: z.number().int().nullable(),
    mission: z.string(),
    preferredLanguage: z.string(),
  })
  .openapi('PublicTarget');

export const publicTargetListSchema = z.object({ targets: z.array(publicTargetSchema) }).openapi('PublicTargetList');

export const adminAddressSchema = z
  .object({
    email: z.string(),
    health: z.enum(['active', 'soft_bounced', 'bounced', 'blocked']),
    placeholder: z.boolean().openapi({ description: "At a reserved example domain: replace it with the mission's real address." }),
    softBounceCount: z.number().int(),
    lastSuccessAt: z.string().nullable(),
    lastFailureAt: z.string().nullable(),
  })
  .openapi('TargetAddress');

export const adminTargetSchema = z
  .object({
    iso2: z.string(),
    country: z.string(),
    group: z.string(),
    councilMember: z.boolean(),
    termEnds: z.number().int().nullable(),
    missionName: z.string(),
    timeZone: z.string(),
    salutation: z.string(),
    preferredLanguage: z.string(),
    active: z.boolean(),
    hourlyCap: z.number().int().nullable(),
    needsRealAddress: z.boolean().openapi({ description: 'No address that is both real (not a placeholder) and deliverable (active or soft_bounced).' }),
    addresses: z.array(adminAddressSchema),
    digestOverrides: z
      .array(
        z.object({
          campaign: z.string().openapi({ description: 'The campaign slug' }),
          reason: z.string().openapi({ example: 'list-unsubscribe' }),
          createdAt: z.string(),
        }),
      )
      .openapi({
        description:
          'Campaigns whose letters this delegation gets as a daily digest, because its mail administrator pressed List-Unsubscribe. DELETE /api/admin/campaigns/{slug}/digest-overrides/{iso2} restores single letters.',
      }),
  })
  .openapi('AdminTarget');

export const adminTargetListSchema = z.object({ targets: z.array(adminTargetSchema) }).openapi('AdminTargetList');

export const importResultSchema = z
  .object({
    created: z.number().int(),
    updated: z.number().int(),
    unchanged: z.number().int(),
  })
  .openapi('TargetImportResult');
