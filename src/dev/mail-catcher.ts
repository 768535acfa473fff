/**
 * Development mail catcher: an SMTP server that keeps what it receives in memory, and a small web
 * UI/JSON API to look at it. `npm start` uses it when no SMTP_URL is configured, so that a fresh
 * checkout can run the whole double opt-in flow without a real mail provider.
 *
 * Not for production: no authentication, no TLS, everything is lost on restart.
 * Run it on its own with `node dist/src/dev/mail-catcher.js` (MAIL_CATCHER_SMTP_PORT,
 * MAIL_CATCHER_HTTP_PORT).
 */
import type { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import express from 'express';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import { escapeHtml, renderMessage, renderMessageList, renderNotFound, type CaughtMessage } from './mail-catcher-pages';

export { escapeHtml, type CaughtMessage };

export interface MailCatcherOptions {
  smtpPort: number;
  httpPort: number;
  host?: string;
  maxMessages?: number;
}

export interface MailCatcher {
  smtpPort: number;
  httpPort: number;
  close(): Promise<void>;
}

const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

type SmtpError = Error & { responseCode?: number };

function smtpError(responseCode: number, message: string): SmtpError {
  return Object.assign(new Error(message), { responseCode });
}

function readAll(stream: Readable): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
  });
}

function addressText(value: AddressObject | AddressObject[] | undefined): string {
  if (!value) return '';
  return Array.isArray(value) ? value.map((a) => a.text).join(', ') : value.text;
}

function toCaughtMessage(id: number, session: SMTPServerSession, raw: Buffer, parsed: ParsedMail | undefined): CaughtMessage {
  const { mailFrom, rcptTo } = session.envelope;
  return {
    id,
    receivedAt: new Date().toISOString(),
    envelope: { from: mailFrom ? mailFrom.address : '', to: rcptTo.map((r) => r.address) },
    from: addressText(parsed?.from),
    to: addressText(parsed?.to),
    replyTo: addressText(parsed?.replyTo),
    subject: parsed?.subject ?? '',
    text: parsed?.text ?? '',
    html: parsed?.html || '',
    messageId: parsed?.messageId ?? '',
    raw: raw.toString('utf8'),
  };
}

function listen(server: EventEmitter, start: (onListening: () => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    start(() => {
      server.off('error', reject);
      resolve();
    });
  });
}

function createHttpApp(store: { list(): CaughtMessage[]; get(id: number): CaughtMessage | undefined; clear(): void }) {
  const app = express();
  app.disable('x-powered-by');
  app.use((_req, res, next) => {
    // Defence in depth for the message page: a caught mail's HTML inherits this policy inside the
    // srcdoc iframe, so it cannot run scripts even if the sandbox attribute were lost.
    res.set({
      'Content-Security-Policy': "script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'",
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
    });
    next();
  });

  const byParam = (id: string | string[] | undefined): CaughtMessage | undefined =>
    typeof id === 'string' && /^\d+$/.test(id) ? store.get(Number(id)) : undefined;
  const withoutRaw = ({ raw: _raw, ...rest }: CaughtMessage) => rest;

  app.get('/', (_req, res) => {
    res.type('html').send(renderMessageList(store.list()));
  });
  app.get('/messages/:id', (req, res) => {
    const message = byParam(req.params.id);
    if (!message) return void res.status(404).type('html').send(renderNotFound());
    res.type('html').send(renderMessage(message));
  });
  app.get('/messages/:id/raw', (req, res) => {
    const message = byParam(req.params.id);
    if (!message) return void res.status(404).type('text/plain').send('No such message\n');
    res.type('text/plain; charset=utf-8').send(message.raw);
  });
  app.get('/api/messages', (_req, res) => {
    res.json(store.list().map(withoutRaw));
  });
  app.get('/api/messages/:id', (req, res) => {
    const message = byParam(req.params.id);
    if (!message) return void res.status(404).json({ error: 'not_found' });
    res.json(message);
  });
  app.delete('/api/messages', (_req, res) => {
    store.clear();
    res.status(204).end();
  });
  return app;
}

export async function startMailCatcher(options: MailCatcherOptions): Promise<MailCatcher> {
  const host = options.host ?? '127.0.0.1';
  const maxMessages = options.maxMessages ?? 500;
  let messages: CaughtMessage[] = [];
  let nextId = 1;

  const store = {
    list: () => messages,
    get: (id: number) => messages.find((m) => m.id === id),
    clear: () => {
      messages = [];
    },
  };

  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    size: MAX_MESSAGE_BYTES,
    logger: false,
    banner: 'Clarion development mail catcher',
    // Reverse DNS on every connection only slows local sends down.
    disableReverseLookup: true,
    // An app with a pooled transport keeps connections open; don't let shutdown wait 30s for them.
    closeTimeout: 1000,
    onData(stream, session, callback) {
      readAll(stream)
        .then(async (raw) => {
          if (stream.sizeExceeded) {
            return callback(smtpError(552, `Message exceeds the ${MAX_MESSAGE_BYTES} byte limit`));
          }
          // A message mailparser chokes on is still worth showing: the raw source is what the
          // developer needs to debug it.
          const parsed = await simpleParser(raw).catch(() => undefined);
          messages.unshift(toCaughtMessage(nextId++, session, raw, parsed));
          if (messages.length > maxMessages) messages.length = maxMessages;
          callback();
        })
        .catch((err: unknown) => callback(smtpError(451, err instanceof Error ? err.message : String(err))));
    },
  });

  await listen(smtp, (done) => smtp.listen(options.smtpPort, host, done));
  // Client disconnects and protocol errors are reported here; without a listener they would crash
  // the process that hosts the catcher.
  smtp.on('error', (err: Error) => console.error(`[mail-catcher] SMTP error: ${err.message}`));
  const closeSmtp = () => new Promise<void>((resolve) => smtp.close(() => resolve()));

  const httpServer = http.createServer(createHttpApp(store));
  try {
    await listen(httpServer, (done) => httpServer.listen(options.httpPort, host, done));
  } catch (err) {
    await closeSmtp();
    throw err;
  }

  let closing: Promise<void> | undefined;
  return {
    smtpPort: (smtp.server.address() as AddressInfo).port,
    httpPort: (httpServer.address() as AddressInfo).port,
    close() {
      closing ??= Promise.all([
        closeSmtp(),
        new Promise<void>((resolve) => {
          httpServer.close(() => resolve());
          // Browsers and fetch keep connections alive; close() alone would wait for them.
          httpServer.closeAllConnections();
        }),
      ]).then(() => undefined);
      return closing;
    },
  };
}

function portFromEnv(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${name} must be a port number, got "${value}"`);
  return port;
}

if (require.main === module) {
  const host = process.env.MAIL_CATCHER_HOST || '127.0.0.1';
  startMailCatcher({
    smtpPort: portFromEnv('MAIL_CATCHER_SMTP_PORT', 2525),
    httpPort: portFromEnv('MAIL_CATCHER_HTTP_PORT', 8025),
    host,
  }).then(
    (catcher) => {
      console.log(`Mail catcher: SMTP smtp://${host}:${catcher.smtpPort}, web UI http://${host}:${catcher.httpPort}/`);
      const stop = () => void catcher.close().then(() => process.exit(0));
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    },
    (err: unknown) => {
      console.error('Mail catcher failed to start:', err);
      process.exit(1);
    },
  );
}
