import {
  commitmentOf,
  decodeReceipt,
  EMPTY_TREE_ROOT,
  encodeLeaf,
  encodeReceipt,
  generateNoteKey,
  hashLeaf,
  logIdOf,
  MemoryNodeStore,
  newReceipt,
  parseSignerKey,
  signCheckpoint,
  type NoteSigner,
  type RevocationReason,
} from '../../../src/modules/transparency';

/**
 * A campaign's log as the integration will keep it, in memory: leaves appended as the signature
 * ledger would, perfect subtrees stored as the sequencer would, checkpoints signed with the log key.
 */
export class CampaignLog {
  readonly key = generateNoteKey('clarion.example');
  readonly signer: NoteSigner = parseSignerKey(this.key.signerKey);
  readonly store = new MemoryNodeStore();
  readonly leaves: Buffer[] = [];
  readonly logId: Buffer;
  hour = 500_000;
  private root = EMPTY_TREE_ROOT;

  constructor(readonly origin = 'clarion.example/campaigns/kazakhstan') {
    this.logId = logIdOf(origin);
  }

  /** A signer confirms: their receipt, and the index their leaf got. */
  confirm(): { receipt: string; index: number } {
    const { receipt, commitment } = newReceipt(this.origin);
    const index = this.append(encodeLeaf({ type: 'confirmed', logId: this.logId, hour: this.hour, commitment }));
    return { receipt: encodeReceipt(receipt), index };
  }

  /** A revoked signature restored (say a fraud invalidation undone): a new leaf with the same commitment. */
  reconfirm(receipt: string): number {
    const { secret, origin } = decodeReceipt(receipt);
    return this.append(encodeLeaf({ type: 'confirmed', logId: this.logId, hour: this.hour, commitment: commitmentOf(secret, origin) }));
  }

  revoke(index: number, reason: RevocationReason = 'erased'): number {
    return this.append(encodeLeaf({ type: 'revoked', logId: this.logId, hour: this.hour, reason, revokes: index }));
  }

  append(leaf: Buffer): number {
    this.leaves.push(leaf);
    this.root = this.store.appendLeafHashes([hashLeaf(leaf)]).root;
    return this.leaves.length - 1;
  }

  /** The signed checkpoint of the tree as it is now. */
  checkpoint(): string {
    return signCheckpoint({ origin: this.origin, size: this.leaves.length, rootHash: this.root }, this.signer);
  }
}
