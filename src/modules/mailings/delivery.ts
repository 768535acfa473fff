import type { Job } from 'bullmq';
import type { Platform } from '../../platform/context';
import { JOBS, jobPayloads } from '../../platform/queues';
import type { MessageSender } from '../../platform/mail-sender-thread';
import { returnPathFor } from '../../platform/return-path';
import { describeSmtpError } from '../../platform/smtp-errors';
import { openPersonalData, SEALED, suppressAfterReport, unsubscribeHeaders, unsubscribeUrl } from '../supporters';
import { MailingRenderer } from './mailing-render';
import * as repo from './mailings.repository';

/** Temporary failures of one recipient before it is given up as `failed`. */
export const MAX_RECIPIENT_ATTEMPTS = 5;

export interface MailingDeliveryDeps {
  platform: Platform;
  /** Builds and sends each message (a thread of its own that owns the SMTP pool: platform/mail-sender-thread.ts). */
  sender: MessageSender;
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
 * result. Before each claim it re-reads the mailing's status, so a pause or a cancel stops it
 * within one batch. The rate is kept by spacing claims (`rate_per_minute`). The job carries ids only.
 *
 * Sends overlap claims: the next batch is claimed once half of the window is free, so the SMTP
 * pool never drains while the worker waits for a batch's slowest message and the next claim
 * (waiting for whole batches kept the pool idle for a third of the time).
 *
 * A worker killed mid-send leaves its claimed rows `sending`; after MAILINGS_SEND_LEASE_SECONDS
 * the sweeper queues them again and they are sent with the same Message-ID. As for letters, a
 * rare duplicate (recognisable by its Message-ID) is preferred to an update silently lost.
 */
export function sendMailingHandler(deps: MailingDeliveryDeps) {
  const { platform } = deps;
  return async (job: Job): Promise<string> => {
    const { mailingId } = jobPayloads[JOBS.sendMailing].parse(job.data);
    const mailing = await repo.findMailing(platform.db, mailingId);
    if (!mailing) return 'skipped: mailing gone';
    const campaign = await repo.findCampaignForMail(platform.db, mailing.campaignId);
    if (!campaign) return 'skipped: campaign gone';
    const renderer = new MailingRenderer(platform, mailing, campaign);
    const recorder = new SentRecorder(platform.db);
    const window = new SendWindow();
    let sent = 0;
    let temporaryFailures = false;
    const send = (recipient: repo.ClaimedRecipient) =>
      sendOne(deps, renderer, campaign, mailingId, recipient, recorder).then((outcome) => {
        if (outcome === 'sent') sent += 1;
        if (outcome === 'queued') temporaryFailures = true;
      });
    try {
      for (;;) {
        const state = await repo.findSendingState(platform.db, mailingId);
        if (!state) return 'skipped: mailing gone';
        if (state.status !== 'sending') {
          await window.drain();
          return `stopped: ${state.status} after ${sent}`;
        }
        const started = Date.now();
        const rate = state.ratePerMinute ?? platform.config.MAILINGS_PER_MINUTE;
        const width = batchSizeFor(rate, deps.batchSize);
        const batch = await repo.claimRecipients(platform.db, mailingId, width - window.size);
        if (batch.length === 0) {
          await window.drain();
          if (temporaryFailures) throw new Error('temporary SMTP failures; retrying the run');
          // Rows still `sending` belong to another worker (or a dead one: the sweeper re-drives them).
          return (await repo.finishIfDone(platform.db, mailingId)) ? `done after ${sent}` : `waiting for leased recipients after ${sent}`;
        }
        for (const recipient of batch) {
          window.add(send(recipient));
          // One recipient's synchronous part (decrypting, the token, rendering) at a time: answers
          // from the sender thread and the next claim are not held up behind a whole batch.
          await new Promise((resolve) => setImmediate(resolve));
        }
        await window.waitUntilAtMost(Math.floor(width / 2));
        // A server refusing for now: back off through the job's retries rather than spin on the same rows.
        if (temporaryFailures) {
          await window.drain();
          throw new Error('temporary SMTP failures; retrying the run');
        }
        const wait = started + (batch.length * 60_000) / rate - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
    } finally {
      // Whatever ends the run, no send of it is left running unobserved.
      await window.settle();
    }
  };
}

/** The sends in flight: the run claims more when few are left, and waits for all before it ends. */
export class SendWindow {
  private readonly pending = new Set<Promise<void>>();

  get size(): number {
    return this.pending.size;
  }

  add(sending: Promise<void>): void {
    const tracked: Promise<void> = sending.finally(() => this.pending.delete(tracked));
    // A failed send is the run's failure once drained; meanwhile it must not go unhandled.
    tracked.catch(() => undefined);
    this.pending.add(tracked);
  }

  async waitUntilAtMost(count: number): Promise<void> {
    while (this.pending.size > count) await Promise.race(this.pending);
  }

  /** Waits for every send; the first that failed fails the run. */
  async drain(): Promise<void> {
    const results = await this.settle();
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  settle(): Promise<PromiseSettledResult<void>[]> {
    return Promise.allSettled([...this.pending]);
  }
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
    const info = await deps.sender.send({
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
    await recorder.record({ recipientId: recipient.id, smtpResponse: info.response.slice(0, 300) });
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
