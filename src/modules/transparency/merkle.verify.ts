import { EMPTY_TREE_ROOT, hashChildren, isHash } from './merkle.hashing';
import { isPowerOfTwo } from './merkle.plan';

/**
 * Proof verification exactly as RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency) write
 * it, with the edge cases the RFC leaves to the caller decided as transparency-dev/merkle does.
 * fn and sn are halved with Math.floor, not `>>`, so sizes above 2^31 stay exact.
 */

const half = (n: number): number => Math.floor(n / 2);
const isOdd = (n: number): boolean => n % 2 === 1;

function isCount(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

/** The root an inclusion proof leads to, or null when the proof cannot belong to this index and size. */
export function rootFromInclusionProof(leafIndex: number, treeSize: number, leafHash: Buffer, proof: readonly Buffer[]): Buffer | null {
  if (!isCount(leafIndex) || !isCount(treeSize) || leafIndex >= treeSize) return null;
  if (!isHash(leafHash) || !proof.every(isHash)) return null;
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) return null; // the path is longer than the tree is high
    if (isOdd(fn) || fn === sn) {
      r = hashChildren(p, r);
      if (!isOdd(fn)) {
        // fn is the last node of its level: it has no right sibling until fn is a right child again
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = hashChildren(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 ? r : null; // a shorter path never reaches the root
}

export function verifyInclusion(leafIndex: number, treeSize: number, leafHash: Buffer, proof: readonly Buffer[], rootHash: Buffer): boolean {
  if (!isHash(rootHash)) return false;
  const computed = rootFromInclusionProof(leafIndex, treeSize, leafHash, proof);
  return computed !== null && computed.equals(rootHash);
}

/**
 * Whether the tree of `size1` leaves with root `root1` is a prefix of the tree of `size2` with
 * `root2`. Equal sizes need equal roots and an empty proof; the empty tree (whose root must be the
 * empty-tree hash) is a prefix of every tree, with an empty proof.
 */
export function verifyConsistency(size1: number, size2: number, root1: Buffer, root2: Buffer, proof: readonly Buffer[]): boolean {
  if (!isCount(size1) || !isCount(size2) || size1 > size2) return false;
  if (!isHash(root1) || !isHash(root2) || !proof.every(isHash)) return false;
  if (size1 === size2) return proof.length === 0 && root1.equals(root2);
  if (size1 === 0) return proof.length === 0 && root1.equals(EMPTY_TREE_ROOT);
  if (proof.length === 0) return false;

  const path = isPowerOfTwo(size1) ? [root1, ...proof] : [...proof];
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && fr.equals(root1) && sr.equals(root2);
}
