import {
  CheckpointError,
  openCheckpoint,
  type Checkpoint,
  type CheckpointErrorCode,
  type CheckpointPolicy,
  type Cosignature,
  type OpenedCheckpoint,
} from './checkpoint';
import { decodeLeaf, LeafFormatError, logIdOf, type RevocationReason } from './leaf.codec';
import { rootOfLeaves } from './merkle.append';
import { hashLeaf } from './merkle.hashing';
import { verifyConsistency, verifyInclusion } from './merkle.verify';
import { KeyFormatError } from './note.keys';
import { parseVerifierKey, type NoteVerifier } from './note.verifiers';
import { commitmentOf, decodeReceipt, ReceiptFormatError, type Receipt } from './receipt';
import { tallyLeaves, type CommitmentAppearance } from './tally';

/**
 * What `npm run verify` decides, as pure functions over what it fetched: no network, no files, so
 * every failure can be tested by handing it doctored data. Each failure names the check it belongs
 * to and a stable code; the CLI prints them and exits non-zero when there is any.
 */
export type VerificationCheck = 'key' | 'checkpoint' | 'consistency' | 'leaves' | 'count' | 'receipt';

export type VerificationFailureCode =
  | 'public-key-malformed'
  | `checkpoint-${CheckpointErrorCode}`
  | 'remembered-checkpoint-invalid'
  | 'checkpoint-rollback'
  | 'inconsistent-checkpoint'
  | 'leaves-size-mismatch'
  | 'root-mismatch'
  | 'invalid-leaf'
  | 'count-mismatch'
  | 'receipt-malformed'
  | 'receipt-wrong-log'
  | 'receipt-not-found'
  | 'receipt-revoked'
  | 'receipt-index-mismatch'
  | 'inclusion-proof-invalid';

export interface VerificationFailure {
  readonly check: VerificationCheck;
  readonly code: VerificationFailureCode;
  readonly message: string;
}

export interface ReceiptStatus {
  readonly state: 'counted' | 'revoked' | 'not-found';
  /** The receipt's latest leaf (a restored signature has more than one). */
  readonly leafIndex?: number;
  readonly revokedBy?: number;
  readonly reason?: RevocationReason;
  readonly appearances: readonly CommitmentAppearance[];
}

export interface LogVerificationInput {
  /** The log's verifier key, `<name>+<key ID>+<base64 key>`, as published and pinned by the verifier. */
  readonly logKey: string;
  /** The campaign log's origin (the checkpoint's first line). */
  readonly origin: string;
  /** The signed checkpoint just fetched. */
  readonly checkpoint: string | Buffer;
  /** The checkpoint this verifier accepted last time, if any, and the proof from it to the new one. */
  readonly remembered?: string | null;
  readonly consistencyProof?: readonly Buffer[];
  /** Every leaf of the tree, 0 to size − 1, in order. */
  readonly leaves: readonly Uint8Array[];
  /** The count the site publishes for this checkpoint. */
  readonly publicCount: number;
  readonly receipt?: string;
  /** Witness verifier keys (type 0x04) and how many of them must have cosigned. */
  readonly witnesses?: { readonly keys: readonly string[]; readonly quorum: number };
}

export interface LogVerificationResult {
  readonly ok: boolean;
  readonly failures: readonly VerificationFailure[];
  readonly checkpoint?: Checkpoint;
  readonly cosignatures?: readonly Cosignature[];
  readonly recomputed?: { readonly root: Buffer; readonly confirmed: number; readonly revoked: number; readonly count: number };
  readonly receipt?: ReceiptStatus;
  /** The checkpoint to remember for next time: its signature and its consistency with the remembered one held. */
  readonly remember?: string;
}

/** At most this many bad leaves are listed one by one. */
const LISTED_LEAF_PROBLEMS = 10;

function fromCheckpointError(error: unknown): VerificationFailure {
  if (error instanceof CheckpointError) return { check: 'checkpoint', code: `checkpoint-${error.code}`, message: error.message };
  throw error;
}

