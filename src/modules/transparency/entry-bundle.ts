/**
 * tlog-tiles entry bundles (`tile/entries/<N>[.p/<W>]`): up to 256 consecutive leaves, each
 * prefixed with its length as a big-endian uint16. How a verifier can download the leaves in
 * 256-leaf pieces that never change once full (and so cache well).
 */
export const MAX_ENTRY_BYTES = 0xffff;

export class EntryBundleError extends Error {}

export function encodeEntryBundle(leaves: readonly Uint8Array[]): Buffer {
  const parts: Buffer[] = [];
  for (const leaf of leaves) {
    if (leaf.length > MAX_ENTRY_BYTES) throw new EntryBundleError('an entry is at most 65535 bytes');
    const length = Buffer.alloc(2);
    length.writeUInt16BE(leaf.length);
    parts.push(length, Buffer.from(leaf));
  }
  return Buffer.concat(parts);
}

export function decodeEntryBundle(bytes: Buffer): Buffer[] {
  const leaves: Buffer[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 2 > bytes.length) throw new EntryBundleError('truncated entry length');
    const length = bytes.readUInt16BE(at);
    if (at + 2 + length > bytes.length) throw new EntryBundleError('truncated entry');
    leaves.push(Buffer.from(bytes.subarray(at + 2, at + 2 + length)));
    at += 2 + length;
  }
  return leaves;
}
