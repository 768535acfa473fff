import https from 'node:https';
import MessageValidator from 'sns-validator';
import { z } from 'zod';
import type { ParsedReport, RecipientVerdict } from '../reports';

/**
 * Amazon SES event notifications through SNS. The SNS envelope is verified with AWS's own
 * validator (`sns-validator`: the signing certificate must come from an https URL at
 * sns.<region>.amazonaws.com, and the RSA signature over the canonical fields must match), then
 * its topic must be one this Clarion subscribed to (`SES_SNS_TOPIC_ARNS`).
 */
export const SNS_HOST_PATTERN = /^sns\.[a-zA-Z0-9-]{3,}\.amazonaws\.com(\.cn)?$/;

export const snsEnvelopeSchema = z
  .object({
    Type: z.enum(['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation']),
    MessageId: z.string().min(1).max(200),
    TopicArn: z.string().min(1).max(400),
    Message: z.string().max(256 * 1024),
    Timestamp: z.string().max(40),
    SignatureVersion: z.string().max(4),
    Signature: z.string().max(2048),
    SigningCertURL: z.string().max(1000),
    SubscribeURL: z.string().max(2000).optional(),
    Token: z.string().max(2000).optional(),
    Subject: z.string().max(400).optional(),
  })
  .passthrough();
export type SnsEnvelope = z.infer<typeof snsEnvelopeSchema>;

export function verifySnsSignature(envelope: SnsEnvelope, hostPattern: RegExp = SNS_HOST_PATTERN): Promise<boolean> {
  const validator = new MessageValidator(hostPattern);
  return new Promise((resolve) => {
    validator.validate(envelope as unknown as Record<string, unknown>, (error) => resolve(!error));
  });
}

/** SNS's subscription handshake: a GET of SubscribeURL, which must be at SNS itself (no SSRF). */
export function confirmSubscription(subscribeUrl: string, hostPattern: RegExp = SNS_HOST_PATTERN): Promise<boolean> {
  let url: URL;
  try {
    url = new URL(subscribeUrl);
  } catch {
    return Promise.resolve(false);
  }
  if (url.protocol !== 'https:' || !hostPattern.test(url.host)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const request = https.get(url, { timeout: 5_000 }, (answer) => {
      answer.resume();
      resolve(answer.statusCode === 200);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}

const recipients = z.array(z.object({ emailAddress: z.string().max(320) }).passthrough()).max(100);
const sesEventSchema = z
  .object({
    notificationType: z.string().max(40).optional(),
    eventType: z.string().max(40).optional(),
    bounce: z
      .object({ bounceType: z.string().max(40), bouncedRecipients: recipients })
      .passthrough()
      .optional(),
    complaint: z.object({ complainedRecipients: recipients }).passthrough().optional(),
    mail: z
      .object({
        source: z.string().max(320).optional(),
        headers: z
          .array(z.object({ name: z.string(), value: z.string() }))
          .max(200)
          .optional(),
      })
      .passthrough()
      .optional(),
  })
  .passthrough();

/** The envelope's message as a report, and where to look for the envelope sender (our VERP path). */
export function sesReport(envelope: SnsEnvelope): { returnPaths: string[]; report: ParsedReport } | null {
  let event: z.infer<typeof sesEventSchema>;
  try {
    const parsed = sesEventSchema.safeParse(JSON.parse(envelope.Message));
    if (!parsed.success) return null;
    event = parsed.data;
  } catch {
    return null;
  }
  const type = event.notificationType ?? event.eventType;
  const verdicts: RecipientVerdict[] = [];
  if (type === 'Bounce' && event.bounce) {
    const kind = event.bounce.bounceType === 'Permanent' ? 'hard' : 'soft';
    for (const r of event.bounce.bouncedRecipients) verdicts.push({ kind, recipient: r.emailAddress.toLowerCase(), status: null });
  } else if (type === 'Complaint' && event.complaint) {
    for (const r of event.complaint.complainedRecipients) verdicts.push({ kind: 'complaint', recipient: r.emailAddress.toLowerCase(), status: null });
  }
  // SES reports the envelope sender it was given as `mail.source`; the original Return-Path header
  // (when the configuration set includes headers) is the second place to look.
  const returnPathHeader = event.mail?.headers
    ?.find((h) => h.name.toLowerCase() === 'return-path')
    ?.value.trim()
    .replace(/^<|>$/g, '');
  return {
    returnPaths: [event.mail?.source, returnPathHeader].filter((v): v is string => Boolean(v)),
    report: { messageId: `ses:${envelope.MessageId}`, verdicts },
  };
}
