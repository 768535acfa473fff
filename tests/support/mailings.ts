import { randomUUID } from 'node:crypto';
import { canonicalEmail } from '../../src/modules/supporters';
import { emailLookupHash, SEALED, seal } from '../../src/modules/supporters/personal-data';
import type { Platform } from '../../src/platform/context';
import type { RecordedMessage, SmtpRecorder } from './smtp-recorder';

/** What kind of supporter to seed; `eligible` is the one a mailing must reach. */
export type SupporterKind = 'eligible' | 'unconfirmed' | 'no_consent' | 'suppressed' | 'unsubscribed' | 'invalidated';

export interface SeededSupporter {
  id: string;
  email: string;
  kind: SupporterKind;
  locale: string;
  country: string;
}

/**
 * Supporters written straight into the tables the signing path writes (supporters, signatures,
 * signing_attempts, mail_suppressions), sealed and hashed with the platform's own keys, in a few
 * statements: a thousand signings through the API would take minutes on this machine.
 */
export async function seedSupporters(
  platform: Platform,
  campaign: { id: string; wording: string },
  kinds: SupporterKind[],
  options: { locales?: string[]; countries?: string[] } = {},
): Promise<SeededSupporter[]> {
  const tag = randomUUID().slice(0, 8);
  const seeded = kinds.map((kind, i) => ({
    id: randomUUID(),
    email: `mailing-${tag}-${i}@example.org`,
    kind,
    locale: options.locales?.[i % options.locales.length] ?? 'en',
    country: options.countries?.[i % options.countries.length] ?? 'KZ',
  }));
  const hex = (s: SeededSupporter) => emailLookupHash(platform, canonicalEmail(s.email)).toString('hex');
  await platform.db.$executeRaw`
    INSERT INTO supporters (id, email_hash, email_encrypted, name_encrypted)
    SELECT id, decode(h, 'hex'), e, n FROM unnest(${seeded.map((s) => s.id)}::uuid[], ${seeded.map(hex)}::text[],
      ${seeded.map((s) => seal(platform, s.email, SEALED.supporterEmail, s.id))}::text[], ${seeded.map((s, i) => seal(platform, `Supporter ${i}`, SEALED.supporterName, s.id))}::text[]) AS t(id, h, e, n)`;
  const signatureIds = seeded.map(() => randomUUID());
  await platform.db.$executeRaw`
    INSERT INTO signatures (id, campaign_id, supporter_id, status, country, email_domain, consent_updates, consent_wording_id, consented_at, confirmed_at, updates_withdrawn_at)
    SELECT sid, ${campaign.id}::uuid, pid, st::"SignatureStatus", c, 'example.org', cu, ${campaign.wording}, now(), CASE WHEN st = 'confirmed' THEN now() END, CASE WHEN w THEN now() END
    FROM unnest(${signatureIds}::uuid[], ${seeded.map((s) => s.id)}::uuid[], ${seeded.map((s) => (s.kind === 'unconfirmed' ? 'pending' : s.kind === 'invalidated' ? 'invalidated' : 'confirmed'))}::text[],
      ${seeded.map((s) => s.country)}::text[], ${seeded.map((s) => s.kind !== 'no_consent')}::boolean[], ${seeded.map((s) => s.kind === 'unsubscribed')}::boolean[]) AS t(sid, pid, st, c, cu, w)`;
  await platform.db.$executeRaw`
    INSERT INTO signing_attempts (campaign_id, signature_id, locale, confirmed_at, email_queued)
    SELECT ${campaign.id}::uuid, sid, l, now(), true FROM unnest(${signatureIds}::uuid[], ${seeded.map((s) => s.locale)}::text[]) AS t(sid, l)`;
  const suppressed = seeded.filter((s) => s.kind === 'suppressed').map(hex);
  if (suppressed.length)
    await platform.db
      .$executeRaw`INSERT INTO mail_suppressions (email_hash, reason) SELECT decode(h, 'hex'), 'bounced' FROM unnest(${suppressed}::text[]) AS t(h)`;
  return seeded;
}

export function mailingMessages(smtp: SmtpRecorder, mailingId: string): RecordedMessage[] {
  return smtp.messages.filter((m) => m.headers.get('x-clarion-mailing') === mailingId);
}

/** The https (here http, as PUBLIC_BASE_URL in tests) URL of a message's List-Unsubscribe header. */
export function unsubscribeUrlOf(message: RecordedMessage): string {
  const header = message.headers.get('list-unsubscribe') ?? '';
  const match = /<(https?:\/\/[^>]+)>/.exec(header);
  if (!match) throw new Error(`no List-Unsubscribe URL in ${JSON.stringify(header)}`);
  return match[1]!;
}
