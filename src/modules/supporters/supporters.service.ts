import type { Platform } from '../../platform/context';
import { AppError } from '../../platform/errors';
import { addToOutbox } from '../../platform/outbox';
import { JOBS } from '../../platform/queues';
import { adjustCounters, consentWordingBelongsTo, getOpenCampaign } from '../campaigns';
import { canonicalEmail, emailDomain } from './email-address';
import { isFormFilledTooFast } from './form-timing';
import { emailLookupHash, ipSourceHash, PURPOSE, seal } from './personal-data';
import * as supporters from './supporters.repository';
import type { SigningRequest } from './supporters.schemas';

/** The answer to every signing, first or repeated or discarded: nothing in it tells them apart. */
export const SIGNING_ANSWER = {
  status: 'received',
  message: 'Thank you. We have sent you an email: please open the link in it to confirm your signature.',
} as const;

/** A repeated signing sends at most one reminder per signature in this window, so nobody can flood an inbox. */
const REPEAT_EMAIL_WINDOW_MS = 60 * 60 * 1000;

export interface SigningContext {
  ip: string | undefined;
  now?: Date;
}

export type SigningResult = { kind: 'signed'; signatureId: string; inserted: boolean } | { kind: 'discarded'; reason: 'honeypot' | 'too_fast' };

export async function signPetition(platform: Platform, slug: string, input: SigningRequest, context: SigningContext): Promise<SigningResult> {
  const now = context.now ?? new Date();
  // Bots are told they succeeded: an error would teach them what to change.
  if (input.website && input.website.trim() !== '') return { kind: 'discarded', reason: 'honeypot' };
  if (input.form_started !== undefined && isFormFilledTooFast(platform, input.form_started, now)) return { kind: 'discarded', reason: 'too_fast' };

  const campaign = await getOpenCampaign(platform.db, slug);
  if (!(await consentWordingBelongsTo(platform.db, campaign.id, input.consent.wording))) {
    throw new AppError('unknown_consent_wording', 'The consent wording is not one this campaign has shown.', [
      { field: 'consent.wording', message: 'is not a wording of this campaign' },
    ]);
  }

  const emailHash = emailLookupHash(platform, canonicalEmail(input.email));
  const outcome = await platform.db.$transaction(async (tx) => {
    const supporterId = await supporters.upsertSupporter(tx, {
      emailHash,
      emailEncrypted: seal(platform, input.email, PURPOSE.email),
      nameEncrypted: seal(platform, input.name, PURPOSE.name),
    });
    const signature = await supporters.insertOrTouchSignature(tx, {
      campaignId: campaign.id,
      supporterId,
      country: input.country ?? null,
      cityEncrypted: input.city ? seal(platform, input.city, PURPOSE.city) : null,
      commentEncrypted: input.comment ? seal(platform, input.comment, PURPOSE.comment) : null,
      emailDomain: emailDomain(input.email),
      source: input.source ?? null,
      utmSource: input.utm_source ?? null,
      utmMedium: input.utm_medium ?? null,
      utmCampaign: input.utm_campaign ?? null,
      ipHash: ipSourceHash(platform, context.ip),
      consentUpdates: input.consent.updates,
      consentWordingId: input.consent.wording,
    });
    if (signature.inserted) {
      await adjustCounters(tx, campaign.id, { pending: 1 });
      await addToOutbox(tx, JOBS.sendConfirmation, { signatureId: signature.id, variant: 'new' }, `confirm-${signature.id}-new`);
    } else if (signature.status !== 'invalidated') {
      const window = Math.floor(now.getTime() / REPEAT_EMAIL_WINDOW_MS);
      const variant = signature.status === 'confirmed' ? 'repeat_confirmed' : 'repeat_pending';
      await addToOutbox(tx, JOBS.sendConfirmation, { signatureId: signature.id, variant }, `confirm-${signature.id}-repeat-${window}`);
    }
    return signature;
  });
  return { kind: 'signed', signatureId: outcome.id, inserted: outcome.inserted };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const CONFIRM_TOKEN_PURPOSE = 'confirm-signature';

export function confirmationLink(platform: Platform, signatureId: string, now = new Date()): string {
  const expiresAt = new Date(now.getTime() + platform.config.CONFIRMATION_TOKEN_TTL_HOURS * 3600 * 1000);
  return `${platform.config.PUBLIC_BASE_URL}/confirm/${platform.tokens.sign(CONFIRM_TOKEN_PURPOSE, signatureId, expiresAt)}`;
}

/** Which signature a confirmation token names, or a clear refusal. Reading it confirms nothing. */
export async function inspectConfirmation(platform: Platform, token: string) {
  const verified = platform.tokens.verify(CONFIRM_TOKEN_PURPOSE, token);
  if (!verified.ok) {
    throw verified.reason === 'expired'
      ? new AppError('token_expired', 'This confirmation link has expired. Sign again to receive a new one.')
      : new AppError('token_invalid', 'This confirmation link is not valid. Check that you opened the whole link from the email.');
  }
  const signature = UUID.test(verified.payload) ? await supporters.findSignatureWithCampaign(platform.db, verified.payload) : null;
  if (!signature || signature.status === 'invalidated') throw new AppError('token_invalid', 'This confirmation link no longer matches a signature.');
  return signature;
}

export async function confirmSignature(platform: Platform, token: string) {
  const signature = await inspectConfirmation(platform, token);
  const confirmed = await platform.db.$transaction(async (tx) => {
    const changed = await supporters.markConfirmed(tx, signature.id);
    if (changed) await adjustCounters(tx, changed.campaignId, { pending: -1, confirmed: 1 });
    return changed !== null;
  });
  return {
    status: confirmed ? ('confirmed' as const) : ('already_confirmed' as const),
    campaign: { slug: signature.campaign.slug, title: signature.campaign.title },
  };
}
