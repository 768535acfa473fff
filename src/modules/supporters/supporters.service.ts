import { randomUUID } from 'node:crypto';
import type { Platform } from '../../platform/context';
import { Prisma } from '../../platform/db';
import { AppError } from '../../platform/errors';
import { addToOutbox } from '../../platform/outbox';
import { DEFAULT_LOCALE, type Locale } from '../../platform/i18n';
import { JOBS, jobPayloads, jobQueue } from '../../platform/queues';
import { adjustCounters, adjustRollup, getOpenCampaignForSigning } from '../campaigns';
import { partnerOf } from '../embed/embed-origins';
import { verifyProofOfWork } from './proof-of-work';
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

export type SigningResult =
  | { kind: 'signed'; signatureId: string; attemptId: string; inserted: boolean; actionToken: string }
  | { kind: 'discarded'; reason: 'honeypot' | 'too_fast'; actionToken: string };

/** The action token lets the page that signed go on to write letters; it proves nothing by itself. */
export const ACTION_TOKEN_PURPOSE = 'signing-action';
const ACTION_TOKEN_TTL_MS = 7 * 24 * 3600 * 1000;

export function actionTokenFor(platform: Platform, attemptId: string, now = new Date()): string {
  return platform.tokens.sign(ACTION_TOKEN_PURPOSE, attemptId, new Date(now.getTime() + ACTION_TOKEN_TTL_MS));
}

