import {
  consistencyProof,
  decodeReceipt,
  encodeReceipt,
  generateNoteKey,
  hashLeaf,
  inclusionProof,
  MemoryNodeStore,
  parseCheckpoint,
  parseSignerKey,
  signCheckpoint,
  signNote,
  verifyLog,
  verifyReceiptInclusion,
  SIGNATURE_TYPE_COSIGNATURE_V1,
  type LogVerificationInput,
} from '../../../src/modules/transparency';
import { CampaignLog } from './fixture';

/**
 * Each way a log can lie (or be lied about), handed to the verifier as the CLI would hand it what
 * it fetched, and the failure it must name. The operator holds the signing key throughout: what
 * catches it is consistency with what a verifier saw before, and the leaves themselves.
 */

/** What a dishonest operator can do: sign any tree it likes with the log's key. */
function signedTree(log: CampaignLog, leaves: Buffer[]): { note: string; store: MemoryNodeStore } {
  const store = new MemoryNodeStore();
  const { root } = store.appendLeafHashes(leaves.map(hashLeaf));
  return { note: signCheckpoint({ origin: log.origin, size: leaves.length, rootHash: root }, log.signer), store };
}

function codes(result: { failures: readonly { code: string }[] }): string[] {
  return result.failures.map((f) => f.code);
}

