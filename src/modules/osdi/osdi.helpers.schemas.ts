import { ZodError } from 'zod';
import type { Platform } from '../../platform/context';
import { AppError, type FieldError } from '../../platform/errors';
import { z } from '../../platform/http/zod';
import { partnerToken, signingRequest, type SigningRequest } from '../supporters';
import { msg } from '../../platform/schema-messages';

/**
 * The OSDI helpers' bodies, and how they become the signing form's input. The shapes check types
 * and refuse what Clarion does not keep (an unknown key is a 400, never dropped): every rule on a
 * field's content is the form's own (`signingRequest`), applied to the mapped input, and its
 * refusals are named back by the OSDI path the client sent.
 *
 * Consent is never read from OSDI's own fields: `email_addresses[].status` and `add_tags` are
 * refused. The client names the wording the person was shown (`clarion:consent.wording`, from
 * the petition's `clarion:consent`) and whether they ticked the updates box
 * (`clarion:consent.updates`, false unless sent as true).
 */

const emailAddress = z.strictObject({ address: z.string(), primary: z.boolean().optional() });
const postalAddress = z.strictObject({ country: z.string().optional(), locality: z.string().optional(), primary: z.boolean().optional() });

const person = z
  .strictObject({
    given_name: z.string().optional(),
    family_name: z.string().optional(),
    // One supporter, one address: a second one would be a second person Clarion cannot confirm.
    email_addresses: z.array(emailAddress).min(1).max(1),
    postal_addresses: z.array(postalAddress).max(1).optional(),
  })
  .openapi({
    description: 'given_name and family_name are joined into the name; one email address; at most one postal address (country ISO 3166-1 alpha-2, locality).',
  });

const consent = z
  .strictObject({
    wording: z.string().openapi({ description: "Id of the consent wording the person was shown: the petition's clarion:consent.wording." }),
    updates: z.boolean().optional().openapi({ description: 'True only if the person ticked the box to hear about this campaign; false if absent.' }),
  })
  .openapi({ description: 'The only way consent is expressed here; OSDI email status and tags are refused.' });

const signatureFields = {
  person,
  comments: z.string().optional(),
  referrer_data: z
    .strictObject({
      source: z.string().optional().openapi({ description: 'A tracking slug (kept as the utm_source).' }),
      website: z.string().optional().openapi({ description: "The page's URL; recorded only when its origin is on the campaign's embed allowlist." }),
    })
    .optional(),
  'clarion:consent': consent,
  'clarion:locale': z.string().optional().openapi({ description: 'Language of the confirmation email: en, ru or kk (default en).' }),
};

export const recordSignatureRequest = z.strictObject(signatureFields).openapi('OsdiRecordSignatureRequest');
export const personSignupRequest = z
  .strictObject({
    ...signatureFields,
    'clarion:petition': z
      .string()
      .openapi({ description: 'The petition signed: its identifier (clarion:<uuid>) or self link. Clarion keeps nobody without a signature.' }),
  })
  .openapi('OsdiPersonSignupRequest');
export type RecordSignatureRequest = z.infer<typeof recordSignatureRequest>;

/** Where each of the form's fields came from in the OSDI body, to name a refusal by what the client sent. */
const OSDI_PATH: Record<string, string> = {
  email: 'person.email_addresses.0.address',
  name: 'person.given_name',
  country: 'person.postal_addresses.0.country',
  city: 'person.postal_addresses.0.locality',
  comment: 'comments',
  utm_source: 'referrer_data.source',
  partner: 'referrer_data.website',
  'consent.wording': 'clarion:consent.wording',
  'consent.updates': 'clarion:consent.updates',
  locale: 'clarion:locale',
};
const osdiPath = (field: string) => (Object.hasOwn(OSDI_PATH, field) ? OSDI_PATH[field]! : field);

/** A refusal of the mapped input, its fields renamed; anything else unchanged. */
export function inOsdiTerms(error: unknown): unknown {
  if (error instanceof ZodError) {
    return new ZodError(error.issues.map((issue) => ({ ...issue, path: osdiPath(issue.path.join('.')).split('.') })));
  }
  if (error instanceof AppError && error.errors.length > 0) {
    return new AppError(
      error.code,
      error.text,
      error.errors.map((e): FieldError => ({ ...e, field: osdiPath(e.field) })),
    );
  }
  return error;
}

/** The page a signature was collected on, as the origin the embed allowlist names; a malformed URL is refused. */
function websiteOrigin(website: string | undefined): string | undefined {
  if (website === undefined || website.trim() === '') return undefined;
  try {
    const url = new URL(website);
    if (url.protocol === 'https:' || url.protocol === 'http:') return url.origin;
  } catch {
    // refused below
  }
  throw new ZodError([{ code: 'custom', path: ['referrer_data', 'website'], message: msg('problems.message.httpUrl'), input: website }]);
}

/**
 * The form's input for an OSDI signature, validated by the form's own schema. `source` is always
 * `osdi`, so counts by source and the fraud view can tell these signatures apart. A website is
 * passed as the embedded form passes its partner (a signed token), so signing applies the same
 * allowlist check to it.
 */
export function signingInputOf(platform: Pick<Platform, 'tokens'>, campaignId: string, body: RecordSignatureRequest): SigningRequest {
  const [email] = body.person.email_addresses;
  const postal = body.person.postal_addresses?.[0];
  const origin = websiteOrigin(body.referrer_data?.website);
  const input = {
    email: email!.address,
    name: [body.person.given_name, body.person.family_name].filter((part) => part && part.trim() !== '').join(' '),
    country: postal?.country,
    city: postal?.locality,
    comment: body.comments,
    source: 'osdi',
    utm_source: body.referrer_data?.source,
    partner: origin ? partnerToken(platform, campaignId, origin) : undefined,
    consent: { wording: body['clarion:consent'].wording, updates: body['clarion:consent'].updates ?? false },
    locale: body['clarion:locale'],
  };
  const parsed = signingRequest.safeParse(input);
  if (!parsed.success) throw inOsdiTerms(parsed.error);
  return parsed.data;
}

/** `clarion:<uuid>`, a bare uuid, or a petition's self link: the petition's id, or null. */
export function petitionIdOf(reference: string, base: string): string | null {
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  const candidate = reference.startsWith('clarion:')
    ? reference.slice('clarion:'.length)
    : reference.startsWith(`${base}/petitions/`)
      ? reference.slice(`${base}/petitions/`.length)
      : reference;
  return uuid.test(candidate) ? candidate.toLowerCase() : null;
}