export async function signPetition(platform: Platform, slug: string, input: SigningRequest, context: SigningContext): Promise<SigningResult> {
  const now = context.now ?? new Date();
  // Bots are told they succeeded: an error would teach them what to change.
  // A discarded signing still gets a well-formed token, so its answer looks like any other.
  if (input.website && input.website.trim() !== '') return { kind: 'discarded', reason: 'honeypot', actionToken: actionTokenFor(platform, randomUUID(), now) };
  if (input.form_started !== undefined && isFormFilledTooFast(platform, input.form_started, now)) {
    return { kind: 'discarded', reason: 'too_fast', actionToken: actionTokenFor(platform, randomUUID(), now) };
  }

  const campaign = await getOpenCampaignForSigning(platform.db, slug, input.consent.wording);
  if (!campaign.wordingKnown) {
    throw new AppError('unknown_consent_wording', 'The consent wording is not one this campaign has shown.', [
      { field: 'consent.wording', message: 'is not a wording of this campaign' },
    ]);
  }

  if (campaign.proofOfWork) await verifyProofOfWork(platform, input.altcha);
  // Only a partner on the campaign's allowlist is recorded; anything else is as if there were none.
  const partner = await partnerOf(platform, campaign.id, input.partner);
  const source = input.source ?? (partner ? 'embed' : undefined);
  // Each signing is an attempt with a link of its own: letters written with this signing's
  // action token go out only once this attempt's link has been used.
  const attemptId = randomUUID();
  // The payload is built in SQL (its variant depends on the signature found); this checks its shape.
  jobPayloads[JOBS.sendConfirmation].parse({ attemptId, variant: 'new' });
  const outcome = await platform.db.$transaction(async (tx) => {
    const signature = await supporters.recordSigning(tx, {
      campaignId: campaign.id,
      emailHash: emailLookupHash(platform, canonicalEmail(input.email)),
      emailEncrypted: seal(platform, input.email, PURPOSE.email),
      nameEncrypted: seal(platform, input.name, PURPOSE.name),
      country: input.country ?? null,
      cityEncrypted: input.city ? seal(platform, input.city, PURPOSE.city) : null,
      commentEncrypted: input.comment ? seal(platform, input.comment, PURPOSE.comment) : null,
      emailDomain: emailDomain(input.email),
      source: source ?? null,
      partner,
      utmSource: input.utm_source ?? null,
      utmMedium: input.utm_medium ?? null,
      utmCampaign: input.utm_campaign ?? null,
      ipHash: ipSourceHash(platform, context.ip),
      consentUpdates: input.consent.updates,
      consentWordingId: input.consent.wording,
    }, {
      queue: jobQueue[JOBS.sendConfirmation],
      jobName: JOBS.sendConfirmation,
      attemptId,
      locale: input.locale ?? DEFAULT_LOCALE,
      newKey: `confirm-${attemptId}`,
      repeatWindow: Math.floor(now.getTime() / REPEAT_EMAIL_WINDOW_MS),
    });
    if (signature.inserted) {
      await adjustCounters(tx, campaign.id, { pending: 1 });
      await adjustRollup(tx, {
        campaignId: campaign.id, signedAt: signature.createdAt, country: input.country ?? null, source: source ?? null,
        utmSource: input.utm_source ?? null, utmMedium: input.utm_medium ?? null, utmCampaign: input.utm_campaign ?? null,
      }, { signed: 1 });
    }
    return { ...signature, attemptId };
  });
  return { kind: 'signed', signatureId: outcome.id, attemptId: outcome.attemptId, inserted: outcome.inserted, actionToken: actionTokenFor(platform, outcome.attemptId, now) };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const CONFIRM_TOKEN_PURPOSE = 'confirm-signing';

/** The link in a confirmation email names the signing attempt, never the person. */
export function confirmationLink(platform: Platform, attemptId: string, now = new Date()): string {
  const expiresAt = new Date(now.getTime() + platform.config.CONFIRMATION_TOKEN_TTL_HOURS * 3600 * 1000);
  return `${platform.config.PUBLIC_BASE_URL}/confirm/${platform.tokens.sign(CONFIRM_TOKEN_PURPOSE, attemptId, expiresAt)}`;
}

/** Which signing a confirmation token names, or a clear refusal. Reading it confirms nothing. */
export async function inspectConfirmation(platform: Platform, token: string) {
  const verified = platform.tokens.verify(CONFIRM_TOKEN_PURPOSE, token);
  if (!verified.ok) {
    throw verified.reason === 'expired'
      ? new AppError('token_expired', 'This confirmation link has expired. Sign again to receive a new one.')
      : new AppError('token_invalid', 'This confirmation link is not valid. Check that you opened the whole link from the email.');
  }
  const attempt = UUID.test(verified.payload) ? await supporters.findAttemptWithSignature(platform.db, verified.payload) : null;
  if (!attempt || attempt.signature.status === 'invalidated') throw new AppError('token_invalid', 'This confirmation link no longer matches a signature.');
  return attempt;
}

/**
 * Using a link confirms the signature (once) and releases the letters recorded with that signing.
 * The release is a job written in the same transaction, so it cannot be lost.
 */
export async function confirmSignature(platform: Platform, token: string) {
  const attempt = await inspectConfirmation(platform, token);
  const { signature } = attempt;
  const confirmed = await platform.db.$transaction(async (tx) => {
    const firstUse = await supporters.markAttemptConfirmed(tx, attempt.id);
    if (firstUse) await addToOutbox(tx, JOBS.releaseHeldLetters, { attemptId: attempt.id }, `release-${attempt.id}`);
    const changed = await supporters.markConfirmed(tx, signature.id);
    if (changed) {
      await adjustCounters(tx, changed.campaignId, { pending: -1, confirmed: 1 });
      await adjustRollup(tx, changed, { confirmed: 1 });
    }
    return changed !== null;
  });
  return {
    status: confirmed ? ('confirmed' as const) : ('already_confirmed' as const),
    campaign: { slug: signature.campaign.slug, title: signature.campaign.title },
  };
}

/** The signing an action token names, or why not; unconfirmed signings are fine (letters wait). */
export async function attemptForActionToken(platform: Platform, token: string) {
  const verified = platform.tokens.verify(ACTION_TOKEN_PURPOSE, token);
  if (!verified.ok) {
    throw new AppError(verified.reason === 'expired' ? 'token_expired' : 'token_invalid', 'This action token is not valid any more: sign again to write letters.', [
      { field: 'actionToken', message: verified.reason === 'expired' ? 'has expired' : 'is not valid' },
    ]);
  }
  const attempt = UUID.test(verified.payload) ? await supporters.findAttemptWithSignature(platform.db, verified.payload) : null;
  if (!attempt || attempt.signature.status === 'invalidated') {
    throw new AppError('token_invalid', 'This action token does not match a signing.', [{ field: 'actionToken', message: 'is not valid' }]);
  }
  return attempt;
}

/**
 * A fresh confirmation link for whoever asks with an address that has a pending signature here.
 * The caller answers the same whatever happens, so nobody learns whether an address has signed.
 * The email shares the hourly window of repeated signings, so asking again and again (or asking
 * and signing again) sends at most one email an hour.
 */
export async function resendConfirmation(platform: Platform, slug: string, email: string, locale: Locale, now = new Date()): Promise<void> {
  const emailHash = emailLookupHash(platform, canonicalEmail(email));
  const signature = await supporters.findPendingSignatureByEmail(platform.db, slug, emailHash);
  if (!signature) return;
  const window = Math.floor(now.getTime() / REPEAT_EMAIL_WINDOW_MS);
  try {
    await platform.db.$transaction(async (tx) => {
      let attemptId = signature.attempts[0]?.id;
      if (attemptId) await supporters.markAttemptResent(tx, attemptId, locale);
      else {
        attemptId = randomUUID();
        await supporters.insertAttempt(tx, { id: attemptId, signatureId: signature.id, emailQueued: true, locale });
      }
      await addToOutbox(tx, JOBS.sendConfirmation, { attemptId, variant: 'repeat_pending' }, `confirm-${signature.id}-repeat-${window}`);
    });
  } catch (error) {
    // Erased since it was found: the same answer as for an address that has no signature here.
    if (!isGoneMeanwhile(error)) throw error;
  }
}

/**
 * Prisma's "the row to update is gone" (P2025) and "the row referred to is gone" (P2003, or
 * SQLSTATE 23503 from a raw insert, which Prisma reports as P2010).
 */
function isGoneMeanwhile(error: unknown): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  const cause = (error.meta as { driverAdapterError?: { cause?: { originalCode?: unknown } } } | undefined)?.driverAdapterError?.cause;
  return error.code === 'P2025' || error.code === 'P2003' || (error.code === 'P2010' && cause?.originalCode === '23503');
}

