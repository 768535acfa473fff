// The transparency log's core, for the signature ledger, the sequencer, the public routes and the
// verify CLI. See README.md for the design and how to wire it in.
export { EMPTY_TREE_ROOT, hashChildren, hashLeaf, HASH_BYTES } from './merkle.hashing';
export { distinctNodes, foldRange, perfectSubtrees, planConsistency, planInclusion, planRoot, type NodeId, type RangePlan } from './merkle.plan';
export { consistencyProof, inclusionProof, resolvePlans, rootAt, type NodeReader } from './merkle.proofs';
export { rootFromInclusionProof, verifyConsistency, verifyInclusion } from './merkle.verify';
export { appendLeafHashes, CompactRange, frontierIds, rootOfLeaves, type AppendResult, type NodeHash } from './merkle.append';
export { MemoryNodeStore } from './node-store.memory';
export { MemoryTileStore, TILE_HEIGHT, TILE_WIDTH, tileAppends, TiledNodeReader, tilePath, type TileAppend, type TileId, type TileReader } from './node-store.tiles';