function parseKeys(input: LogVerificationInput): { logKey: NoteVerifier; witnesses: NoteVerifier[] } | VerificationFailure {
  try {
    return { logKey: parseVerifierKey(input.logKey), witnesses: (input.witnesses?.keys ?? []).map(parseVerifierKey) };
  } catch (error) {
    if (error instanceof KeyFormatError) return { check: 'key', code: 'public-key-malformed', message: `a public key is malformed: ${error.message}` };
    throw error;
  }
}

export function verifyLog(input: LogVerificationInput): LogVerificationResult {
  const keys = parseKeys(input);
  if ('check' in keys) return { ok: false, failures: [keys] };
  const policy: CheckpointPolicy = { logKey: keys.logKey, origin: input.origin, witnesses: keys.witnesses, witnessQuorum: input.witnesses?.quorum ?? 0 };

  let opened: OpenedCheckpoint;
  try {
    opened = openCheckpoint(input.checkpoint, policy);
  } catch (error) {
    return { ok: false, failures: [fromCheckpointError(error)] };
  }
  const { checkpoint } = opened;
  const failures: VerificationFailure[] = [];
  const fail = (check: VerificationCheck, code: VerificationFailureCode, message: string): void => {
    failures.push({ check, code, message });
  };

  if (input.remembered) {
    const consistent = checkConsistency(input.remembered, input.consistencyProof ?? [], checkpoint, policy);
    if (consistent) failures.push(consistent);
  }
  const remember = failures.length === 0 ? (typeof input.checkpoint === 'string' ? input.checkpoint : input.checkpoint.toString('utf8')) : undefined;
  const base = { checkpoint, cosignatures: opened.cosignatures, ...(remember === undefined ? {} : { remember }) };

  if (input.leaves.length !== checkpoint.size) {
    fail('leaves', 'leaves-size-mismatch', `the checkpoint has ${checkpoint.size} leaves, ${input.leaves.length} were given`);
    return { ok: false, failures, ...base };
  }
  const { root } = rootOfLeaves(input.leaves);
  if (!root.equals(checkpoint.rootHash)) {
    // The leaves are not the signed tree: a count or receipt read from them would prove nothing.
    fail('leaves', 'root-mismatch', 'the leaves do not hash to the checkpoint root: a leaf was edited, deleted, inserted or reordered');
    return { ok: false, failures, ...base };
  }

  const receipt = readReceipt(input.receipt, input.origin, fail);
  const tally = tallyLeaves(input.leaves, input.origin, receipt ? commitmentOf(receipt.secret, receipt.origin) : undefined);
  for (const problem of tally.problems.slice(0, LISTED_LEAF_PROBLEMS))
    fail('leaves', 'invalid-leaf', `leaf ${problem.index}: ${problem.message} (${problem.code})`);
  if (tally.problemCount > LISTED_LEAF_PROBLEMS) fail('leaves', 'invalid-leaf', `${tally.problemCount - LISTED_LEAF_PROBLEMS} more invalid leaves`);
  if (!Number.isSafeInteger(input.publicCount) || tally.count !== input.publicCount) {
    fail(
      'count',
      'count-mismatch',
      `the leaves count ${tally.count} signatures (${tally.confirmed} confirmed, ${tally.revoked} revoked), the site says ${input.publicCount}`,
    );
  }
  const status = receipt ? receiptStatus(receipt, tally.watched, fail) : undefined;
  return {
    ok: failures.length === 0,
    failures,
    ...base,
    recomputed: { root, confirmed: tally.confirmed, revoked: tally.revoked, count: tally.count },
    ...(status ? { receipt: status } : {}),
  };
}

function checkConsistency(remembered: string, proof: readonly Buffer[], current: Checkpoint, policy: CheckpointPolicy): VerificationFailure | null {
  let old: Checkpoint;
  try {
    // Only the log's signature and origin: a witness quorum asked for today did not apply when it was remembered.
    old = openCheckpoint(remembered, { logKey: policy.logKey, ...(policy.origin === undefined ? {} : { origin: policy.origin }) }).checkpoint;
  } catch (error) {
    const failure = fromCheckpointError(error);
    return { check: 'consistency', code: 'remembered-checkpoint-invalid', message: `the remembered checkpoint no longer verifies: ${failure.message}` };
  }
  if (old.size > current.size) {
    return {
      check: 'consistency',
      code: 'checkpoint-rollback',
      message: `the log shrank from ${old.size} to ${current.size} leaves since the remembered checkpoint`,
    };
  }
  if (!verifyConsistency(old.size, current.size, old.rootHash, current.rootHash, proof)) {
    return {
      check: 'consistency',
      code: 'inconsistent-checkpoint',
      message: `the tree of ${current.size} leaves does not extend the remembered one of ${old.size}: history was rewritten`,
    };
  }
  return null;
}

