import { EMPTY_TREE_ROOT, hashChildren } from './merkle.hashing';

/**
 * Which stored hashes a root or a proof needs, worked out before anything is read.
 *
 * Every hash RFC 6962 asks for is MTH(D[a:b]) of a range of leaves. In the recursions of RFC 9162
 * §2.1.3.1 (PATH) and §2.1.4.1 (SUBPROOF) every such range starts at a multiple of the largest
 * power of two not below its length, so it splits, left to right, into *perfect* subtrees (2^level
 * leaves starting at index·2^level) whose sizes are the binary digits of its length. A perfect
 * subtree never changes once its last leaf is in, so it can be stored once (a node, or a hash in a
 * tile) and read back by (level, index). Planning first lets a database answer a whole proof in one
 * query of O(log n) nodes, and makes the plans testable without any storage.
 */
export interface NodeId {
  /** Height above the leaves: 0 is a leaf hash, a node at `level` covers 2^level leaves. */
  readonly level: number;
  /** Position among the nodes of its level, from the left: it covers leaves [index·2^level, (index+1)·2^level). */
  readonly index: number;
}

/** MTH of a range: fold the hashes of these perfect subtrees from the right (see foldRange). */
export type RangePlan = readonly NodeId[];

/** Tree sizes and indices are plain numbers: exact up to 2^53, far beyond any campaign. */
export function assertCount(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${what} must be a non-negative safe integer, got ${value}`);
}

/** The largest power of two smaller than n (n ≥ 2): the split point k of RFC 6962. */
export function largestPowerOfTwoBelow(n: number): number {
  if (n < 2) throw new RangeError(`no power of two splits a tree of ${n} leaves`);
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function largestPowerOfTwoAtMost(n: number): { size: number; level: number } {
  let size = 1;
  let level = 0;
  while (size * 2 <= n) {
    size *= 2;
    level += 1;
  }
  return { size, level };
}

export function isPowerOfTwo(n: number): boolean {
  return n >= 1 && largestPowerOfTwoAtMost(n).size === n;
}

/** The perfect subtrees of the range [start, end), largest first. */
export function perfectSubtrees(start: number, end: number): NodeId[] {
  assertCount(start, 'start');
  assertCount(end, 'end');
  if (end < start) throw new RangeError(`range [${start}, ${end}) is reversed`);
  const ids: NodeId[] = [];
  let at = start;
  while (at < end) {
    const { size, level } = largestPowerOfTwoAtMost(end - at);
    if (at % size !== 0) throw new RangeError(`range [${start}, ${end}) is not made of aligned perfect subtrees`);
    ids.push({ level, index: at / size });
    at += size;
  }
  return ids;
}

/** The root of a tree of `size` leaves. An empty plan means the empty tree. */
export function planRoot(size: number): RangePlan {
  return perfectSubtrees(0, size);
}

/** RFC 9162 §2.1.3.1 PATH(m, D[n]), leaf to root. */
export function planInclusion(leafIndex: number, treeSize: number): RangePlan[] {
  assertCount(leafIndex, 'leaf index');
  assertCount(treeSize, 'tree size');
  if (leafIndex >= treeSize) throw new RangeError(`leaf ${leafIndex} is not in a tree of ${treeSize} leaves`);
  const rootToLeaf: RangePlan[] = [];
  let start = 0;
  let size = treeSize;
  let index = leafIndex;
  while (size > 1) {
    const k = largestPowerOfTwoBelow(size);
    if (index < k) {
      rootToLeaf.push(perfectSubtrees(start + k, start + size));
      size = k;
    } else {
      rootToLeaf.push(perfectSubtrees(start, start + k));
      start += k;
      index -= k;
      size -= k;
    }
  }
  return rootToLeaf.reverse();
}

/** RFC 9162 §2.1.4.1 PROOF(m, D[n]) = SUBPROOF(m, D[n], true), for 0 < m ≤ n (m = n gives []). */
export function planConsistency(size1: number, size2: number): RangePlan[] {
  assertCount(size1, 'first size');
  assertCount(size2, 'second size');
  if (size1 < 1 || size1 > size2) throw new RangeError(`no consistency proof from ${size1} to ${size2} leaves`);
  const rootToLeaf: RangePlan[] = [];
  let start = 0;
  let size = size2;
  let m = size1;
  let startedAtRoot = true; // SUBPROOF's b: the old tree is a subtree the verifier already has
  while (m !== size) {
    const k = largestPowerOfTwoBelow(size);
    if (m <= k) {
      rootToLeaf.push(perfectSubtrees(start + k, start + size));
      size = k;
    } else {
      rootToLeaf.push(perfectSubtrees(start, start + k));
      start += k;
      m -= k;
      size -= k;
      startedAtRoot = false;
    }
  }
  if (!startedAtRoot) rootToLeaf.push(perfectSubtrees(start, start + size));
  return rootToLeaf.reverse();
}

/** The nodes a set of plans reads, each once, so one query can fetch them all. */
export function distinctNodes(plans: readonly RangePlan[]): NodeId[] {
  const seen = new Map<string, NodeId>();
  for (const plan of plans) for (const id of plan) seen.set(nodeKey(id), id);
  return [...seen.values()];
}

export function nodeKey(id: NodeId): string {
  return `${id.level}/${id.index}`;
}

/** MTH of a range from its perfect subtrees' hashes: H(p1, H(p2, … H(pk-1, pk))). */
export function foldRange(hashes: readonly Buffer[]): Buffer {
  if (hashes.length === 0) return EMPTY_TREE_ROOT;
  let hash = hashes[hashes.length - 1]!;
  for (let i = hashes.length - 2; i >= 0; i -= 1) hash = hashChildren(hashes[i]!, hash);
  return hash;
}
