import type { Job } from 'bullmq';
import path from 'node:path';
import type { Transporter } from 'nodemailer';
import type { Platform } from '../../platform/context';
import { translator } from '../../platform/i18n';
import { jobPayloads, JOBS } from '../../platform/queues';
import { Views } from '../../platform/views';
import { classifySmtpError, mayMailSupporter, openPersonalData as open, SEALED } from '../supporters';
import * as repo from './erasure.repository';
import { erasureLink } from './erasure.service';
import { returnPathFor } from '../../platform/return-path';

/**
 * Mails the erasure link. The job names the supporter by id; the address is opened here and
 * never logged. A supporter erased before the job runs gets nothing (there is nobody to write to).
 */
export function erasureLinkEmailHandler(platform: Platform, mailer: Transporter) {
  const views = new Views([path.join(__dirname, 'emails')]);
  return async (job: Job): Promise<string> => {
    const { supporterId, locale } = jobPayloads[JOBS.sendErasureLink].parse(job.data);
    const supporter = await repo.findSupporterForMail(platform.db, supporterId);
    const campaign = supporter?.signatures[0]?.campaign;
    if (!supporter || !campaign) return 'skipped: nothing left to erase';
    if (!(await mayMailSupporter(platform.db, Buffer.from(supporter.emailHash), platform.config.SUPPORTER_EMAILS_PER_DAY, job.attemptsMade === 0))) {
      return 'skipped: address stopped mail or reached its daily limit';
    }

    const t = translator(locale);
    const data = {
      locale,
      name: open(platform, supporter.nameEncrypted, SEALED.supporterName, supporter.id),
      link: erasureLink(platform, supporter.id, locale),
      senderName: campaign.senderName,
    };
    const senderDomain = campaign.senderEmail.split('@')[1] ?? 'clarion.invalid';
    const to = open(platform, supporter.emailEncrypted, SEALED.supporterEmail, supporter.id);
    try {
      await mailer.sendMail({
        from: { name: campaign.senderName, address: campaign.senderEmail },
        to,
        envelope: { from: returnPathFor(platform.returnPaths, { kind: 'supporter', id: supporter.id }), to },
        subject: t('erasure.email.subject'),
        text: views.render('erasure-link.text', data),
        html: views.render('erasure-link.html', data),
        messageId: `<${job.id ?? `erasure-${supporter.id}`}@${senderDomain}>`,
        headers: { 'Auto-Submitted': 'auto-generated' },
      });
    } catch (error) {
      throw classifySmtpError(error);
    }
    return 'sent';
  };
}
