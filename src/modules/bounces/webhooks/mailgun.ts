import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { ParsedReport, ReportKind } from '../reports';

/**
 * Mailgun's webhooks: `signature.signature` is the hex HMAC-SHA256 of `timestamp + token` under the
 * account's webhook signing key. The body is not signed (see receipts.ts for why tokens are kept).
 * `failed` events are bounces (`severity` permanent = hard, temporary = soft), `complained` is a
 * complaint; everything else (delivered, opened, …) changes nothing.
 */
export const mailgunCallSchema = z.object({
  signature: z.object({
    timestamp: z.string().regex(/^\d{1,12}$/),
    token: z.string().min(16).max(200),
    signature: z.string().regex(/^[0-9a-fA-F]{64}$/),
  }),
  'event-data': z
    .object({
      id: z.string().max(200).optional(),
      event: z.string().max(40),
      severity: z.string().max(40).optional(),
      recipient: z.string().max(320).optional(),
      envelope: z
        .object({ sender: z.string().max(320).optional() })
        .partial()
        .optional(),
    })
    .passthrough(),
});
export type MailgunCall = z.infer<typeof mailgunCallSchema>;

export function mailgunSignatureValid(signingKey: string, call: MailgunCall): boolean {
  const expected = createHmac('sha256', signingKey)
    .update(call.signature.timestamp + call.signature.token)
    .digest();
  const given = Buffer.from(call.signature.signature, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function kindOf(event: MailgunCall['event-data']): ReportKind | null {
  if (event.event === 'complained') return 'complaint';
  if (event.event !== 'failed') return null;
  return event.severity === 'permanent' ? 'hard' : 'soft';
}

/** The event as a report, and the envelope sender (our VERP return path) it was about. */
export function mailgunReport(call: MailgunCall): { returnPaths: string[]; report: ParsedReport } {
  const event = call['event-data'];
  const kind = kindOf(event);
  return {
    returnPaths: event.envelope?.sender ? [event.envelope.sender] : [],
    report: {
      messageId: `mailgun:${event.id ?? call.signature.token}`,
      verdicts: kind ? [{ kind, recipient: (event.recipient ?? '').toLowerCase(), status: null }] : [],
    },
  };
}
