import type { Platform } from '../../platform/context';
import { openPersonalData, SEALED } from '../supporters';
import type { PersonRow, PetitionRow, SignatureRow } from './osdi.repository';

/**
 * Clarion's records as OSDI 1.2 resources (HAL+JSON). Identifiers are `clarion:<uuid>`; every
 * resource has created_date, modified_date and a self link; links are absolute, and are the only
 * paths a client needs (it starts at the AEP and follows them).
 */
export const CURIES = [{ name: 'osdi', href: 'https://osdi.dev/docs/v1/{rel}', templated: true }];

export type Links = Record<string, { href: string } | Array<{ href: string }>>;

export function osdiBase(platform: Pick<Platform, 'config'>): string {
  return `${platform.config.PUBLIC_BASE_URL}/api/osdi/v1`;
}

const identifiers = (id: string) => [`clarion:${id}`];
const iso = (date: Date) => date.toISOString();

export function petitionResource(base: string, row: PetitionRow, publicUrl: string) {
  return {
    identifiers: identifiers(row.id),
    origin_system: 'Clarion',
    created_date: iso(row.created_at),
    modified_date: iso(row.updated_at),
    name: row.slug,
    title: row.title,
    summary: row.summary ?? undefined,
    description: row.statement,
    // The demands, each quoting the statement verbatim: what a signer asks for.
    petition_text: row.demands.map((d) => `${d.title}: “${d.quote}”`).join('\n\n'),
    total_signatures: row.confirmed,
    browser_url: publicUrl,
    'clarion:status': row.status,
    'clarion:demands': row.demands,
    // What record_signature_helper needs: the wording to show, and its id to send back.
    ...(row.consent ? { 'clarion:consent': row.consent } : {}),
    _links: {
      self: { href: `${base}/petitions/${row.id}` },
      'osdi:signatures': { href: `${base}/petitions/${row.id}/signatures` },
      'osdi:record_signature_helper': { href: `${base}/petitions/${row.id}/signatures` },
    },
  };
}

/** A signature; its comment is the signer's words, so only a people-scoped token sees it. */
export function signatureResource(platform: Pick<Platform, 'cipher'>, base: string, row: SignatureRow, withPersonalData: boolean) {
  const comment = withPersonalData && row.comment_encrypted ? openPersonalData(platform, row.comment_encrypted, SEALED.signatureComment, row.id) : undefined;
  return {
    identifiers: identifiers(row.id),
    origin_system: 'Clarion',
    created_date: iso(row.created_at),
    modified_date: iso(row.updated_at),
    ...(comment ? { comments: comment } : {}),
    referrer_data: {
      source: row.utm_source ?? row.source ?? undefined,
      website: row.partner ?? undefined,
      'clarion:utm_medium': row.utm_medium ?? undefined,
      'clarion:utm_campaign': row.utm_campaign ?? undefined,
    },
    _links: {
      self: { href: `${base}/signatures/${row.id}` },
      'osdi:petition': { href: `${base}/petitions/${row.campaign_id}` },
      // A retention stand-in names nobody: the signature counts, but there is no person to link.
      ...(row.anonymous ? {} : { 'osdi:person': { href: `${base}/people/${row.supporter_id}` } }),
    },
  };
}

/** OSDI's email status: what a CRM may do with the address. */
function emailStatus(row: PersonRow): string {
  if (row.suppressed === 'bounced') return 'bouncing';
  if (row.suppressed === 'complaint') return 'spam complaint';
  if (row.suppressed) return 'unsubscribed';
  return row.subscribed ? 'subscribed' : 'unsubscribed';
}

/**
 * "Given" and "family" names, best effort: the last word is the family name. Names do not all
 * work that way (patronymics, family name first); the whole name is kept as given it too.
 */
export function splitName(name: string): { given_name?: string; family_name?: string } {
  const words = name.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return {};
  if (words.length === 1) return { given_name: words[0] };
  return { given_name: words.slice(0, -1).join(' '), family_name: words.at(-1) };
}

export function personResource(platform: Pick<Platform, 'cipher'>, base: string, row: PersonRow) {
  const name = openPersonalData(platform, row.name_encrypted, SEALED.supporterName, row.id);
  const email = openPersonalData(platform, row.email_encrypted, SEALED.supporterEmail, row.id);
  const locality =
    row.city_encrypted && row.city_signature_id ? openPersonalData(platform, row.city_encrypted, SEALED.signatureCity, row.city_signature_id) : undefined;
  return {
    identifiers: identifiers(row.id),
    origin_system: 'Clarion',
    created_date: iso(row.created_at),
    modified_date: iso(row.updated_at),
    ...splitName(name),
    'clarion:name': name,
    email_addresses: [{ primary: true, address: email, status: emailStatus(row) }],
    postal_addresses: row.country || locality ? [{ primary: true, ...(locality ? { locality } : {}), ...(row.country ? { country: row.country } : {}) }] : [],
    _links: {
      self: { href: `${base}/people/${row.id}` },
      'osdi:signatures': { href: `${base}/people/${row.id}/signatures` },
    },
  };
}
