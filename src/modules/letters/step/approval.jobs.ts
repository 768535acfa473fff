import type { Job } from 'bullmq';
import path from 'node:path';
import type { Transporter } from 'nodemailer';
import type { Platform } from '../../../platform/context';
import { DEFAULT_LOCALE, isLocale, translator, type Locale } from '../../../platform/i18n';
import { jobPayloads, JOBS } from '../../../platform/queues';
import { Views } from '../../../platform/views';
import { findLocalisedTexts } from '../../campaigns';
import { classifySmtpError, mayMailSupporter, notMeLink, openSealedValue } from '../../supporters';
import * as approvals from './approvals.repository';
import { approvalLink } from './approvals.service';
import { delegationName } from './letter-step.view';
import { returnPathFor } from '../../../platform/return-path';

/**
 * Mails a letters request to its address for approval: the delegations, the paragraph and the
 * name exactly as the letters carry them, and a link that approves this request and nothing else.
 * The job names the request by id; the address is opened here and never logged.
 */
export function letterApprovalEmailHandler(platform: Platform, mailer: Transporter) {
  const views = new Views([path.join(__dirname, 'approval-email')]);
  return async (job: Job): Promise<string> => {
    const { approvalId } = jobPayloads[JOBS.sendLetterApproval].parse(job.data);
    const approval = await approvals.findApproval(platform.db, approvalId);
    if (!approval?.supporter || !approval.signature || approval.signature.status === 'invalidated') return 'skipped: nobody to ask';
    if (approval.approvedAt) return 'skipped: already approved';
    if (approval.letters.length === 0) return 'skipped: no letter left to approve';
    if (!(await mayMailSupporter(platform.db, approval.supporter.emailHash, platform.config.SUPPORTER_EMAILS_PER_DAY, job.attemptsMade === 0))) {
      return 'skipped: address stopped mail or reached its daily limit';
    }

    const locale: Locale = isLocale(approval.locale) ? approval.locale : DEFAULT_LOCALE;
    const campaignTitle = (await findLocalisedTexts(platform.db, approval.campaign.id, locale))?.title ?? approval.campaign.title;
    const collator = new Intl.Collator(locale);
    const data = {
      locale,
      name: openSealedValue(platform, approval.supporter.name),
      campaignTitle,
      count: approval.letters.length,
      delegations: approval.letters.map((d) => delegationName(d, locale)).sort(collator.compare),
      paragraph: approval.paragraph ? openSealedValue(platform, approval.paragraph) : null,
      link: approvalLink(platform, approval.id, locale),
      notMeLink: notMeLink(platform, approval.supporter.id, locale),
      senderName: approval.campaign.senderName,
    };
    const senderDomain = approval.campaign.senderEmail.split('@')[1] ?? 'clarion.invalid';
    const to = openSealedValue(platform, approval.supporter.email);
    try {
      await mailer.sendMail({
        from: { name: approval.campaign.senderName, address: approval.campaign.senderEmail },
        to,
        envelope: { from: returnPathFor(platform.returnPaths, { kind: 'supporter', id: approval.supporter.id }), to },
        subject: translator(locale)('email.subject.approval', { title: campaignTitle }),
        text: views.render('approval.text', data),
        html: views.render('approval.html', data),
        messageId: `<${job.id ?? `approval-${approval.id}`}@${senderDomain}>`,
        headers: { 'Auto-Submitted': 'auto-generated' },
      });
    } catch (error) {
      throw classifySmtpError(error);
    }
    return 'sent';
  };
}
