import { DelayedError, type Job } from 'bullmq';
import type { Transporter } from 'nodemailer';
import type { Platform } from '../../../platform/context';
import { JOBS, jobPayloads } from '../../../platform/queues';
import { describeSmtpError } from '../../../platform/smtp-errors';
import { sendComposed } from '../../../platform/mailer';
import { localiseCampaign, type LocalisedCampaignTexts } from '../../campaigns';
import { openSealedValue, unsubscribeHeaders } from '../../supporters';
import { delegationUnsubscribeUrl } from './digest-overrides';
import { enqueueDeliveries } from './queueing';
import { letterFromName } from '../templates';
import type { LetterContext, RenderedLetter } from '../templates';
import * as letters from './letters.repository';
import { isEmptyLetter } from '../templates';
import { buildLetterContext, rendererFor } from '../templates';
import type { DelegationPacer } from './throttle';
import { recordAddressFailure, recordAddressSuccess } from '../targets';
import { type BounceSubject, returnPathFor } from '../../../platform/return-path';

export interface DeliveryDeps {
  platform: Platform;
  mailer: Transporter;
  pacer: DelegationPacer;
}

/**
 * Sends one letter. The job carries only the letter's id; everything else is re-read here. Only a
 * successful claim (queued → sending) sends, so a job that runs twice sends once; a letter is
 * `sent` only after the SMTP server accepted it. Rule for a worker killed mid-send: the letter
 * stays `sending` until its lease expires, then it is sent again with the same Message-ID
 * (receiving systems drop a repeated Message-ID; the alternative, dropping it, would lose letters).
 */
export function sendLetterHandler(deps: DeliveryDeps) {
  const { platform } = deps;
  const leaseMs = platform.config.LETTERS_SEND_LEASE_SECONDS * 1000;
  return async (job: Job, token?: string): Promise<string> => {
    const data = jobPayloads[JOBS.sendLetter].parse(job.data);
    const letter = await letters.findLetterForDelivery(platform.db, data.letterId);
    if (!letter) return 'skipped: letter gone';
    if (letter.status === 'sending' && letter.sendingAt && letter.sendingAt.getTime() + leaseMs > Date.now()) {
      // Another worker holds it (or held it when it died): look again when the lease has run out.
      return waitUntil(job, token, letter.sendingAt.getTime() + leaseMs + 1000);
    }
    if (letter.status !== 'queued' && letter.status !== 'sending') return `skipped: ${letter.status}`;
    // The delegation asked for this campaign's letters as a digest: the digest claims this one.
    if (letter.digestOverride) return deferToDigest(platform, letter);

    const testMode = letter.campaign.letterTestMode;
    if (!testMode && data.slotAt === undefined && !platform.config.LETTERS_CAP_DISABLED) {
      const slot = await deps.pacer.reserve(pacingOf(platform, letter.target));
      if (slot.getTime() > Date.now() + 1000) {
        await job.updateData({ ...data, slotAt: slot.getTime() });
        return waitUntil(job, token, slot.getTime());
      }
    }

    const claim = await letters.claimForSending(platform.db, letter.id, platform.config.LETTERS_SEND_LEASE_SECONDS);
    if (!claim) {
      // The override may have come between the read above and the claim, which refuses it then.
      if (await letters.isWaitingUnderOverride(platform.db, letter.id, platform.config.LETTERS_SEND_LEASE_SECONDS)) return deferToDigest(platform, letter);
      return 'skipped: claimed elsewhere';
    }

    const supporterName = openSealedValue(platform, letter.supporter.name);
    const supporterEmail = openSealedValue(platform, letter.supporter.email);
    // The delegation's language when the campaign has that version, otherwise the original: the
    // choice and the translation in that language came with the letter; a compiled template is cached.
    const render = await rendererFor(platform.db, letter.template);
    const texts = localiseCampaign(letter.campaign, render.language);
    const rendered = render(letterContext(platform, letter, texts, supporterName, render.language));
    if (isEmptyLetter(rendered)) {
      await letters.markCancelled(platform.db, letter.id, 'rendered empty');
      return 'cancelled: rendered empty';
    }

    const addresses = testMode ? [] : letter.addresses;
    if (!testMode && addresses.length === 0) {
      await letters.markFailed(platform.db, [letter.id], 'no deliverable address for this delegation');
      return 'failed: no deliverable address';
    }
    const messageId = `<letter-${letter.id}@${domainOf(letter.campaign.senderEmail)}>`;
    return sendAndRecord(
      deps,
      job,
      [letter.id],
      {
        from: { name: letterFromName(supporterName, letter.campaign.senderName), address: letter.campaign.senderEmail },
        replyTo: supporterEmail,
        to: testMode ? [supporterEmail] : addresses.map((a) => a.email),
        subject: testMode ? `[TEST] ${rendered.subject}` : rendered.subject,
        rendered,
        messageId,
        language: render.language,
        bounceSubject: testMode ? { kind: 'supporter', id: letter.supporter.id } : { kind: 'letter', id: letter.id },
        // A test letter goes to the supporter, who must not be able to change the delegation's mail.
        headers: testMode
          ? undefined
          : unsubscribeHeaders(delegationUnsubscribeUrl(platform, { campaignId: letter.campaign.id, targetId: letter.target.id }, letter.campaign.language)),
      },
      testMode ? [] : addresses,
    );
  };
}

