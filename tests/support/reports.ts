import nodemailer from 'nodemailer';

/** A delivery status notification as a receiving MTA writes it (RFC 3464 + RFC 6522). */
export function deliveryStatusReport(options: { recipient: string; action?: string; status: string; messageId?: string }): Buffer {
  const id = options.messageId ?? `<dsn-${Math.random().toString(36).slice(2)}@mx.example.org>`;
  return Buffer.from(
    [
      'From: Mail Delivery System <MAILER-DAEMON@mx.example.org>',
      'To: postmaster@example.org',
      `Message-ID: ${id}`,
      'Subject: Undelivered Mail Returned to Sender',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="REPORT"',
      '',
      '--REPORT',
      'Content-Type: text/plain; charset=us-ascii',
      '',
      'This is the mail system. Your message could not be delivered.',
      '',
      '--REPORT',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.example.org',
      '',
      `Final-Recipient: rfc822; ${options.recipient}`,
      `Action: ${options.action ?? 'failed'}`,
      `Status: ${options.status}`,
      `Diagnostic-Code: smtp; ${options.status.startsWith('5') ? '550' : '452'} ${options.status} mailbox problem`,
      '',
      '--REPORT',
      'Content-Type: text/rfc822-headers',
      '',
      'Subject: a letter',
      '',
      '--REPORT--',
      '',
    ].join('\r\n'),
  );
}

/** An abuse report as a mailbox provider's feedback loop sends it (ARF, RFC 5965). */
export function complaintReport(recipient: string): Buffer {
  return Buffer.from(
    [
      'From: Feedback Loop <fbl@mailbox.example.net>',
      'To: postmaster@example.org',
      `Message-ID: <arf-${Math.random().toString(36).slice(2)}@mailbox.example.net>`,
      'Subject: Abuse report',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=feedback-report; boundary="ARF"',
      '',
      '--ARF',
      'Content-Type: text/plain',
      '',
      'This is an email abuse report.',
      '',
      '--ARF',
      'Content-Type: message/feedback-report',
      '',
      'Feedback-Type: abuse',
      'User-Agent: Example-FBL/1.0',
      'Version: 1',
      `Original-Rcpt-To: ${recipient}`,
      '',
      '--ARF',
      'Content-Type: text/rfc822-headers',
      '',
      'Subject: Please confirm',
      '',
      '--ARF--',
      '',
    ].join('\r\n'),
  );
}

/** Delivers a report over real SMTP to the bounces listener, as the remote server would (null sender). */
export async function deliverReport(port: number, returnPath: string, raw: Buffer): Promise<void> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  try {
    await transport.sendMail({ envelope: { from: '', to: [returnPath] }, raw });
  } finally {
    transport.close();
  }
}
