import { UnrecoverableError, type Job } from 'bullmq';
import path from 'node:path';
import type { Transporter } from 'nodemailer';
import type { Platform } from '../../platform/context';
import { type JobPayload, jobPayloads, JOBS } from '../../platform/queues';
import { describeSmtpError } from '../../platform/smtp-errors';
import { DEFAULT_LOCALE, isLocale, translator, type Locale } from '../../platform/i18n';
import { Views } from '../../platform/views';
import { findLocalisedTexts } from '../campaigns';
import { open, SEALED } from './personal-data';
import * as supporters from './supporters.repository';
import { confirmationLink } from './confirmations.service';
import { mayMailSupporter, notMeLink } from './mail-gate';
import { returnPathFor } from '../../platform/return-path';
import { sendComposed } from '../../platform/mailer';
import { unsubscribeHeaders, unsubscribeUrl } from './unsubscribe';

/**
 * Sends the email that follows a signing. The job carries only the attempt id; the address is
 * decrypted here, at the last moment, and never logged. Sending is at-least-once: a worker killed
 * between the SMTP answer and the job's completion sends the same email again, which for a
 * confirmation is harmless.
 */
export function confirmationEmailHandler(platform: Platform, mailer: Transporter) {
  const views = new Views([path.join(__dirname, 'emails')]);
  return async (job: Job): Promise<string> => {
    const { attemptId, variant } = jobPayloads[JOBS.sendConfirmation].parse(job.data) as JobPayload<typeof JOBS.sendConfirmation>;
    const attempt = await supporters.findAttemptForMail(platform.db, attemptId);
    const signature = attempt?.signature;
    if (!attempt || !signature || signature.status === 'invalidated') return 'skipped: signature gone or invalidated';
    if (attempt.confirmedAt) return 'skipped: already confirmed';
    // Retired: confirming a signature no longer releases letters; letters have their own approval email.
    if (variant === 'letters') return 'skipped: letters are approved by their own email';
    if (!(await mayMailSupporter(platform.db, signature.supporter.emailHash, platform.config.SUPPORTER_EMAILS_PER_DAY, job.attemptsMade === 0))) {
      return 'skipped: address stopped mail or reached its daily limit';
    }

    // The language the supporter signed in; the campaign's title in it when it has that translation.
    const locale: Locale = isLocale(attempt.locale) ? attempt.locale : DEFAULT_LOCALE;
    const campaignTitle =
      locale === attempt.locale
        ? signature.campaign.titleInLocale
        : ((await findLocalisedTexts(platform.db, signature.campaign.id, locale))?.title ?? signature.campaign.title);
    // A reminder (someone signed again with this address) was not asked for by the mailbox's owner
    // just now: it carries the one-click unsubscribe link. A first confirmation does not: it is the request.
    const reminder = variant === 'repeat_pending' || variant === 'repeat_confirmed';
    const unsubscribeLink = reminder ? unsubscribeUrl(platform, signature.supporter.id, signature.campaign.id, locale) : '';
    const data = {
      locale,
      unsubscribeLink,
      variant,
      name: open(platform, signature.supporter.nameEncrypted, SEALED.supporterName, signature.supporter.id),
      campaignTitle,
      senderName: signature.campaign.senderName,
      link: variant === 'repeat_confirmed' ? '' : confirmationLink(platform, attempt.id),
      notMeLink: notMeLink(platform, signature.supporter.id, locale),
    };
    const senderDomain = signature.campaign.senderEmail.split('@')[1] ?? 'clarion.invalid';
    const to = open(platform, signature.supporter.emailEncrypted, SEALED.supporterEmail, signature.supporter.id);
    try {
      await sendComposed(mailer, {
        from: { name: signature.campaign.senderName, address: signature.campaign.senderEmail },
        to,
        // Names this attempt: a report then counts against its campaign's rates.
        envelope: { from: returnPathFor(platform.returnPaths, { kind: 'signingAttempt', id: attempt.id }), to },
        subject: translator(locale)(`email.subject.${variant}`, { title: campaignTitle }),
        text: views.render('confirmation.text', data),
        html: views.render('confirmation.html', data),
        messageId: `<${job.id ?? `${attempt.id}-${variant}`}@${senderDomain}>`,
        headers: { 'Auto-Submitted': 'auto-generated', ...(reminder ? unsubscribeHeaders(unsubscribeLink) : {}) },
      });
    } catch (error) {
      throw classifySmtpError(error);
    }
    await supporters.recordAttemptEmailSent(platform.db, attempt.id);
    return 'sent';
  };
}

/** Permanent refusals fail the job at once; temporary ones are retried by the job's backoff. */
export function classifySmtpError(error: unknown): Error {
  const failure = describeSmtpError(error);
  return failure.permanent ? new UnrecoverableError(failure.message) : new Error(failure.message);
}
