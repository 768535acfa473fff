/**
 * What an SMTP failure means for a retry. 5xx answers are permanent (retrying a refused message
 * only hurts the sender's reputation); 4xx answers and connection failures are temporary.
 * SMTP servers often echo the recipient ("550 <x@y>: no such user"); the text is scrubbed of
 * addresses because it is stored with the letter, with the job in Redis, and in logs.
 */
export interface SmtpFailure {
  permanent: boolean;
  /** Refused at RCPT TO: the address itself is the problem (for its health state). */
  recipientLevel: boolean;
  code: number | undefined;
  message: string;
}

export function describeSmtpError(error: unknown): SmtpFailure {
  const details = error as { responseCode?: number; response?: string; message?: string; command?: string; code?: string };
  const code = typeof details.responseCode === 'number' ? details.responseCode : undefined;
  const text = scrubAddresses(String(details.response ?? details.message ?? 'unknown error')).slice(0, 300);
  return {
    permanent: code !== undefined && code >= 500,
    recipientLevel: details.command === 'RCPT TO' || details.code === 'EENVELOPE',
    code,
    message: code !== undefined ? `SMTP ${code}: ${text.replace(/^\d{3}\s*/, '')}` : `SMTP connection failed: ${text}`,
  };
}

export function scrubAddresses(text: string): string {
  return text.replace(/[^\s<>"'()]+@[^\s<>"'()]+/g, '[address]');
}
