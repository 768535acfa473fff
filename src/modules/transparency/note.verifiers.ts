import { sign, verify, type KeyObject } from 'node:crypto';
import {
  decodeSignerKey,
  decodeVerifierKey,
  ED25519_KEY_BYTES,
  ED25519_SIGNATURE_BYTES,
  ed25519PublicKeyFromRaw,
  KeyFormatError,
  keyId,
  SIGNATURE_TYPE_COSIGNATURE_V1,
  SIGNATURE_TYPE_ED25519,
} from './note.keys';

/**
 * The two signature types Clarion reads: plain Ed25519 over the note text (0x01, how the log signs
 * its checkpoints) and timestamped Ed25519 cosignatures (0x04, c2sp.org/tlog-cosignature, how a
 * witness says "as of time t, this is the largest consistent tree I have seen of this log").
 */
export interface NoteVerifier {
  readonly name: string;
  readonly keyId: number;
  readonly type: number;
  /** Whether `signature` (the bytes after the 4-byte key ID) signs `text` (the note text, final newline included). */
  verify(text: Buffer, signature: Buffer): boolean;
}

export interface NoteSigner {
  readonly name: string;
  readonly keyId: number;
  sign(text: Buffer): Buffer;
}

const COSIGNATURE_TIMESTAMP_BYTES = 8;
const MAX_TIMESTAMP = 2n ** 63n - 1n;

export function ed25519Verifier(name: string, publicKey: Buffer): NoteVerifier {
  const key = ed25519PublicKeyFromRaw(publicKey);
  return {
    name,
    keyId: keyId(name, SIGNATURE_TYPE_ED25519, publicKey),
    type: SIGNATURE_TYPE_ED25519,
    verify: (text, signature) => signature.length === ED25519_SIGNATURE_BYTES && verify(null, text, key, signature),
  };
}

/** The message a cosignature/v1 signs: a header line, a time line, then the whole note text. */
export function cosignedMessage(timestamp: bigint, text: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`cosignature/v1\ntime ${timestamp.toString(10)}\n`), text]);
}

/** The POSIX time a cosignature/v1 was made, or null when the bytes are not one. */
export function cosignatureTimestamp(signature: Buffer): bigint | null {
  if (signature.length !== COSIGNATURE_TIMESTAMP_BYTES + ED25519_SIGNATURE_BYTES) return null;
  const timestamp = signature.readBigUInt64BE(0);
  return timestamp > MAX_TIMESTAMP ? null : timestamp;
}

export function cosignatureVerifier(name: string, publicKey: Buffer): NoteVerifier {
  const key = ed25519PublicKeyFromRaw(publicKey);
  return {
    name,
    keyId: keyId(name, SIGNATURE_TYPE_COSIGNATURE_V1, publicKey),
    type: SIGNATURE_TYPE_COSIGNATURE_V1,
    verify: (text, signature) => {
      const timestamp = cosignatureTimestamp(signature);
      return timestamp !== null && verify(null, cosignedMessage(timestamp, text), key, signature.subarray(COSIGNATURE_TIMESTAMP_BYTES));
    },
  };
}

/** A verifier from its key string; only Ed25519 (0x01) and cosignature/v1 (0x04) keys are known. */
export function parseVerifierKey(vkey: string): NoteVerifier {
  const decoded = decodeVerifierKey(vkey);
  if (decoded.publicKey.length !== ED25519_KEY_BYTES) throw new KeyFormatError('an Ed25519 public key is 32 bytes');
  if (decoded.type === SIGNATURE_TYPE_ED25519) return ed25519Verifier(decoded.name, decoded.publicKey);
  if (decoded.type === SIGNATURE_TYPE_COSIGNATURE_V1) return cosignatureVerifier(decoded.name, decoded.publicKey);
  throw new KeyFormatError(`unknown signature type 0x${decoded.type.toString(16).padStart(2, '0')}`);
}

function ed25519Signer(name: string, privateKey: KeyObject, publicKey: Buffer): NoteSigner {
  return { name, keyId: keyId(name, SIGNATURE_TYPE_ED25519, publicKey), sign: (text) => sign(null, text, privateKey) };
}

/** `now` gives POSIX seconds; a witness signs with its own clock. */
function cosigner(name: string, privateKey: KeyObject, publicKey: Buffer, now: () => number): NoteSigner {
  return {
    name,
    keyId: keyId(name, SIGNATURE_TYPE_COSIGNATURE_V1, publicKey),
    sign: (text) => {
      const timestamp = BigInt(Math.floor(now()));
      const stamp = Buffer.alloc(COSIGNATURE_TIMESTAMP_BYTES);
      stamp.writeBigUInt64BE(timestamp);
      return Buffer.concat([stamp, sign(null, cosignedMessage(timestamp, text), privateKey)]);
    },
  };
}

/** A signer from its key string: a 0x01 key signs notes, a 0x04 key makes cosignatures. */
export function parseSignerKey(skey: string, now: () => number = () => Date.now() / 1000): NoteSigner {
  const { name, type, privateKey, publicKey } = decodeSignerKey(skey);
  return type === SIGNATURE_TYPE_COSIGNATURE_V1 ? cosigner(name, privateKey, publicKey, now) : ed25519Signer(name, privateKey, publicKey);
}
