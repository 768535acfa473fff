import { randomUUID } from 'node:crypto';
import type { Platform } from '../../platform/context';
import { AppError, fieldError } from '../../platform/errors';
import { JOBS } from '../../platform/queues';
import { checkDedupeKey, outboxRow } from '../../platform/outbox';
import type { UseCaseContext } from '../admin';
import { getOpenCampaignForSigning } from '../campaigns';
import { actionTokenFor } from './action-tokens';
import { partnerOf } from './partner-token';
import { verifyProofOfWork } from './proof-of-work';
import { canonicalEmail, emailDomain } from './email-address';
import { isFormFilledTooFast } from './form-timing';
import { ipSourceHash } from '../../platform/network-hash';
import { emailLookupHash, seal, SEALED } from './personal-data';
import { applyTransition } from './signatures.ledger';
import * as supporters from './supporters.repository';
import type { SigningEmail } from './supporters.repository';
import type { SigningRequest } from './supporters.schemas';

/** The answer to every signing, first or repeated or discarded: nothing in it tells them apart. */
export const SIGNING_ANSWER = {
  status: 'received',
  message: 'Thank you. We have sent you an email: please open the link in it to confirm your signature.',
} as const;

/** A repeated signing sends at most one reminder per signature in this window, so nobody can flood an inbox. */
export const REPEAT_EMAIL_WINDOW_MS = 60 * 60 * 1000;

export interface SigningContext {
  /** The signer's address; none when a server signs on someone's behalf (its address is not theirs). */
  ip: string | undefined;
  now?: Date;
}

/**
 * A signing with an actor comes from an authenticated client (the OSDI helpers, `ctx.actor` its
 * API token) that answers for its own calls and is limited per token. Proof of work is a
 * browser's price for being anonymous, so it skips it; every other rule (validation, dedup,
 * consent, double opt-in) is the same.
 */
function byClient(ctx: UseCaseContext): boolean {
  return ctx.actor !== null;
}

export type SigningResult =
  | { kind: 'signed'; signatureId: string; attemptId: string; inserted: boolean; actionToken: string }
  | { kind: 'discarded'; reason: 'honeypot' | 'too_fast'; actionToken: string };

export async function signPetition(ctx: UseCaseContext<Platform>, slug: string, input: SigningRequest, context: SigningContext): Promise<SigningResult> {
  const { platform } = ctx;
  const now = context.now ?? new Date();
  const campaign = await getOpenCampaignForSigning(platform.db, slug, input.consent.wording);
  if (!campaign.wordingKnown) {
    throw new AppError('unknown_consent_wording', { key: 'problems.detail.unknownConsent' }, [
      fieldError('consent.wording', 'problems.message.notConsentWording'),
    ]);
  }
  if (campaign.proofOfWork && !byClient(ctx)) await verifyProofOfWork(platform, input.altcha);

  // What this request typed goes with its attempt, whatever the address had signed before: the
  // letter step shows only this, so it tells nobody anything about an earlier signing.
  const attemptId = randomUUID();
  const typed = {
    nameEncrypted: seal(platform, input.name, SEALED.attemptName, attemptId),
    cityEncrypted: input.city ? seal(platform, input.city, SEALED.attemptCity, attemptId) : null,
    country: input.country ?? null,
  };
  const locale = input.locale ?? ctx.locale;
  // Bots are told they succeeded: an error would teach them what to change. Their attempt is
  // recorded like any other (without a signature or an email), so its token works downstream too.
  const discarded =
    input.website && input.website.trim() !== ''
      ? ('honeypot' as const)
      : input.form_started !== undefined && isFormFilledTooFast(platform, input.form_started, now)
        ? ('too_fast' as const)
        : null;
  if (discarded) {
    await supporters.insertAttempt(platform.db, { id: attemptId, campaignId: campaign.id, signatureId: null, emailQueued: false, locale, typed });
    return { kind: 'discarded', reason: discarded, actionToken: actionTokenFor(platform, attemptId, now) };
  }

  // Only a partner on the campaign's allowlist is recorded; anything else is as if there were none.
  const partner = partnerOf(platform, campaign, input.partner);
  const source = input.source ?? (partner ? 'embed' : undefined);
  // Ids are made here, not by the database, because every envelope is sealed for its row (the
  // statement inserts supporter and signature at once). A supporter or signature that exists
  // keeps its id and its envelopes; these ids, and what was sealed for them, are then unused.
  const supporterId = randomUUID();
  const signatureId = randomUUID();
  const outcome = await platform.db.$transaction(async (tx) => {
    const signature = await supporters.recordSigning(
      tx,
      {
        supporterId,
        signatureId,
        campaignId: campaign.id,
        emailHash: emailLookupHash(platform, canonicalEmail(input.email)),
        emailEncrypted: seal(platform, input.email, SEALED.supporterEmail, supporterId),
        nameEncrypted: seal(platform, input.name, SEALED.supporterName, supporterId),
        country: input.country ?? null,
        cityEncrypted: input.city ? seal(platform, input.city, SEALED.signatureCity, signatureId) : null,
        commentEncrypted: input.comment ? seal(platform, input.comment, SEALED.signatureComment, signatureId) : null,
        emailDomain: emailDomain(input.email),
        source: source ?? null,
        partner,
        utmSource: input.utm_source ?? null,
        utmMedium: input.utm_medium ?? null,
        utmCampaign: input.utm_campaign ?? null,
        ipHash: ipSourceHash(platform, context.ip),
        consentUpdates: input.consent.updates,
        consentWordingId: input.consent.wording,
      },
      confirmationEmailOf(attemptId, locale, now),
      typed,
    );
    // A repeat moves the same rows by zero: both paths make the same statements, so the time of
    // the answer does not tell a new signing from a repeated one.
    await applyTransition(tx, [signature.ledger], 'sign');
    return signature;
  });
  return { kind: 'signed', signatureId: outcome.id, attemptId, inserted: outcome.inserted, actionToken: actionTokenFor(platform, attemptId, now) };
}

/** The confirmation email's outbox rows, one per variant the signing statement may choose, each checked as every outbox row is. */
function confirmationEmailOf(attemptId: string, locale: string, now: Date): SigningEmail {
  const job = JOBS.sendConfirmation;
  const row = (variant: 'new' | 'repeat_pending' | 'repeat_confirmed') => outboxRow(job, { attemptId, variant }, `confirm-${attemptId}`);
  const first = row('new');
  return {
    queue: first.queue,
    jobName: first.jobName,
    attemptId,
    locale,
    payloads: { new: first.payload, repeat_pending: row('repeat_pending').payload, repeat_confirmed: row('repeat_confirmed').payload },
    newKey: first.dedupeKey,
    repeatKeyPrefix: checkDedupeKey('confirm-'),
    repeatKeySuffix: checkDedupeKey(`-repeat-${Math.floor(now.getTime() / REPEAT_EMAIL_WINDOW_MS)}`),
  };
}