/**
 * What a link's page can say about the campaign even when the link has expired: the token's MAC
 * was valid, so the attempt it names is genuine. Null when the link names nothing we know.
 */
export async function campaignOfLink(platform: Platform, token: string): Promise<{ slug: string; title: string } | null> {
  const verified = platform.tokens.verify(CONFIRM_TOKEN_PURPOSE, token);
  const attemptId = verified.ok ? verified.payload : verified.reason === 'expired' ? token.split('.')[0]! : null;
  if (!attemptId || !UUID.test(attemptId)) return null;
  const attempt = await supporters.findAttemptWithSignature(platform.db, attemptId);
  const campaign = attempt?.signature.campaign;
  return campaign && campaign.status !== 'draft' ? { slug: campaign.slug, title: campaign.title } : null;
}

/**
 * After a link is used: the action token that lets the page go on to the letter step, unless the
 * supporter has written letters in this campaign already or the campaign has closed.
 */
export async function letterStepAfterConfirmation(platform: Platform, token: string): Promise<{ actionToken: string } | null> {
  const attempt = await inspectConfirmation(platform, token);
  const { signature } = attempt;
  if (signature.campaign.status !== 'live') return null;
  if (await supporters.hasWrittenLetters(platform.db, signature.supporterId, signature.campaign.id)) return null;
  return { actionToken: actionTokenFor(platform, attempt.id) };
}

/** The language a link's page speaks when the URL does not say: the one the supporter signed in. */
export async function localeOfLink(platform: Platform, token: string): Promise<string | null> {
  const verified = platform.tokens.verify(CONFIRM_TOKEN_PURPOSE, token);
  const attemptId = verified.ok ? verified.payload : verified.reason === 'expired' ? token.split('.')[0]! : null;
  if (!attemptId || !UUID.test(attemptId)) return null;
  return (await supporters.findAttemptWithSignature(platform.db, attemptId))?.locale ?? null;
}
