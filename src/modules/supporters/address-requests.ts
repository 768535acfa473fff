import { randomUUID } from 'node:crypto';
import type { Platform } from '../../platform/context';
import type { Locale } from '../../platform/i18n';
import { addToOutbox } from '../../platform/outbox';
import { JOBS } from '../../platform/queues';
import { canonicalEmail } from './email-address';
import { emailLookupHash } from './personal-data';
import * as supporters from './supporters.repository';
import { REPEAT_EMAIL_WINDOW_MS } from './supporters.service';

/**
 * Requests that name an address: "send me a new confirmation link" and "send me an erasure link".
 * Whoever asks gets the same answer whether or not the address is known, and the request does the
 * same work either way, in the same time: it records the address's keyed hash and a job, nothing
 * more. The job looks the address up and, if there is something to send, queues the email.
 * The row is deleted as soon as the job has read it.
 */
export type AddressRequestKind = 'resend' | 'erasure';

/** At most one erasure email per supporter per hour, however often the form is sent. */
const ERASURE_EMAIL_WINDOW_MS = 3600 * 1000;

export async function recordAddressRequest(
  platform: Platform,
  kind: AddressRequestKind,
  email: string,
  campaignId: string | null,
  locale: Locale,
): Promise<void> {
  const id = randomUUID();
  const emailHash = emailLookupHash(platform, canonicalEmail(email));
  await platform.db.$transaction(async (tx) => {
    await supporters.insertAddressRequest(tx, { id, kind, emailHash, campaignId, locale });
    await addToOutbox(tx, JOBS.resolveAddressRequest, { requestId: id }, `address-request-${id}`);
  });
}

/** The job: what the request asks for, if the address has it; the request row goes either way. */
export async function resolveAddressRequest(platform: Platform, requestId: string, now = new Date()): Promise<string> {
  return platform.db.$transaction(async (tx) => {
    const request = await supporters.takeAddressRequest(tx, requestId);
    if (!request) return 'skipped: request already resolved';
    if (request.kind === 'erasure') {
      const supporter = await supporters.findSupporterIdByEmailHash(tx, request.emailHash);
      if (!supporter) return 'nothing to send';
      const window = Math.floor(now.getTime() / ERASURE_EMAIL_WINDOW_MS);
      await addToOutbox(tx, JOBS.sendErasureLink, { supporterId: supporter.id, locale: request.locale }, `erasure-link-${supporter.id}-${window}`);
      return 'erasure link queued';
    }
    const signature = request.campaignId ? await supporters.findPendingSignatureByEmail(tx, request.campaignId, request.emailHash) : null;
    if (!signature) return 'nothing to send';
    // A fresh attempt of its own: the new link confirms the signature and concerns nothing that
    // someone else prepared with an earlier attempt. It shares the hourly window of repeated signings.
    const attemptId = randomUUID();
    const window = Math.floor(now.getTime() / REPEAT_EMAIL_WINDOW_MS);
    const queued = await addToOutbox(tx, JOBS.sendConfirmation, { attemptId, variant: 'repeat_pending' }, `confirm-${signature.id}-repeat-${window}`);
    if (!queued) return 'skipped: a link was sent in this window';
    await supporters.insertAttempt(tx, {
      id: attemptId,
      campaignId: request.campaignId!,
      signatureId: signature.id,
      emailQueued: true,
      locale: request.locale,
    });
    return 'confirmation link queued';
  });
}
