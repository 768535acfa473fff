import { createHash } from 'node:crypto';
import { isValidKeyName } from './note.keys';

/**
 * The bytes of a log leaf: one signature event, never anything personal. Canonical (one encoding
 * per event: fixed widths, big-endian, exact length, no optional parts) and versioned, so that
 * everyone who hashes a leaf gets the same hash and a future format can be told apart.
 *
 *   confirmed (54 bytes)            revoked (31 bytes)
 *   0      version = 1              0      version = 1
 *   1      type = 1                 1      type = 2
 *   2..17  log ID (16)              2..17  log ID (16)
 *   18..21 hour (u32)               18..21 hour (u32)
 *   22..53 commitment (32)          22     reason (1 invalidated, 2 erased, 3 expired)
 *                                   23..30 index of the revoked leaf (u64)
 *
 * The log ID binds a leaf to one log (a leaf copied from another campaign's log does not verify).
 * The hour (hours since 1970-01-01T00:00Z) is as coarse as a count over time needs. The commitment
 * is HMAC-SHA-256(receipt secret, …) (receipt.ts): only the receipt holder can recognise it.
 */
export const LEAF_VERSION = 1;
export const LOG_ID_BYTES = 16;
export const COMMITMENT_BYTES = 32;
export const CONFIRMED_LEAF_BYTES = 2 + LOG_ID_BYTES + 4 + COMMITMENT_BYTES;
export const REVOKED_LEAF_BYTES = 2 + LOG_ID_BYTES + 4 + 1 + 8;

const TYPE_CONFIRMED = 1;
const TYPE_REVOKED = 2;
const HOUR_MS = 3_600_000;

export const REVOCATION_REASONS = ['invalidated', 'erased', 'expired'] as const;
export type RevocationReason = (typeof REVOCATION_REASONS)[number];

export interface ConfirmedEvent {
  readonly type: 'confirmed';
  readonly logId: Buffer;
  readonly hour: number;
  readonly commitment: Buffer;
}

export interface RevokedEvent {
  readonly type: 'revoked';
  readonly logId: Buffer;
  readonly hour: number;
  readonly reason: RevocationReason;
  /** Index of the confirmed leaf this one takes out of the count. */
  readonly revokes: number;
}

export type LogEvent = ConfirmedEvent | RevokedEvent;

export class LeafFormatError extends Error {}

/** The log ID of an origin: the first 16 bytes of SHA-256("clarion/log-id/v1\n" || origin). */
export function logIdOf(origin: string): Buffer {
  if (!isValidKeyName(origin)) throw new LeafFormatError('the origin is not a valid key name');
  return createHash('sha256').update('clarion/log-id/v1\n').update(origin, 'utf8').digest().subarray(0, LOG_ID_BYTES);
}

/** Hours since the Unix epoch, UTC. */
export function hourOf(at: Date): number {
  const hour = Math.floor(at.getTime() / HOUR_MS);
  if (!Number.isInteger(hour) || hour < 0 || hour > 0xffffffff) throw new LeafFormatError('the time is outside the leaf format');
  return hour;
}

function checkCommon(event: LogEvent): void {
  if (!Buffer.isBuffer(event.logId) || event.logId.length !== LOG_ID_BYTES) throw new LeafFormatError('the log ID is 16 bytes');
  if (!Number.isInteger(event.hour) || event.hour < 0 || event.hour > 0xffffffff) throw new LeafFormatError('the hour is a u32');
}

export function encodeLeaf(event: LogEvent): Buffer {
  checkCommon(event);
  if (event.type === 'confirmed') {
    if (!Buffer.isBuffer(event.commitment) || event.commitment.length !== COMMITMENT_BYTES) throw new LeafFormatError('the commitment is 32 bytes');
    const leaf = Buffer.alloc(CONFIRMED_LEAF_BYTES);
    leaf[0] = LEAF_VERSION;
    leaf[1] = TYPE_CONFIRMED;
    event.logId.copy(leaf, 2);
    leaf.writeUInt32BE(event.hour, 18);
    event.commitment.copy(leaf, 22);
    return leaf;
  }
  const reason = REVOCATION_REASONS.indexOf(event.reason);
  if (reason < 0) throw new LeafFormatError('unknown revocation reason');
  if (!Number.isSafeInteger(event.revokes) || event.revokes < 0) throw new LeafFormatError('the revoked index is a count');
  const leaf = Buffer.alloc(REVOKED_LEAF_BYTES);
  leaf[0] = LEAF_VERSION;
  leaf[1] = TYPE_REVOKED;
  event.logId.copy(leaf, 2);
  leaf.writeUInt32BE(event.hour, 18);
  leaf[22] = reason + 1;
  leaf.writeBigUInt64BE(BigInt(event.revokes), 23);
  return leaf;
}

/** Decodes a leaf, refusing every byte string encodeLeaf would not have written. */
export function decodeLeaf(bytes: Uint8Array): LogEvent {
  const leaf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (leaf.length < 2 || leaf[0] !== LEAF_VERSION) throw new LeafFormatError('unknown leaf version');
  const logId = Buffer.from(leaf.subarray(2, 2 + LOG_ID_BYTES));
  if (leaf[1] === TYPE_CONFIRMED) {
    if (leaf.length !== CONFIRMED_LEAF_BYTES) throw new LeafFormatError('a confirmed leaf is 54 bytes');
    return { type: 'confirmed', logId, hour: leaf.readUInt32BE(18), commitment: Buffer.from(leaf.subarray(22)) };
  }
  if (leaf[1] === TYPE_REVOKED) {
    if (leaf.length !== REVOKED_LEAF_BYTES) throw new LeafFormatError('a revoked leaf is 31 bytes');
    const reason = REVOCATION_REASONS[leaf[22]! - 1];
    if (!reason) throw new LeafFormatError('unknown revocation reason');
    const revokes = leaf.readBigUInt64BE(23);
    if (revokes > BigInt(Number.MAX_SAFE_INTEGER)) throw new LeafFormatError('the revoked index is out of range');
    return { type: 'revoked', logId, hour: leaf.readUInt32BE(18), reason, revokes: Number(revokes) };
  }
  throw new LeafFormatError('unknown leaf type');
}