describe('verifying a campaign log', () => {
  let log: CampaignLog;
  let alice: { receipt: string; index: number };
  let bob: { receipt: string; index: number };
  let remembered: string;
  let rememberedSize: number;
  let input: (overrides?: Partial<LogVerificationInput>) => LogVerificationInput;

  beforeEach(async () => {
    log = new CampaignLog();
    alice = log.confirm();
    bob = log.confirm();
    for (let i = 0; i < 5; i += 1) log.confirm();
    remembered = log.checkpoint(); // what a verifier saw yesterday: 7 confirmations
    rememberedSize = log.leaves.length;
    const fraud = log.confirm();
    log.revoke(fraud.index, 'invalidated');
    log.revoke(bob.index, 'erased');
    log.confirm();
    const checkpoint = log.checkpoint(); // today: 9 confirmed, 2 revoked
    const proof = await consistencyProof(log.store, rememberedSize, log.leaves.length);
    input = (overrides = {}) => ({
      logKey: log.key.verifierKey,
      origin: log.origin,
      checkpoint,
      remembered,
      consistencyProof: proof,
      leaves: log.leaves,
      publicCount: 7,
      ...overrides,
    });
  });

  it('accepts an honest log, recomputes its count and says which checkpoint to remember', () => {
    const result = verifyLog(input({ receipt: alice.receipt }));
    expect(result.failures).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.recomputed).toMatchObject({ confirmed: 9, revoked: 2, count: 7 });
    expect(result.receipt).toMatchObject({ state: 'counted', leafIndex: alice.index });
    expect(result.remember).toBe(input().checkpoint);
  });

  it('accepts a first run with nothing remembered', () => {
    expect(verifyLog(input({ remembered: null, consistencyProof: [] })).ok).toBe(true);
  });

  it('shows an erased signer’s receipt as revoked, with the reason, while the count still verifies', () => {
    const result = verifyLog(input({ receipt: bob.receipt }));
    expect(codes(result)).toEqual(['receipt-revoked']);
    expect(result.receipt).toMatchObject({ state: 'revoked', leafIndex: bob.index, reason: 'erased' });
    expect(result.failures[0]!.message).toContain('erased');
  });

  it('detects an edited leaf', () => {
    const edited = log.leaves.map((leaf, i) => (i === alice.index ? Buffer.from(leaf.map((b, j) => (j === 30 ? b ^ 1 : b))) : leaf));
    expect(codes(verifyLog(input({ leaves: edited })))).toEqual(['root-mismatch']);
  });

  it('detects a deleted leaf and an inserted one among the leaves served', () => {
    expect(codes(verifyLog(input({ leaves: log.leaves.filter((_, i) => i !== alice.index) })))).toEqual(['leaves-size-mismatch']);
    const inserted = [...log.leaves.slice(0, 3), log.leaves[4]!, ...log.leaves.slice(3, -1)];
    expect(codes(verifyLog(input({ leaves: inserted })))).toEqual(['root-mismatch']);
  });

  it('detects history rewritten under a new signed checkpoint: a deleted leaf, an inserted leaf, an edited leaf', async () => {
    const forgeries = {
      deleted: log.leaves.filter((_, i) => i !== alice.index),
      inserted: [...log.leaves.slice(0, 2), log.leaves[5]!, ...log.leaves.slice(2)],
      edited: log.leaves.map((leaf, i) => (i === 0 ? log.leaves[1]! : leaf)),
    };
    for (const [what, leaves] of Object.entries(forgeries)) {
      const { note, store } = signedTree(log, leaves);
      // The best proof the operator can offer: an honest one over the forged tree.
      const proof = await consistencyProof(store, rememberedSize, leaves.length);
      const result = verifyLog(input({ checkpoint: note, consistencyProof: proof, leaves, publicCount: 7 }));
      expect([what, codes(result).slice(0, 1)]).toEqual([what, ['inconsistent-checkpoint']]);
      expect(result.remember).toBeUndefined();
    }
  });

  it('detects a log that shrank since the remembered checkpoint', () => {
    const { note } = signedTree(log, log.leaves.slice(0, 3));
    expect(codes(verifyLog(input({ checkpoint: note, consistencyProof: [], leaves: log.leaves.slice(0, 3), publicCount: 3 })))).toContain(
      'checkpoint-rollback',
    );
  });

  it('detects a count that is not the count of the leaves (a signature row deleted or added behind the log’s back)', () => {
    const result = verifyLog(input({ publicCount: 6 }));
    expect(codes(result)).toEqual(['count-mismatch']);
    expect(result.failures[0]!.message).toContain('count 7');
    expect(codes(verifyLog(input({ publicCount: 8 })))).toEqual(['count-mismatch']);
    expect(codes(verifyLog(input({ publicCount: Number.NaN })))).toEqual(['count-mismatch']);
  });

  it('detects a signed tree whose leaves break the counting rules', async () => {
    const leaves = [...log.leaves];
    const extra = new CampaignLog(log.origin);
    extra.revoke(bob.index, 'erased');
    leaves.push(extra.leaves[0]!); // Bob revoked a second time
    const { note, store } = signedTree(log, leaves);
    const proof = await consistencyProof(store, rememberedSize, leaves.length);
    const result = verifyLog(input({ checkpoint: note, consistencyProof: proof, leaves }));
    expect(codes(result)).toEqual(['invalid-leaf']);
    expect(result.failures[0]!.message).toContain('double-revocation');
  });

  it('detects a bad signature, another key, another log and a malformed key', () => {
    const checkpoint = input().checkpoint as string;
    expect(codes(verifyLog(input({ checkpoint: checkpoint.replace(`\n${log.leaves.length}\n`, `\n${log.leaves.length + 1}\n`) })))).toEqual([
      'checkpoint-bad-signature',
    ]);
    expect(codes(verifyLog(input({ logKey: generateNoteKey('clarion.example').verifierKey })))).toEqual(['checkpoint-not-signed-by-log']);
    expect(codes(verifyLog(input({ origin: 'clarion.example/campaigns/other' })))).toEqual(['checkpoint-origin-mismatch']);
    expect(codes(verifyLog(input({ logKey: 'clarion.example+00000000+AAAA' })))).toEqual(['public-key-malformed']);
    expect(codes(verifyLog(input({ checkpoint: 'not a note' })))).toEqual(['checkpoint-malformed-note']);
  });

  it('detects a remembered checkpoint that no longer verifies under the log’s key', () => {
    const other = new CampaignLog(log.origin);
    other.confirm();
    expect(codes(verifyLog(input({ remembered: other.checkpoint() })))).toEqual(['remembered-checkpoint-invalid']);
  });

  it('reports receipts that are malformed, of another log, not in the log, or naming another leaf', () => {
    expect(codes(verifyLog(input({ receipt: 'clarion-receipt.AAAA' })))).toEqual(['receipt-malformed']);
    const elsewhere = new CampaignLog('clarion.example/campaigns/other').confirm();
    expect(codes(verifyLog(input({ receipt: elsewhere.receipt })))).toEqual(['receipt-wrong-log']);
    const stranger = new CampaignLog(log.origin).confirm();
    const result = verifyLog(input({ receipt: stranger.receipt }));
    expect(codes(result)).toEqual(['receipt-not-found']);
    expect(result.receipt).toMatchObject({ state: 'not-found' });
    const misnumbered = encodeReceipt({ ...decodeReceipt(alice.receipt), leafIndex: bob.index });
    expect(codes(verifyLog(input({ receipt: misnumbered })))).toEqual(['receipt-index-mismatch']);
    expect(codes(verifyLog(input({ receipt: encodeReceipt({ ...decodeReceipt(alice.receipt), leafIndex: alice.index }) })))).toEqual([]);
  });

  it('requires the witness quorum asked for, and accepts it when the witness cosigned', () => {
    const witnessKeys = generateNoteKey('witness.example.org/w1', SIGNATURE_TYPE_COSIGNATURE_V1);
    const witnesses = { keys: [witnessKeys.verifierKey], quorum: 1 };
    expect(codes(verifyLog(input({ witnesses, remembered: null })))).toEqual(['checkpoint-witness-quorum']);
    const note = input().checkpoint as string;
    const text = note.slice(0, note.indexOf('\n\n') + 1);
    const logLine = note.slice(note.indexOf('\n\n') + 2);
    const cosigned = signNote(text, [parseSignerKey(witnessKeys.signerKey)]).replace('\n\n', `\n\n${logLine}`);
    // The remembered checkpoint predates the witness: it is still checked, under the log's key alone.
    const result = verifyLog(input({ witnesses, checkpoint: cosigned }));
    expect(result.failures).toEqual([]);
    expect(result.cosignatures).toHaveLength(1);
  });
});

describe('verifying a receipt from an inclusion proof alone', () => {
  it('accepts the receipt’s leaf with its proof and refuses another leaf, index or proof', async () => {
    const log = new CampaignLog();
    const signers = Array.from({ length: 13 }, () => log.confirm());
    const checkpoint = parseCheckpoint(log.checkpoint().split('\n\n')[0]! + '\n');
    const { receipt, index } = signers[6]!;
    const proof = await inclusionProof(log.store, index, log.leaves.length);
    const base = { checkpoint, receipt, leafIndex: index, leaf: log.leaves[index]!, proof };
    expect(verifyReceiptInclusion(base)).toEqual({ ok: true, failures: [] });
    expect(codes(verifyReceiptInclusion({ ...base, leaf: log.leaves[index + 1]! }))).toEqual(['receipt-not-found']);
    expect(codes(verifyReceiptInclusion({ ...base, leafIndex: index + 1 }))).toEqual(['inclusion-proof-invalid']);
    expect(codes(verifyReceiptInclusion({ ...base, proof: proof.slice(1) }))).toEqual(['inclusion-proof-invalid']);
    expect(codes(verifyReceiptInclusion({ ...base, receipt: 'clarion-receipt.!' }))).toEqual(['receipt-malformed']);
  });
});
