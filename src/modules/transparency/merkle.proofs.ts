import { HASH_BYTES } from './merkle.hashing';
import { distinctNodes, foldRange, nodeKey, planConsistency, planInclusion, planRoot, type NodeId, type RangePlan } from './merkle.plan';

/**
 * Where proofs read stored hashes from: a table of nodes, tiles, or memory. Only perfect subtrees
 * are ever asked for, and only ones whose last leaf is in the tree the caller proves against.
 */
export interface NodeReader {
  /** The hashes of these nodes, in the order asked. Must throw if one is not stored. */
  readNodes(ids: readonly NodeId[]): Promise<Buffer[]>;
}

/** Reads every node of the plans in one call and folds each plan into its hash. */
export async function resolvePlans(reader: NodeReader, plans: readonly RangePlan[]): Promise<Buffer[]> {
  const ids = distinctNodes(plans);
  const hashes = ids.length === 0 ? [] : await reader.readNodes(ids);
  if (hashes.length !== ids.length) throw new Error(`node reader answered ${hashes.length} hashes for ${ids.length} nodes`);
  const byKey = new Map<string, Buffer>();
  ids.forEach((id, i) => {
    const hash = hashes[i]!;
    if (!Buffer.isBuffer(hash) || hash.length !== HASH_BYTES) throw new Error(`node reader answered a malformed hash for node ${nodeKey(id)}`);
    byKey.set(nodeKey(id), hash);
  });
  return plans.map((plan) => foldRange(plan.map((id) => byKey.get(nodeKey(id))!)));
}

/** MTH(D[0:size]). */
export async function rootAt(reader: NodeReader, size: number): Promise<Buffer> {
  const [root] = await resolvePlans(reader, [planRoot(size)]);
  return root!;
}

/** The audit path of leaf `leafIndex` in the tree of `treeSize` leaves (RFC 9162 §2.1.3.1). */
export async function inclusionProof(reader: NodeReader, leafIndex: number, treeSize: number): Promise<Buffer[]> {
  return resolvePlans(reader, planInclusion(leafIndex, treeSize));
}

/** The proof that the tree of `size1` leaves is a prefix of the tree of `size2` (RFC 9162 §2.1.4.1). */
export async function consistencyProof(reader: NodeReader, size1: number, size2: number): Promise<Buffer[]> {
  if (size1 === 0 || size1 === size2) return [];
  return resolvePlans(reader, planConsistency(size1, size2));
}
