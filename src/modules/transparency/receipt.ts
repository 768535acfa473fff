import { createHash, createHmac, randomBytes } from 'node:crypto';
import { COMMITMENT_BYTES, logIdOf } from './leaf.codec';
import { isValidKeyName } from './note.keys';

/**
 * A signer's receipt: the random secret behind their leaf's commitment, and which log to look in.
 *
 *   commitment = HMAC-SHA-256(key = secret, "clarion/signature-commitment/v1\n" || log ID)
 *
 * The secret is 32 random bytes that only the signer receives, so without it the commitment is
 * indistinguishable from random: nobody can link a leaf to a person (not by email, not by trying
 * names), and nobody can claim someone else's leaf. With it, the holder recomputes the commitment,
 * finds their leaf and sees whether it is counted or revoked; showing the secret to someone proves
 * the leaf is theirs. The log ID keeps one secret's commitments apart between logs.
 *
 * As text: "clarion-receipt." + base64url(payload), payload =
 *   version (1) | origin length (1) | origin (UTF-8) | secret (32) | flags (1) | [leaf index (u64)] | check (4)
 * flags bit 0 says a leaf index follows (added once the leaf is sequenced); the check is the first
 * 4 bytes of SHA-256 of what precedes it, so a receipt mangled by copying is told apart from a
 * receipt whose leaf is missing.
 */
export const RECEIPT_PREFIX = 'clarion-receipt.';
export const RECEIPT_SECRET_BYTES = 32;
const RECEIPT_VERSION = 1;
const FLAG_LEAF_INDEX = 0x01;
const CHECK_BYTES = 4;
const MAX_ORIGIN_BYTES = 255;
const COMMITMENT_DOMAIN = Buffer.from('clarion/signature-commitment/v1\n');

export interface Receipt {
  readonly origin: string;
  readonly secret: Buffer;
  readonly leafIndex?: number;
}

export class ReceiptFormatError extends Error {}

export function commitmentOf(secret: Buffer, origin: string): Buffer {
  if (secret.length !== RECEIPT_SECRET_BYTES) throw new ReceiptFormatError('a receipt secret is 32 bytes');
  const commitment = createHmac('sha256', secret).update(COMMITMENT_DOMAIN).update(logIdOf(origin)).digest();
  return commitment.subarray(0, COMMITMENT_BYTES);
}

/** A fresh receipt for a signature about to be confirmed, and the commitment its leaf carries. */
export function newReceipt(origin: string): { receipt: Receipt; commitment: Buffer } {
  const receipt = { origin, secret: randomBytes(RECEIPT_SECRET_BYTES) };
  return { receipt, commitment: commitmentOf(receipt.secret, origin) };
}

function checkOf(bytes: Buffer): Buffer {
  return createHash('sha256').update(bytes).digest().subarray(0, CHECK_BYTES);
}

export function encodeReceipt(receipt: Receipt): string {
  const origin = Buffer.from(receipt.origin, 'utf8');
  if (!isValidKeyName(receipt.origin) || origin.length > MAX_ORIGIN_BYTES) throw new ReceiptFormatError('the origin is not a valid log origin');
  if (receipt.secret.length !== RECEIPT_SECRET_BYTES) throw new ReceiptFormatError('a receipt secret is 32 bytes');
  const parts = [Buffer.from([RECEIPT_VERSION, origin.length]), origin, receipt.secret];
  if (receipt.leafIndex === undefined) {
    parts.push(Buffer.from([0]));
  } else {
    if (!Number.isSafeInteger(receipt.leafIndex) || receipt.leafIndex < 0) throw new ReceiptFormatError('the leaf index is a count');
    const index = Buffer.alloc(8);
    index.writeBigUInt64BE(BigInt(receipt.leafIndex));
    parts.push(Buffer.from([FLAG_LEAF_INDEX]), index);
  }
  const payload = Buffer.concat(parts);
  return RECEIPT_PREFIX + Buffer.concat([payload, checkOf(payload)]).toString('base64url');
}

/** Parses a receipt as pasted: surrounding whitespace is forgiven, nothing else. */
export function decodeReceipt(text: string): Receipt {
  const trimmed = text.trim();
  if (!trimmed.startsWith(RECEIPT_PREFIX)) throw new ReceiptFormatError(`a receipt starts with ${RECEIPT_PREFIX}`);
  const encoded = trimmed.slice(RECEIPT_PREFIX.length);
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) throw new ReceiptFormatError('the receipt is not base64url');
  const bytes = Buffer.from(encoded, 'base64url');
  if (bytes.toString('base64url') !== encoded || bytes.length < CHECK_BYTES + 2) throw new ReceiptFormatError('the receipt is not canonical base64url');
  const payload = bytes.subarray(0, bytes.length - CHECK_BYTES);
  if (!checkOf(payload).equals(bytes.subarray(bytes.length - CHECK_BYTES)))
    throw new ReceiptFormatError('the receipt was not copied whole (its check does not match)');
  if (payload[0] !== RECEIPT_VERSION) throw new ReceiptFormatError('unknown receipt version');
  const originLength = payload[1]!;
  const origin = payload.subarray(2, 2 + originLength).toString('utf8');
  let at = 2 + originLength;
  const secret = Buffer.from(payload.subarray(at, at + RECEIPT_SECRET_BYTES));
  at += RECEIPT_SECRET_BYTES;
  const flags = payload[at];
  at += 1;
  if (!isValidKeyName(origin) || Buffer.byteLength(origin) !== originLength || secret.length !== RECEIPT_SECRET_BYTES || flags === undefined) {
    throw new ReceiptFormatError('malformed receipt');
  }
  if (flags === 0 && at === payload.length) return { origin, secret };
  if (flags === FLAG_LEAF_INDEX && at + 8 === payload.length) {
    const index = payload.readBigUInt64BE(at);
    if (index > BigInt(Number.MAX_SAFE_INTEGER)) throw new ReceiptFormatError('the leaf index is out of range');
    return { origin, secret, leafIndex: Number(index) };
  }
  throw new ReceiptFormatError('malformed receipt');
}
