import type { Job } from 'bullmq';
import type { Transporter } from 'nodemailer';
import type { Platform } from '../../platform/context';
import { JOBS, jobPayloads } from '../../platform/queues';
import { returnPathFor } from '../../platform/return-path';
import { describeSmtpError } from '../../platform/smtp-errors';
import { openPersonalData, SEALED, suppressAfterReport, unsubscribeHeaders, unsubscribeUrl } from '../supporters';
import { MailingRenderer } from './mailing-render';
import * as repo from './mailings.repository';

/** Temporary failures of one recipient before it is given up as `failed`. */
export const MAX_RECIPIENT_ATTEMPTS = 5;

export interface MailingDeliveryDeps {
  platform: Platform;
  mailer: Transporter;
  /** The fewest recipients claimed and sent at once (through the pooled transport): its width. */
  batchSize: number;
}

/** The most recipients one batch claims: a pause or cancel still stops a run within a moment. */
export const MAX_BATCH = 50;

/**
 * About one second of the mailing's rate per batch, never fewer than the pool's width. At high
 * rates the per-batch work (re-reading the mailing, the claim) is spread over more messages, and
 * more are in flight on the pool; at the default rate a batch stays as small as the pool.
 */
export function batchSizeFor(ratePerMinute: number, poolWidth: number): number {
  return Math.min(MAX_BATCH, Math.max(poolWidth, Math.floor(ratePerMinute / 60)));
}

/**
 * Sends a mailing: one job per run (start, resume, re-drive) that claims recipients in small
 * batches (queued → sending, the lease starting at the claim), sends each, then records the
 * result. Before each batch it re-reads the mailing, so a pause or a cancel stops it within one
 * batch. The rate is kept by spacing batches (`rate_per_minute`). The job carries ids only.
 *
 * A worker killed mid-send leaves its claimed rows `sending`; after MAILINGS_SEND_LEASE_SECONDS
 * the sweeper queues them again and they are sent with the same Message-ID. As for letters, a
 * rare duplicate (recognisable by its Message-ID) is preferred to an update silently lost.
 */
export function sendMailingHandler(deps: MailingDeliveryDeps) {
  const { platform } = deps;
  return async (job: Job): Promise<string> => {
    const { mailingId } = jobPayloads[JOBS.sendMailing].parse(job.data);
    let renderer: MailingRenderer | undefined;
    let campaign: repo.CampaignForMail | null = null;
    let sent = 0;
    const recorder = new SentRecorder(platform.db);
    for (;;) {
      const mailing = await repo.findMailing(platform.db, mailingId);
      if (!mailing) return 'skipped: mailing gone';
      if (mailing.status !== 'sending') return `stopped: ${mailing.status} after ${sent}`;
      campaign ??= await repo.findCampaignForMail(platform.db, mailing.campaignId);
      if (!campaign) return 'skipped: campaign gone';
      renderer ??= new MailingRenderer(platform, mailing, campaign);
      const started = Date.now();
      const rate = mailing.ratePerMinute ?? platform.config.MAILINGS_PER_MINUTE;
      const batch = await repo.claimRecipients(platform.db, mailingId, batchSizeFor(rate, deps.batchSize));
      if (batch.length === 0) {
        // Rows still `sending` belong to another worker (or a dead one: the sweeper re-drives them).
        return (await repo.finishIfDone(platform.db, mailingId)) ? `done after ${sent}` : `waiting for leased recipients after ${sent}`;
      }
      const outcomes = await Promise.all(batch.map((recipient) => sendOne(deps, renderer!, campaign!, mailingId, recipient, recorder)));
      sent += outcomes.filter((o) => o === 'sent').length;
      // A server refusing for now: back off through the job's retries rather than spin on the same rows.
      if (outcomes.includes('queued')) throw new Error('temporary SMTP failures; retrying the run');
      const spacing = (batch.length * 60_000) / rate;
      const wait = started + spacing - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  };
}

/**
 * Records accepted messages as `sent` in small groups: those the server accepts within a few
 * milliseconds (10) of each other share one statement (a statement per message was most of the
 * worker's database work). Each sender still waits for its own row to be written, so a crash
 * leaves unrecorded only what was accepted in the last few milliseconds, as before.
 */
export class SentRecorder {
  private group: { rows: repo.AcceptedMessage[]; written: Promise<void> } | undefined;

  constructor(
    private readonly db: Platform['db'],
    private readonly gatherMs = 10,
  ) {}

  record(row: repo.AcceptedMessage): Promise<void> {
    if (!this.group) {
      const rows: repo.AcceptedMessage[] = [];
      const written = new Promise<void>((resolve, reject) => {
        setTimeout(() => {
          this.group = undefined;
          repo.recordSent(this.db, rows).then(resolve, reject);
        }, this.gatherMs);
      });
      this.group = { rows, written };
    }
    this.group.rows.push(row);
    return this.group.written;
  }
}

async function sendOne(
  deps: MailingDeliveryDeps,
  renderer: MailingRenderer,
  campaign: repo.CampaignForMail,
  mailingId: string,
  recipient: repo.ClaimedRecipient,
  recorder: SentRecorder,
): Promise<repo.RecipientOutcome> {
  const { platform } = deps;
  if (recipient.stopped) {
    await repo.recordOutcome(platform.db, recipient.id, 'skipped_unsubscribed', null);
    return 'skipped_unsubscribed';
  }
  const to = openPersonalData(platform, recipient.email_encrypted, SEALED.supporterEmail, recipient.supporter_id);
  const name = openPersonalData(platform, recipient.name_encrypted, SEALED.supporterName, recipient.supporter_id);
  const link = unsubscribeUrl(platform, recipient.supporter_id, campaign.id, recipient.language);
  const message = await renderer.render(recipient.language, name, link);
  const domain = campaign.senderEmail.split('@')[1] ?? 'clarion.invalid';
  try {
    const info = await deps.mailer.sendMail({
      from: { name: campaign.senderName, address: campaign.senderEmail },
      to,
      // Names this recipient's row: a later bounce or complaint counts against this mailing.
      envelope: { from: returnPathFor(platform.returnPaths, { kind: 'mailingRecipient', id: recipient.id }), to },
      subject: message.subject,
      text: message.text,
      html: message.html,
      // Stable per recipient: a copy sent again after a crash carries the same Message-ID.
      messageId: `<mailing-${recipient.id}@${domain}>`,
      headers: { ...unsubscribeHeaders(link), 'X-Clarion-Mailing': mailingId },
    });
    await recorder.record({ recipientId: recipient.id, smtpResponse: String(info.response ?? '250 accepted').slice(0, 300) });
    return 'sent';
  } catch (error) {
    const failure = describeSmtpError(error);
    if (failure.permanent && failure.recipientLevel) {
      // The address does not exist: suppress it for every later email, as a bounce report would.
      await suppressAfterReport(platform.db, recipient.supporter_id, 'bounced');
      await repo.recordOutcome(platform.db, recipient.id, 'bounced', failure.message);
      return 'bounced';
    }
    const outcome = failure.permanent || recipient.attempts >= MAX_RECIPIENT_ATTEMPTS ? 'failed' : 'queued';
    await repo.recordOutcome(platform.db, recipient.id, outcome, failure.message);
    return outcome;
  }
}
