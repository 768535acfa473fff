import { hashChildren, hashLeaf, isHash } from './merkle.hashing';
import { assertCount, foldRange, perfectSubtrees, type NodeId } from './merkle.plan';

export interface NodeHash extends NodeId {
  readonly hash: Buffer;
}

/**
 * The right edge of a tree: the perfect subtrees [0, size) splits into, largest first (at most
 * one per level, so O(log n) hashes). It is all one needs to append leaves and to know the root;
 * every node appending completes is reported once, for storage.
 */
export class CompactRange {
  private readonly stack: NodeHash[];
  private count: number;

  /** `frontier` must be the hashes of frontierIds(size), in that order (empty for a new log). */
  constructor(size = 0, frontier: readonly NodeHash[] = []) {
    assertCount(size, 'tree size');
    const expected = frontierIds(size);
    if (frontier.length !== expected.length) throw new Error(`a tree of ${size} leaves has ${expected.length} frontier nodes, got ${frontier.length}`);
    frontier.forEach((node, i) => {
      const id = expected[i]!;
      if (node.level !== id.level || node.index !== id.index || !isHash(node.hash)) throw new Error(`frontier node ${i} should be ${id.level}/${id.index}`);
    });
    this.stack = frontier.map((n) => ({ level: n.level, index: n.index, hash: n.hash }));
    this.count = size;
  }

  get size(): number {
    return this.count;
  }

  get frontier(): readonly NodeHash[] {
    return this.stack;
  }

  /** Adds one leaf hash; `onNode` sees the leaf node and every node it completes, lowest first. */
  appendHash(leafHash: Buffer, onNode?: (node: NodeHash) => void): void {
    if (!isHash(leafHash)) throw new Error('a leaf hash is 32 bytes');
    let node: NodeHash = { level: 0, index: this.count, hash: leafHash };
    onNode?.(node);
    while (this.stack.length > 0 && this.stack[this.stack.length - 1]!.level === node.level) {
      const left = this.stack.pop()!;
      node = { level: node.level + 1, index: left.index / 2, hash: hashChildren(left.hash, node.hash) };
      onNode?.(node);
    }
    this.stack.push(node);
    this.count += 1;
  }

  root(): Buffer {
    return foldRange(this.stack.map((n) => n.hash));
  }
}

/** The nodes to read before appending to a tree of `size` leaves. */
export function frontierIds(size: number): NodeId[] {
  return perfectSubtrees(0, size);
}

export interface AppendResult {
  /** Every node the new leaves complete, level 0 included, each once: what storage must keep. */
  readonly nodes: NodeHash[];
  readonly size: number;
  readonly root: Buffer;
}

/** Appends leaf hashes to the tree whose frontier is given; pure, so a sequencer can run it inside its transaction. */
export function appendLeafHashes(size: number, frontier: readonly NodeHash[], leafHashes: readonly Buffer[]): AppendResult {
  const range = new CompactRange(size, frontier);
  const nodes: NodeHash[] = [];
  for (const hash of leafHashes) range.appendHash(hash, (node) => nodes.push(node));
  return { nodes, size: range.size, root: range.root() };
}

/** MTH of a whole list of leaves in O(log n) memory: what a verifier recomputes from downloaded leaves. */
export function rootOfLeaves(leaves: Iterable<Uint8Array>): { size: number; root: Buffer } {
  const range = new CompactRange();
  for (const leaf of leaves) range.appendHash(hashLeaf(leaf));
  return { size: range.size, root: range.root() };
}
