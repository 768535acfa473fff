import { Worker } from 'node:worker_threads';
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import type { ComposedMessage } from './mailer';

/**
 * Sends a mailing's messages from a thread of its own, which owns the pooled SMTP transport and
 * builds each message's MIME (nodemailer's MailComposer) before sending it, as `sendComposed`
 * does. The mailings worker's main thread is left to claim, render and record.
 *
 * Why a thread and not the main thread: building and sending a message (MIME, dot-stuffing,
 * socket writes) cost the mailings worker as much as everything else it does per recipient, and
 * a main thread that also rendered a claimed batch made the pool's connections wait for it.
 * An earlier step built only the MIME on a thread and sent the bytes from the main thread; the
 * bytes then crossed threads and nodemailer wrapped them again before sending, and the worker
 * spent 1.7–1.9 ms of CPU per message. With the whole send on the thread it spends 1.2–1.4 ms
 * (README "Where the time goes").
 */
export interface MessageSender {
  send(message: ComposedMessage): Promise<{ response: string }>;
  close(): Promise<void>;
}

/** What crosses back from the thread when a send fails: the fields `describeSmtpError` reads, nothing else. */
export interface SendFailure {
  responseCode?: number;
  command?: string;
  code?: string;
  response?: string;
}

/**
 * The thread's whole program. It mirrors `sendComposed` (platform/mailer.ts) with the packages
 * themselves, because a thread loads plain JavaScript and the caller may be TypeScript (tests).
 */
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const nodemailer = require(workerData.nodemailer);
const loaded = require(workerData.composer);
const MailComposer = loaded.default || loaded;
const transport = nodemailer.createTransport(workerData.options);
parentPort.on('message', ({ id, message }) => {
  // compile() can throw at once (a bad header value), build() and sending later: all answer the same way.
  Promise.resolve()
    .then(() => new MailComposer(message).compile().build())
    .then((raw) => transport.sendMail({ raw, envelope: message.envelope }))
    .then(
      (info) => parentPort.postMessage({ id, response: String(info.response || '250 accepted') }),
      (error) => parentPort.postMessage({ id, failure: {
        responseCode: typeof error.responseCode === 'number' ? error.responseCode : undefined,
        command: typeof error.command === 'string' ? error.command : undefined,
        code: typeof error.code === 'string' ? error.code : 'ESEND',
        response: String(error.response || error.message || 'unknown error').slice(0, 1000),
      } }),
    );
});
`;

interface Pending {
  resolve: (sent: { response: string }) => void;
  reject: (error: Error) => void;
}

interface Running {
  worker: Worker;
  pending: Map<number, Pending>;
}

export class MailSenderThread implements MessageSender {
  private running: Running | undefined;
  private nextId = 0;

  constructor(private readonly options: SMTPPool.Options) {}

  send(message: ComposedMessage): Promise<{ response: string }> {
    const { worker, pending } = this.running ?? (this.running = this.start());
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, message });
    });
  }

  async close(): Promise<void> {
    const running = this.running;
    this.running = undefined;
    if (!running) return;
    // What it still held fails now (temporary: the sweeper or a retry sends it again), not whenever the thread answers.
    for (const waiting of running.pending.values()) waiting.reject(new Error('mail sender thread closed'));
    running.pending.clear();
    await running.worker.terminate();
  }

  private start(): Running {
    const worker = new Worker(THREAD_SOURCE, {
      eval: true,
      workerData: { options: this.options, nodemailer: require.resolve('nodemailer'), composer: require.resolve('nodemailer/lib/mail-composer') },
    });
    const running: Running = { worker, pending: new Map() };
    // Sends in flight keep the process busy anyway; an idle thread must not keep it alive.
    worker.unref();
    worker.on('message', ({ id, response, failure }: { id: number; response?: string; failure?: SendFailure }) => {
      const waiting = running.pending.get(id);
      running.pending.delete(id);
      if (!waiting) return;
      if (failure) waiting.reject(Object.assign(new Error('the message was not sent'), failure));
      else waiting.resolve({ response: response ?? '250 accepted' });
    });
    // A thread that dies fails what it held; the next message starts a new one.
    const fail = (reason: string) => {
      if (this.running === running) this.running = undefined;
      for (const waiting of running.pending.values()) waiting.reject(new Error(`mail sender thread ${reason}`));
      running.pending.clear();
    };
    worker.on('error', () => fail('failed'));
    worker.on('exit', () => fail('exited'));
    return running;
  }
}
