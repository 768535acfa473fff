import { Worker } from 'node:worker_threads';
import MailComposer, { type MailComposerOptions } from 'nodemailer/lib/mail-composer';

/**
 * Where a message's MIME is built. A mailing worker is CPU-bound on one core: building each
 * message (nodemailer's MailComposer and its streams) costs about as much as sending it. A
 * thread of its own builds them while the main thread claims, records and talks SMTP, so the
 * second core does half the work (README "Where the time goes"). The bytes are the same either way.
 */
export interface MessageComposer {
  compose(message: MailComposerOptions): Promise<Buffer>;
  close(): Promise<void>;
}

/** Builds on the calling thread: for the odd message (confirmations, letters' approvals). */
export const composeHere: MessageComposer = {
  compose: (message) => new MailComposer(message).compile().build(),
  close: async () => undefined,
};

/**
 * The thread's whole program. Its errors go back as a code only: nodemailer's messages can quote
 * an address, and personal data stays out of errors.
 */
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const loaded = require(workerData.composer);
const MailComposer = loaded.default || loaded;
parentPort.on('message', ({ id, message }) => {
  // compile() can throw at once (a bad header value), build() later: both answer the same way.
  Promise.resolve().then(() => new MailComposer(message).compile().build()).then(
    (raw) => parentPort.postMessage({ id, raw }),
    (error) => parentPort.postMessage({ id, error: String((error && error.code) || 'ECOMPOSE') }),
  );
});
`;

interface Pending {
  resolve: (raw: Buffer) => void;
  reject: (error: Error) => void;
}

interface Running {
  worker: Worker;
  pending: Map<number, Pending>;
}

export class MailComposerThread implements MessageComposer {
  private running: Running | undefined;
  private nextId = 0;

  compose(message: MailComposerOptions): Promise<Buffer> {
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
    // What it still held fails now, not whenever (or whether) the thread answers before it stops.
    for (const waiting of running.pending.values()) waiting.reject(new Error('mail composer thread closed'));
    running.pending.clear();
    await running.worker.terminate();
  }

  private start(): Running {
    const worker = new Worker(THREAD_SOURCE, { eval: true, workerData: { composer: require.resolve('nodemailer/lib/mail-composer') } });
    const running: Running = { worker, pending: new Map() };
    // Sends in flight keep the process busy anyway; an idle thread must not keep it alive.
    worker.unref();
    worker.on('message', ({ id, raw, error }: { id: number; raw?: Uint8Array; error?: string }) => {
      const waiting = running.pending.get(id);
      running.pending.delete(id);
      if (!waiting) return;
      if (raw) waiting.resolve(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength));
      else waiting.reject(Object.assign(new Error('the message could not be composed'), { code: error }));
    });
    // A thread that dies fails what it held; the next message starts a new one.
    const fail = (reason: string) => {
      if (this.running === running) this.running = undefined;
      for (const waiting of running.pending.values()) waiting.reject(new Error(`mail composer thread ${reason}`));
      running.pending.clear();
    };
    worker.on('error', () => fail('failed'));
    worker.on('exit', () => fail('exited'));
    return running;
  }
}