export interface Outgoing {
  from: { name: string; address: string };
  replyTo?: string;
  to: string[];
  subject: string;
  rendered: RenderedLetter;
  messageId: string;
  digestKey?: string;
  /** The language the message was rendered in, recorded on its letters. */
  language: string;
  /** What a delivery report about this message will be about (its VERP return path). */
  bounceSubject: BounceSubject;
  /** List-Unsubscribe and List-Unsubscribe-Post (RFC 8058), signed by DKIM with the rest. */
  headers?: Record<string, string>;
}

/** Sends, then records the outcome on the letters and on the delegation's addresses. */
export async function sendAndRecord(
  deps: DeliveryDeps,
  job: Job,
  letterIds: string[],
  message: Outgoing,
  addresses: Array<{ id: string; email: string }>,
): Promise<string> {
  const { platform } = deps;
  const stopRenewing = renewLeaseWhileSending(platform, letterIds);
  try {
    const info = await sendComposed(deps.mailer, {
      from: message.from,
      replyTo: message.replyTo,
      to: message.to,
      subject: message.subject,
      text: message.rendered.text,
      html: message.rendered.html,
      messageId: message.messageId,
      envelope: { from: returnPathFor(platform.returnPaths, message.bounceSubject), to: message.to },
      ...(message.headers ? { headers: message.headers } : {}),
    });
    const rejected = new Set(((info.rejected ?? []) as Array<string | { address: string }>).map((r) => (typeof r === 'string' ? r : r.address).toLowerCase()));
    const accepted: string[] = [];
    for (const address of addresses) {
      if (rejected.has(address.email.toLowerCase())) await recordAddressFailure(platform.db, address.id, 'hard');
      else accepted.push(address.id);
    }
    // One statement for every accepted address: a letter to a delegation of three pays one round trip.
    await recordAddressSuccess(platform.db, accepted);
    await letters.markSent(platform.db, letterIds, {
      messageId: message.messageId,
      smtpResponse: describeAccepted(info.response),
      digestKey: message.digestKey,
      language: message.language,
    });
    return 'sent';
  } catch (error) {
    const failure = describeSmtpError(error);
    if (failure.recipientLevel) {
      for (const address of addresses) await recordAddressFailure(platform.db, address.id, failure.permanent ? 'hard' : 'soft');
    }
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (failure.permanent || lastAttempt) {
      // Permanent refusals fail at once; exhausted retries land in the same dead-letter state.
      await letters.markFailed(platform.db, letterIds, failure.permanent ? failure.message : `retries exhausted; last: ${failure.message}`);
      return `failed: ${failure.message}`;
    }
    await letters.markRetrying(platform.db, letterIds, failure.message);
    // Only the classified message goes on to BullMQ (which stores it): the SMTP error may name addresses.
    // eslint-disable-next-line preserve-caught-error
    throw new Error(failure.message);
  } finally {
    stopRenewing();
  }
}

/** Renews the letters' lease every third of it until the send has an outcome (see renewLease). */
function renewLeaseWhileSending(platform: Platform, letterIds: string[]): () => void {
  const every = (platform.config.LETTERS_SEND_LEASE_SECONDS * 1000) / 3;
  const timer = setInterval(() => {
    letters.renewLease(platform.db, letterIds).catch((error: unknown) => {
      // The next renewal (or the lease's own expiry) covers a missed one; log the kind only.
      platform.logger.warn({ component: 'letters', err: { name: (error as Error)?.name } }, 'letter lease renewal failed');
    });
  }, every);
  timer.unref();
  return () => clearInterval(timer);
}

/** Writes the digest's job (through the outbox) and leaves the letter queued for it. */
async function deferToDigest(platform: Platform, letter: letters.LetterForDelivery): Promise<string> {
  await enqueueDeliveries(platform.db, [{ id: letter.id, campaignId: letter.campaign.id, targetId: letter.target.id }]);
  return 'deferred: digest requested by the delegation';
}

function describeAccepted(response: string | undefined): string {
  return String(response ?? '250 accepted').slice(0, 300);
}

async function waitUntil(job: Job, token: string | undefined, at: number): Promise<never> {
  await job.moveToDelayed(at, token);
  throw new DelayedError();
}

export function pacingOf(platform: Platform, target: { id: string; timeZone: string; hourlyCap: number | null }) {
  return { id: target.id, timeZone: target.timeZone, hourlyCap: target.hourlyCap ?? platform.config.LETTERS_HOURLY_CAP };
}

function domainOf(address: string): string {
  return address.split('@')[1] ?? 'clarion.invalid';
}

function letterContext(
  platform: Platform,
  letter: letters.LetterForDelivery,
  texts: LocalisedCampaignTexts,
  supporterName: string,
  language: string,
): LetterContext {
  const { signature } = letter;
  return buildLetterContext({
    campaign: { ...letter.campaign, title: texts.title },
    demands: texts.demands,
    target: letter.target,
    supporter: {
      name: supporterName,
      city: signature.city ? openSealedValue(platform, signature.city) : null,
      countryCode: signature.country,
      paragraph: letter.paragraph ? openSealedValue(platform, letter.paragraph) : null,
    },
    language,
  });
}
