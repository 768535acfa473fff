// Personal data as Clarion stores it: AES-GCM envelopes under this run's key, each bound to its
// table, column and row id (src/modules/supporters SEALED). An envelope copied into another row
// does not open there, so every row the bench writes gets its own, sealed for its own id.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { root, runSecrets } from './settings.mjs';

const require = createRequire(import.meta.url);
const { DataCipher } = require(path.join(root, 'dist', 'src', 'platform', 'crypto.js'));
export const { SEALED } = require(path.join(root, 'dist', 'src', 'modules', 'supporters', 'personal-data.js'));

let cipher;
/** Seals `value` for `column` (a SEALED entry) of the row `rowId`, with the run's key. */
export function seal(value, column, rowId) {
  if (!cipher) {
    const [id, material] = runSecrets.encryptionKeys.split(':');
    cipher = new DataCipher([{ id, key: Buffer.from(material, 'base64') }]);
  }
  return cipher.seal(value, column, rowId);
}

/** PostgreSQL's `md5(text)::uuid`, in JavaScript: the bench's row ids are derived, so SQL and JS agree. */
export function md5Uuid(text) {
  const h = createHash('md5').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
