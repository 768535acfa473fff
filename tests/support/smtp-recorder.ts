/**
 * A real SMTP server, inside the test process, that records what it receives. Tests point the
 * mailer at `recorder.url` and then assert on `recorder.messages`, so the whole path through
 * nodemailer and the SMTP protocol is exercised rather than a mocked transport.
 *
 * `respondWith` scripts the answer to the next messages' DATA, to simulate temporary (4xx) and
 * permanent (5xx) failures of the mail provider. `setAcceptDelay` makes the server slow to answer
 * at the end of DATA, e.g. so that a worker can be killed while messages are in flight.
 */
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

export interface RecordedMessage {
  envelope: { from: string; to: string[] };
  /** The full MIME source as received. */
  raw: string;
  // Parsed fields are '' when the message does not have them, so predicates need no `?.`.
  subject: string;
  from: string;
  to: string;
  replyTo: string;
  messageId: string;
  text: string;
  html: string;
  /**
   * Header values as written on the wire (unfolded, not MIME-decoded), by lowercase name; for a
   * repeated header, the first one. Raw strings because mailparser turns some headers, e.g.
   * List-Unsubscribe, into objects.
   */
  headers: Map<string, string>;
  /** Everything else mailparser found (attachments, dates, ...). */
  parsed: ParsedMail;
}

export interface ScriptedResponse {
  code: number;
  message?: string;
}

interface Waiter {
  predicate: (message: RecordedMessage) => boolean;
  resolve: (message: RecordedMessage) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
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

function rawHeaders(parsed: ParsedMail): Map<string, string> {
  const headers = new Map<string, string>();
  for (const { key, line } of parsed.headerLines) {
    const name = key.toLowerCase();
    if (headers.has(name)) continue;
    headers.set(
      name,
      line
        .slice(line.indexOf(':') + 1)
        .replace(/\r?\n[ \t]+/g, ' ')
        .trim(),
    );
  }
  return headers;
}

function summary(message: RecordedMessage): string {
  return `"${message.subject}" to ${message.envelope.to.join(', ')}`;
}

export class SmtpRecorder {
  readonly messages: RecordedMessage[] = [];
  rejected = 0;

  private responses: ScriptedResponse[] = [];
  private waiters = new Set<Waiter>();
  private acceptDelayMs = 0;

  private constructor(
    private readonly server: SMTPServer,
    readonly port: number,
  ) {}

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  get acceptedCount(): number {
    return this.messages.length;
  }

  static async start(): Promise<SmtpRecorder> {
    // Assigned once the server listens; the handler below runs only after that.
    // eslint-disable-next-line prefer-const
    let recorder: SmtpRecorder | undefined;
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      size: 10 * 1024 * 1024,
      logger: false,
      disableReverseLookup: true,
      // Keeps `stop()` quick when a test leaves a pooled transport connected.
      closeTimeout: 500,
      onData(stream, session, callback) {
        readAll(stream)
          .then(async (raw) => {
            if (!recorder) throw new Error('SmtpRecorder is not ready');
            const response = recorder.nextResponse();
            if (response instanceof Error) {
              recorder.rejected++;
              await recorder.pauseBeforeAnswer();
              return callback(response);
            }
            // Recorded on receipt, answered after the delay: a client that dies in between has
            // delivered the message without learning so (the server's log has it, the sender not).
            await recorder.record(session, raw);
            await recorder.pauseBeforeAnswer();
            callback(null, response);
          })
          .catch((err: unknown) => callback(Object.assign(new Error(`SmtpRecorder failed: ${String(err)}`), { responseCode: 451 })));
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    // Clients hanging up mid-session surface as server errors; they must not crash the test run.
    server.on('error', () => {});
    recorder = new SmtpRecorder(server, (server.server.address() as AddressInfo).port);
    return recorder;
  }

  /**
   * Queues answers for the next messages, one per message at end of DATA (appended to any still
   * queued). A code below 400 accepts; 4xx and 5xx reject the message. Once the queue is empty,
   * every message is accepted.
   */
  respondWith(responses: ScriptedResponse[]): void {
    this.responses.push(...responses);
  }

  /**
   * Waits `ms` at the end of every message's DATA before answering (accepting or rejecting); 0,
   * the default, answers at once. A message is recorded in `messages` before the wait.
   */
  setAcceptDelay(ms: number): void {
    this.acceptDelayMs = Math.max(0, ms);
  }

  /** Resolves with the first message, already received or still to come, that matches. */
  waitFor(predicate: (message: RecordedMessage) => boolean, timeoutMs = 10_000): Promise<RecordedMessage> {
    return this.wait(predicate, timeoutMs, () => {
      const seen = this.messages.map(summary).join('; ') || 'none';
      return `no matching message within ${timeoutMs}ms (received ${this.messages.length}: ${seen}; rejected ${this.rejected})`;
    });
  }

  /** Resolves with all received messages once there are at least `count`. */
  async waitForCount(count: number, timeoutMs = 10_000): Promise<RecordedMessage[]> {
    await this.wait(
      () => this.messages.length >= count,
      timeoutMs,
      () => `expected ${count} message(s) within ${timeoutMs}ms, received ${this.messages.length} (rejected ${this.rejected})`,
    );
    return [...this.messages];
  }

  /** Forgets received messages, the rejected count and any scripted responses still queued. */
  clear(): void {
    this.messages.length = 0;
    this.rejected = 0;
    this.responses = [];
  }

  async stop(): Promise<void> {
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error('SmtpRecorder stopped while waiting for a message'));
    }
    this.waiters.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private wait(predicate: (message: RecordedMessage) => boolean, timeoutMs: number, timeoutMessage: () => string): Promise<RecordedMessage> {
    const found = this.messages.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        predicate,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(new Error(`SmtpRecorder: ${timeoutMessage()}`));
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  private async pauseBeforeAnswer(): Promise<void> {
    if (this.acceptDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.acceptDelayMs));
  }

  /** The answer to the message whose DATA just ended: an Error to reject it, or the 250 text. */
  private nextResponse(): Error | string | undefined {
    const response = this.responses.shift();
    if (!response || response.code < 400) return response?.message;
    const message = response.message ?? `Scripted ${response.code >= 500 ? 'permanent' : 'temporary'} failure`;
    return Object.assign(new Error(message), { responseCode: response.code });
  }

  private async record(session: SMTPServerSession, raw: Buffer): Promise<void> {
    const parsed = await simpleParser(raw);
    const { mailFrom, rcptTo } = session.envelope;
    const message: RecordedMessage = {
      envelope: { from: mailFrom ? mailFrom.address : '', to: rcptTo.map((r) => r.address) },
      raw: raw.toString('utf8'),
      subject: parsed.subject ?? '',
      from: addressText(parsed.from),
      to: addressText(parsed.to),
      replyTo: addressText(parsed.replyTo),
      messageId: parsed.messageId ?? '',
      text: parsed.text ?? '',
      html: parsed.html || '',
      headers: rawHeaders(parsed),
      parsed,
    };
    this.messages.push(message);
    for (const waiter of this.waiters) {
      if (!waiter.predicate(message)) continue;
      clearTimeout(waiter.timer);
      this.waiters.delete(waiter);
      waiter.resolve(message);
    }
  }
}