function readReceipt(
  text: string | undefined,
  origin: string,
  fail: (check: VerificationCheck, code: VerificationFailureCode, message: string) => void,
): Receipt | undefined {
  if (text === undefined) return undefined;
  let receipt: Receipt;
  try {
    receipt = decodeReceipt(text);
  } catch (error) {
    if (!(error instanceof ReceiptFormatError)) throw error;
    fail('receipt', 'receipt-malformed', error.message);
    return undefined;
  }
  if (receipt.origin !== origin) {
    fail('receipt', 'receipt-wrong-log', `the receipt is for ${receipt.origin}, not ${origin}`);
    return undefined;
  }
  return receipt;
}

function receiptStatus(
  receipt: Receipt,
  appearances: readonly CommitmentAppearance[],
  fail: (check: VerificationCheck, code: VerificationFailureCode, message: string) => void,
): ReceiptStatus {
  const latest = appearances[appearances.length - 1];
  if (receipt.leafIndex !== undefined && !appearances.some((a) => a.leafIndex === receipt.leafIndex)) {
    fail('receipt', 'receipt-index-mismatch', `the receipt names leaf ${receipt.leafIndex}, which is not its leaf`);
  }
  if (!latest) {
    fail('receipt', 'receipt-not-found', 'no leaf carries this receipt’s commitment: the signature is not in the log');
    return { state: 'not-found', appearances };
  }
  if (latest.revokedBy !== undefined) {
    fail('receipt', 'receipt-revoked', `the signature (leaf ${latest.leafIndex}) was revoked by leaf ${latest.revokedBy}: ${latest.reason}`);
    return { state: 'revoked', leafIndex: latest.leafIndex, revokedBy: latest.revokedBy, reason: latest.reason!, appearances };
  }
  return { state: 'counted', leafIndex: latest.leafIndex, appearances };
}

export interface ReceiptInclusionInput {
  /** A checkpoint already verified (verifyLog or openCheckpoint). */
  readonly checkpoint: Checkpoint;
  readonly receipt: string;
  readonly leafIndex: number;
  readonly leaf: Uint8Array;
  readonly proof: readonly Buffer[];
}

/**
 * That a receipt's leaf is in a checkpoint, from an inclusion proof alone (no leaves downloaded).
 * It cannot say whether a later leaf revoked it: only verifyLog, over every leaf, can.
 */
export function verifyReceiptInclusion(input: ReceiptInclusionInput): { ok: boolean; failures: VerificationFailure[] } {
  const failures: VerificationFailure[] = [];
  const fail = (check: VerificationCheck, code: VerificationFailureCode, message: string): void => {
    failures.push({ check, code, message });
  };
  const receipt = readReceipt(input.receipt, input.checkpoint.origin, fail);
  if (!receipt) return { ok: false, failures };
  let matches = false;
  try {
    const event = decodeLeaf(input.leaf);
    matches =
      event.type === 'confirmed' && event.logId.equals(logIdOf(receipt.origin)) && event.commitment.equals(commitmentOf(receipt.secret, receipt.origin));
  } catch (error) {
    if (!(error instanceof LeafFormatError)) throw error;
  }
  if (!matches) fail('receipt', 'receipt-not-found', `leaf ${input.leafIndex} is not this receipt’s confirmation`);
  else if (!verifyInclusion(input.leafIndex, input.checkpoint.size, hashLeaf(input.leaf), input.proof, input.checkpoint.rootHash)) {
    fail('receipt', 'inclusion-proof-invalid', `the proof does not place leaf ${input.leafIndex} in the tree of ${input.checkpoint.size} leaves`);
  }
  return { ok: failures.length === 0, failures };
}
