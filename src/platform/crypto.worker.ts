import { parentPort, workerData } from 'node:worker_threads';
import { DataCipher } from './crypto';

/**
 * The thread `DataCipher#openMany` hands part of a batch to: the same keys, the same `open`.
 * Replies carry plaintexts back to the thread that asked; an error carries only its message, which
 * names no personal data (malformed envelope, unknown key id, failed authentication).
 */
const keys = (workerData as { keys: Array<{ id: string; key: Uint8Array }> }).keys;
const cipher = new DataCipher(keys.map((k) => ({ id: k.id, key: Buffer.from(k.key) })));

parentPort!.on('message', (message: { id: number; envelopes: Array<string | null>; purposes: string[] }) => {
  try {
    parentPort!.postMessage({ id: message.id, plaintexts: cipher.openAll(message.envelopes, message.purposes) });
  } catch (error) {
    parentPort!.postMessage({ id: message.id, error: error instanceof Error ? error.message : 'cannot open an envelope' });
  }
});
