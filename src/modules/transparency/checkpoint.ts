import { HASH_BYTES } from './merkle.hashing';
import { decodeBase64Strict, isValidKeyName, SIGNATURE_TYPE_COSIGNATURE_V1 } from './note.keys';
import { NoteError, openNote, signNote, type OpenedNote } from './note.signed';
import { cosignatureTimestamp, type NoteSigner, type NoteVerifier } from './note.verifiers';

/**
 * C2SP tlog-checkpoint (c2sp.org/tlog-checkpoint): a signed note whose text is
 *
 *   <origin>\n<tree size in decimal>\n<base64 of the 32-byte root hash>\n[<extension line>\n …]
 *
 * Origins must be valid key names here (the spec only recommends it), sizes have no leading zeros
 * and fit a JavaScript number exactly, and the root is canonical base64 of exactly 32 bytes.
 */
export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  readonly rootHash: Buffer;
  readonly extensions: readonly string[];
}

export type CheckpointErrorCode =
  'malformed-note' | 'malformed-checkpoint' | 'not-signed-by-log' | 'bad-signature' | 'ambiguous-key' | 'origin-mismatch' | 'witness-quorum';

export class CheckpointError extends Error {
  constructor(
    readonly code: CheckpointErrorCode,
    message: string,
  ) {
    super(message);
  }
}

function bad(why: string): CheckpointError {
  return new CheckpointError('malformed-checkpoint', `malformed checkpoint: ${why}`);
}

export function formatCheckpoint(checkpoint: Omit<Checkpoint, 'extensions'> & { extensions?: readonly string[] }): string {
  const extensions = checkpoint.extensions ?? [];
  if (!isValidKeyName(checkpoint.origin)) throw bad('the origin is not a valid key name');
  if (!Number.isSafeInteger(checkpoint.size) || checkpoint.size < 0) throw bad('the size is not a count');
  if (checkpoint.rootHash.length !== HASH_BYTES) throw bad('the root hash is not 32 bytes');
  if (extensions.some((line) => line === '' || line.includes('\n'))) throw bad('extension lines are non-empty single lines');
  return [checkpoint.origin, String(checkpoint.size), checkpoint.rootHash.toString('base64'), ...extensions].map((line) => `${line}\n`).join('');
}

export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith('\n')) throw bad('the text must end with a newline');
  const [origin, size, root, ...extensions] = text.slice(0, -1).split('\n');
  if (origin === undefined || size === undefined || root === undefined) throw bad('fewer than three lines');
  if (!isValidKeyName(origin)) throw bad('the origin is not a valid key name');
  if (!/^(0|[1-9][0-9]*)$/.test(size) || !Number.isSafeInteger(Number(size))) throw bad('the size is not a decimal count without leading zeros');
  const rootHash = decodeBase64Strict(root);
  if (!rootHash || rootHash.length !== HASH_BYTES) throw bad('the root hash is not base64 of 32 bytes');
  if (extensions.some((line) => line === '')) throw bad('an extension line is empty');
  return { origin, size: Number(size), rootHash, extensions };
}

export function signCheckpoint(checkpoint: Omit<Checkpoint, 'extensions'> & { extensions?: readonly string[] }, signer: NoteSigner): string {
  return signNote(formatCheckpoint(checkpoint), [signer]);
}

export interface CheckpointPolicy {
  /** The log's own key (type 0x01): its signature is required. */
  readonly logKey: NoteVerifier;
  /** When given, the checkpoint must be this log's. */
  readonly origin?: string;
  /** Witness keys (type 0x04) and how many distinct ones must have cosigned (0 by default). */
  readonly witnesses?: readonly NoteVerifier[];
  readonly witnessQuorum?: number;
  /** Extension lines cannot be audited (the spec advises against them), so they are refused unless allowed. */
  readonly allowExtensionLines?: boolean;
}

export interface Cosignature {
  readonly name: string;
  readonly keyId: number;
  /** POSIX seconds at which the witness cosigned. */
  readonly timestamp: bigint;
}

export interface OpenedCheckpoint {
  readonly checkpoint: Checkpoint;
  readonly note: OpenedNote;
  readonly cosignatures: readonly Cosignature[];
}

const NOTE_ERRORS: Record<NoteError['code'], CheckpointErrorCode> = {
  malformed: 'malformed-note',
  'invalid-signature': 'bad-signature',
  'no-verified-signature': 'not-signed-by-log',
  'ambiguous-key': 'ambiguous-key',
};

/** Verifies a checkpoint note under a policy and parses it; throws a CheckpointError naming the first rule broken. */
export function openCheckpoint(note: string | Buffer, policy: CheckpointPolicy): OpenedCheckpoint {
  const witnesses = policy.witnesses ?? [];
  let opened: OpenedNote;
  try {
    opened = openNote(note, [policy.logKey, ...witnesses]);
  } catch (error) {
    if (error instanceof NoteError) throw new CheckpointError(NOTE_ERRORS[error.code], error.message);
    throw error;
  }
  if (!opened.verified.some((v) => v.verifier === policy.logKey))
    throw new CheckpointError('not-signed-by-log', `the checkpoint is not signed by ${policy.logKey.name}`);
  const checkpoint = parseCheckpoint(opened.text);
  if (checkpoint.extensions.length > 0 && !policy.allowExtensionLines) throw bad('unexpected extension lines');
  if (policy.origin !== undefined && checkpoint.origin !== policy.origin) {
    throw new CheckpointError('origin-mismatch', `the checkpoint is for ${checkpoint.origin}, not ${policy.origin}`);
  }
  const cosignatures = opened.verified
    .filter((v) => v.verifier !== policy.logKey && witnesses.includes(v.verifier) && v.verifier.type === SIGNATURE_TYPE_COSIGNATURE_V1)
    .map((v) => ({ name: v.signature.name, keyId: v.signature.keyId, timestamp: cosignatureTimestamp(v.signature.signature)! }));
  const quorum = policy.witnessQuorum ?? 0;
  if (cosignatures.length < quorum) throw new CheckpointError('witness-quorum', `${cosignatures.length} of the ${quorum} witness cosignatures required`);
  return { checkpoint, note: opened, cosignatures };
}
