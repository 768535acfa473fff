import type { Job } from 'bullmq';
import type { Transporter } from 'nodemailer';
import type { Platform } from '../../platform/context';
import { JOBS, jobPayloads } from '../../platform/queues';
import { unsubscribeHeaders } from '../supporters';
import { MailingRenderer } from './mailing-render';
import * as repo from './mailings.repository';
import { demoUnsubscribeUrl, SAMPLE_SUPPORTER_NAME } from './mailings.service';

/**
 * "Send a test to myself": the mailing as the preview renders it (sample name, demo unsubscribe
 * link), to the address of the account that asked, and to nobody else. Subject marked [TEST].
 *
 * The unsubscribe link and headers are a demo (`/unsubscribe/preview`, which names nobody and
 * changes nothing): a real token names a supporter, and the staff member is not one. The headers
 * are there so the test shows how mail clients present the update's unsubscribe button.
 * The envelope sender is the bounce address without an opaque id: a report about a test names
 * no supporter and no delegation, and the bounce intake drops it.
 *
 * A job run twice (a crash between send and completion) sends a second test: harmless to staff.
 */
export function sendMailingTestHandler(platform: Platform, mailer: Transporter) {
  return async (job: Job): Promise<string> => {
    const { mailingId, accountId, language } = jobPayloads[JOBS.sendMailingTest].parse(job.data);
    const mailing = await repo.findMailing(platform.db, mailingId);
    if (!mailing) return 'skipped: mailing gone';
    const campaign = await repo.findCampaignForMail(platform.db, mailing.campaignId);
    if (!campaign) return 'skipped: campaign gone';
    const to = await repo.findAccountAddress(platform.db, accountId);
    if (!to) return 'skipped: account gone or disabled';
    const link = demoUnsubscribeUrl(platform);
    const message = await new MailingRenderer(platform, mailing, campaign).render(language ?? mailing.language, SAMPLE_SUPPORTER_NAME, link);
    const { localPart, domain } = platform.returnPaths;
    await mailer.sendMail({
      from: { name: campaign.senderName, address: campaign.senderEmail },
      to,
      envelope: { from: `${localPart}@${domain}`, to },
      subject: `[TEST] ${message.subject}`,
      text: message.text,
      html: message.html,
      // Not X-Clarion-Mailing: a test is no recipient of the mailing and counts nowhere.
      headers: { ...unsubscribeHeaders(link), 'X-Clarion-Mailing-Test': mailingId, 'Auto-Submitted': 'auto-generated' },
    });
    return `sent test (${message.language})`;
  };
}
