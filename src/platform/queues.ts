import { z } from 'zod';

/**
 * Queue and job names. Released names are never renamed: jobs already waiting in Redis carry them.
 * Job names read `<feature>.<verb>.<noun>`. Payloads carry ids only: job data sits in Redis in clear.
 */
export const QUEUES = {
  email: 'email',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export const JOBS = {
  sendConfirmation: 'supporters.send.confirmation',
} as const;

export const jobPayloads = {
  [JOBS.sendConfirmation]: z.object({
    signatureId: z.uuid(),
    /** Which email to send: the supporter learns whether this was a first or a repeated signing. */
    variant: z.enum(['new', 'repeat_pending', 'repeat_confirmed']),
  }).strict(),
} as const;

export type JobName = keyof typeof jobPayloads;
export type JobPayload<N extends JobName> = z.infer<(typeof jobPayloads)[N]>;

export const jobQueue: Record<JobName, QueueName> = {
  [JOBS.sendConfirmation]: QUEUES.email,
};
