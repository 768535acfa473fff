import nodemailer, { type SentMessageInfo, type Transporter } from 'nodemailer';
import MailComposer, { type MailComposerOptions } from 'nodemailer/lib/mail-composer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';

/** A pooled SMTP transport: one connection per message would cost a TLS handshake per letter. */
export interface DkimOptions {
  domainName: string;
  keySelector: string;
  privateKey: string;
}

export function dkimFromConfig(config: { DKIM_DOMAIN?: string; DKIM_SELECTOR?: string; DKIM_PRIVATE_KEY?: string }): DkimOptions | undefined {
  return config.DKIM_DOMAIN && config.DKIM_SELECTOR && config.DKIM_PRIVATE_KEY
    ? { domainName: config.DKIM_DOMAIN, keySelector: config.DKIM_SELECTOR, privateKey: config.DKIM_PRIVATE_KEY }
    : undefined;
}

export function createMailer(smtpUrl: string, poolSize: number, dkim?: DkimOptions): Transporter {
  return nodemailer.createTransport(mailerOptions(smtpUrl, poolSize, dkim));
}

/** The pooled transport's options: plain data, so a thread of its own can build the same transport (mail-sender-thread.ts). */
export function mailerOptions(smtpUrl: string, poolSize: number, dkim?: DkimOptions): SMTPPool.Options {
  const url = new URL(smtpUrl);
  const secure = url.protocol === 'smtps:';
  // `?insecure=true` allows plain SMTP to a non-loopback host, e.g. Mailpit inside Docker Compose.
  const local = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname) || url.searchParams.get('insecure') === 'true';
  return {
    pool: true,
    maxConnections: poolSize,
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: Number(url.port || (secure ? 465 : 587)),
    secure,
    // A development catcher on loopback speaks no TLS; anything else must upgrade.
    ignoreTLS: local && !secure,
    requireTLS: !local && !secure,
    auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
    ...(dkim ? { dkim } : {}),
  };
}

export type { Transporter };

export interface ComposedMessage extends MailComposerOptions {
  /** Always given: the SMTP envelope (VERP return path, the one recipient) is not read from the headers. */
  envelope: { from: string; to: string | string[] };
}

/**
 * Builds the message in memory with nodemailer's own MailComposer, then hands the transport the
 * finished bytes. The same MIME as `sendMail` with the same fields (DKIM still signs it: the
 * transport signs raw messages too), but written to the socket in one piece: streamed part by
 * part, each header line and encoded body line was its own socket write, a fifth of the mailings
 * worker's CPU (profile in README "Where the time goes").
 */
export async function sendComposed(mailer: Transporter, message: ComposedMessage): Promise<SentMessageInfo> {
  const raw = await new MailComposer(message).compile().build();
  return mailer.sendMail({ raw, envelope: message.envelope });
}
