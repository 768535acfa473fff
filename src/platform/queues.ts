import { z } from 'zod';

/**
 * Queue and job names. Released names are never renamed: jobs already waiting in Redis carry them.
 * Job names read `<feature>.<verb>.<noun>`. Payloads carry ids only: job data sits in Redis in clear.
 */
export const QUEUES = {
  email: 'email',
  letters: 'letters',
  mailings: 'mailings',
  webhooks: 'webhooks',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export const JOBS = {
  sendConfirmation: 'supporters.send.confirmation',
  releaseHeldLetters: 'letters.release.held',
  sendLetter: 'letters.send.letter',
  sendDigest: 'letters.send.digest',
  sendErasureLink: 'supporters.send.erasure-link',
  resolveAddressRequest: 'supporters.resolve.address-request',
  sendLetterApproval: 'letters.send.approval',
  sendMailing: 'mailings.send.mailing',
  sendMailingTest: 'mailings.send.test',
  fanOutEvent: 'webhooks.fanout.event',
  sendWebhook: 'webhooks.send.delivery',
} as const;

export const jobPayloads = {
  [JOBS.sendConfirmation]: z
    .object({
      attemptId: z.uuid(),
      /**
       * Which email: the supporter learns whether this was a first or a repeated signing; `letters`
       * asks a supporter who had confirmed before to confirm the letters of a new signing.
       */
      variant: z.enum(['new', 'repeat_pending', 'repeat_confirmed', 'letters']),
    })
    .strict(),
  /** Retired: confirming a signature no longer releases letters. Jobs still in Redis are skipped. */
  [JOBS.releaseHeldLetters]: z.object({ attemptId: z.uuid() }).strict(),
  /** The email that shows a letters request (delegations, paragraph, name) to its mailbox for approval. */
  [JOBS.sendLetterApproval]: z.object({ approvalId: z.uuid() }).strict(),
  /** A request naming an address (resend, erasure link), looked up here rather than while the requester waits. */
  [JOBS.resolveAddressRequest]: z.object({ requestId: z.uuid() }).strict(),
  /** `slotAt`: the pacing slot this job already holds, set when the job delayed itself to wait for it. */
  [JOBS.sendLetter]: z.object({ letterId: z.uuid(), slotAt: z.number().int().optional() }).strict(),
  /** `periodMinutes`: the period the letters waited for (a delegation's override makes it a day); older jobs lack it. */
  [JOBS.sendDigest]: z
    .object({
      campaignId: z.uuid(),
      targetId: z.uuid(),
      periodStart: z.iso.datetime(),
      periodMinutes: z.number().int().positive().optional(),
      slotAt: z.number().int().optional(),
    })
    .strict(),
  /** `locale`: the language the request was made in, for the email's words. */
  [JOBS.sendErasureLink]: z.object({ supporterId: z.uuid(), locale: z.enum(['en', 'ru', 'kk']) }).strict(),
  /** Sends a mailing's queued recipients until none is left or it is paused or cancelled; `run` is its generation. */
  [JOBS.sendMailing]: z.object({ mailingId: z.uuid(), run: z.number().int().min(1) }).strict(),
  /** "Send a test to myself": the mailing, rendered with sample data, to the account's own address (looked up by the worker). */
  [JOBS.sendMailingTest]: z.object({ mailingId: z.uuid(), accountId: z.uuid(), language: z.enum(['en', 'ru', 'kk']).optional() }).strict(),
  /** A domain event (platform/domain-events.ts) to make one delivery per endpoint that takes its type. */
  [JOBS.fanOutEvent]: z.object({ eventId: z.uuid() }).strict(),
  /** One webhook delivery; the worker builds its body from the database when it sends. */
  [JOBS.sendWebhook]: z.object({ deliveryId: z.uuid() }).strict(),
} as const;

export type JobName = keyof typeof jobPayloads;
export type JobPayload<N extends JobName> = z.infer<(typeof jobPayloads)[N]>;

export const jobQueue: Record<JobName, QueueName> = {
  [JOBS.sendConfirmation]: QUEUES.email,
  [JOBS.releaseHeldLetters]: QUEUES.letters,
  [JOBS.sendLetter]: QUEUES.letters,
  [JOBS.sendDigest]: QUEUES.letters,
  [JOBS.sendErasureLink]: QUEUES.email,
  [JOBS.resolveAddressRequest]: QUEUES.email,
  [JOBS.sendLetterApproval]: QUEUES.email,
  [JOBS.sendMailing]: QUEUES.mailings,
  // One message, sent as promptly as a confirmation: not behind long mailing runs.
  [JOBS.sendMailingTest]: QUEUES.email,
  [JOBS.fanOutEvent]: QUEUES.webhooks,
  [JOBS.sendWebhook]: QUEUES.webhooks,
};
