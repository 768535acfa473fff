import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import type { Platform } from '../../platform/context';
import { type BounceSubject, subjectOfReturnPath } from '../../platform/return-path';
import { takeReport } from './intake';
import { parseReport } from './reports';

/**
 * The inbound side of VERP: an SMTP server that accepts mail only for the return paths Clarion
 * signed (anything else is refused at RCPT, before a byte of content), reads each message as a
 * delivery report and hands what it says to the intake. Reports are small; a message over
 * MAX_REPORT_BYTES is refused. Nothing a report contains (addresses, diagnostic text) is logged.
 */
const MAX_REPORT_BYTES = 512 * 1024;

type SmtpError = Error & { responseCode?: number };
const smtpError = (responseCode: number, message: string): SmtpError => Object.assign(new Error(message), { responseCode });

interface Session extends SMTPServerSession {
  subjects?: BounceSubject[];
}

function readLimited(stream: Readable & { sizeExceeded?: boolean }): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('end', () => resolve(stream.sizeExceeded ? null : Buffer.concat(chunks)));
    stream.once('error', reject);
  });
}

export interface BounceListener {
  port: number;
  close(): Promise<void>;
}

export async function startBounceListener(platform: Platform, options: { host: string; port: number }): Promise<BounceListener> {
  const { logger } = platform;
  const server = new SMTPServer({
    name: platform.returnPaths.domain,
    banner: 'Clarion delivery reports',
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: MAX_REPORT_BYTES,
    maxClients: 50,
    logger: false,
    onRcptTo(address, session: Session, callback) {
      const subject = subjectOfReturnPath(platform.returnPaths, address.address);
      if (!subject) return callback(smtpError(550, 'No such mailbox'));
      (session.subjects ??= []).push(subject);
      callback();
    },
    onData(stream, session: Session, callback) {
      readLimited(stream)
        .then(async (raw) => {
          if (!raw) return callback(smtpError(552, 'Report too large'));
          const report = await parseReport(raw);
          let recorded = 0;
          for (const subject of session.subjects ?? []) recorded += (await takeReport(platform, subject, report, raw)).recorded;
          logger.info({ verdicts: report.verdicts.map((v) => v.kind), recorded }, 'delivery report received');
          callback();
        })
        .catch((error: unknown) => {
          // Temporary: the sending server keeps the report and tries again later.
          logger.warn({ errorClass: error instanceof Error ? error.name : typeof error }, 'delivery report not recorded');
          callback(smtpError(451, 'Try again later'));
        });
    },
  });
  server.on('error', (error) => logger.warn({ errorClass: error.name }, 'bounces listener error'));
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
