// The transparency log's core, for the signature ledger, the sequencer, the public routes and the
// verify CLI. See README.md for the design and how to wire it in.
export { EMPTY_TREE_ROOT, hashChildren, hashLeaf, HASH_BYTES } from './merkle.hashing';
export { distinctNodes, foldRange, perfectSubtrees, planConsistency, planInclusion, planRoot, type NodeId, type RangePlan } from './merkle.plan';
export { consistencyProof, inclusionProof, resolvePlans, rootAt, type NodeReader } from './merkle.proofs';
export { rootFromInclusionProof, verifyConsistency, verifyInclusion } from './merkle.verify';
export { appendLeafHashes, CompactRange, frontierIds, rootOfLeaves, type AppendResult, type NodeHash } from './merkle.append';
export { MemoryNodeStore } from './node-store.memory';
export {
  MemoryTileStore,
  TILE_HEIGHT,
  TILE_WIDTH,
  tileAppends,
  TiledNodeReader,
  tilePath,
  type TileAppend,
  type TileId,
  type TileReader,
} from './node-store.tiles';
export { decodeEntryBundle, encodeEntryBundle, EntryBundleError } from './entry-bundle';
export {
  decodeLeaf,
  encodeLeaf,
  hourOf,
  LeafFormatError,
  logIdOf,
  REVOCATION_REASONS,
  type ConfirmedEvent,
  type LogEvent,
  type RevocationReason,
  type RevokedEvent,
} from './leaf.codec';
export { commitmentOf, decodeReceipt, encodeReceipt, newReceipt, ReceiptFormatError, RECEIPT_PREFIX, type Receipt } from './receipt';
export { LogTally, tallyLeaves, type CommitmentAppearance, type TallyProblem, type TallyResult } from './tally';
export {
  decodeSignerKey,
  decodeVerifierKey,
  ed25519PrivateKeyFromSeed,
  ed25519PublicKeyFromRaw,
  encodeSignerKey,
  encodeVerifierKey,
  generateNoteKey,
  isValidKeyName,
  KeyFormatError,
  rawEd25519PublicKey,
  rawEd25519Seed,
  SIGNATURE_TYPE_COSIGNATURE_V1,
  SIGNATURE_TYPE_ED25519,
} from './note.keys';
export { cosignatureTimestamp, parseSignerKey, parseVerifierKey, type NoteSigner, type NoteVerifier } from './note.verifiers';
export { NoteError, openNote, signNote, type NoteSignature, type OpenedNote } from './note.signed';
export {
  CheckpointError,
  formatCheckpoint,
  openCheckpoint,
  parseCheckpoint,
  signCheckpoint,
  type Checkpoint,
  type CheckpointPolicy,
  type Cosignature,
  type OpenedCheckpoint,
} from './checkpoint';
export {
  verifyLog,
  verifyReceiptInclusion,
  type LogVerificationInput,
  type LogVerificationResult,
  type ReceiptInclusionInput,
  type ReceiptStatus,
  type VerificationFailure,
} from './log-verifier';
