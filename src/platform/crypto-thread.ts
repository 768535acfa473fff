import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * One worker thread that opens envelopes (`crypto.worker.ts`), so a long export decrypts on two
 * cores. Requests are matched to replies by id; if the thread dies, what it was asked fails and
 * the thread is not used again (callers fall back to their own thread).
 */
export class OpeningThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (plaintexts: Array<string | null>) => void; reject: (error: Error) => void }>();
  private nextId = 0;
  alive = true;

  constructor(script: string, keys: Array<{ id: string; key: Buffer }>) {
    this.worker = new Worker(script, { workerData: { keys } });
    this.worker.unref(); // an idle thread never keeps the process up
    this.worker.on('message', (reply: { id: number; plaintexts?: Array<string | null>; error?: string }) => {
      const request = this.pending.get(reply.id);
      if (!request) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) this.worker.unref();
      if (reply.plaintexts) request.resolve(reply.plaintexts);
      else request.reject(new Error(reply.error ?? 'cannot open an envelope'));
    });
    this.worker.on('error', (error) => this.stop(error));
    this.worker.on('exit', () => this.stop(new Error('the decryption thread stopped')));
  }

  open(envelopes: Array<string | null>, purposes: string[]): Promise<Array<string | null>> {
    return new Promise((resolve, reject) => {
      if (!this.alive) return reject(new Error('the decryption thread stopped'));
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) this.worker.ref();
      this.worker.postMessage({ id, envelopes, purposes });
    });
  }

  async close(): Promise<void> {
    this.alive = false;
    await this.worker.terminate();
  }

  private stop(error: Error): void {
    this.alive = false;
    for (const request of this.pending.values()) request.reject(error);
    this.pending.clear();
  }
}

/**
 * The compiled worker beside this file; when the sources run uncompiled (ts-jest), the build's copy
 * (`npm test` builds before jest runs). Null when neither exists: callers then decrypt themselves.
 */
export function openingThreadScript(): string | null {
  const candidates = [
    path.join(__dirname, 'crypto.worker.js'),
    path.join(__dirname, '..', '..', 'dist', 'src', 'platform', 'crypto.worker.js'),
  ];
  return candidates.find((file) => fs.existsSync(file)) ?? null;
}
