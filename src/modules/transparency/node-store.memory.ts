import { HASH_BYTES } from './merkle.hashing';
import { appendLeafHashes, frontierIds, type AppendResult, type NodeHash } from './merkle.append';
import type { NodeReader } from './merkle.proofs';
import type { NodeId } from './merkle.plan';

/**
 * Every perfect-subtree hash of a tree, in memory: one growing byte array per level (about 64 bytes
 * per leaf), the same shape as a node table keyed by (level, index). For tests, the benchmark and
 * small tools; the database keeps the same nodes (see README "Tables").
 */
export class MemoryNodeStore implements NodeReader {
  private readonly levels: { bytes: Buffer; count: number }[] = [];
  private leaves = 0;

  get size(): number {
    return this.leaves;
  }

  async readNodes(ids: readonly NodeId[]): Promise<Buffer[]> {
    return ids.map((id) => this.readNode(id));
  }

  readNode(id: NodeId): Buffer {
    const level = this.levels[id.level];
    if (!level || !Number.isSafeInteger(id.index) || id.index < 0 || id.index >= level.count) throw new Error(`node ${id.level}/${id.index} is not stored`);
    return Buffer.from(level.bytes.subarray(id.index * HASH_BYTES, (id.index + 1) * HASH_BYTES));
  }

  /** Stores nodes as appending reports them: each level only grows, one index after the other. */
  writeNodes(nodes: readonly NodeHash[]): void {
    for (const node of nodes) {
      while (this.levels.length <= node.level) this.levels.push({ bytes: Buffer.alloc(HASH_BYTES * 16), count: 0 });
      const level = this.levels[node.level]!;
      if (node.index !== level.count) throw new Error(`node ${node.level}/${node.index} written out of order (next is ${level.count})`);
      if ((level.count + 1) * HASH_BYTES > level.bytes.length) {
        const grown = Buffer.alloc(level.bytes.length * 2);
        level.bytes.copy(grown);
        level.bytes = grown;
      }
      node.hash.copy(level.bytes, level.count * HASH_BYTES);
      level.count += 1;
      if (node.level === 0) this.leaves = level.count;
    }
  }

  /** Appends leaf hashes the way a sequencer would: read the frontier, append, store what was completed. */
  appendLeafHashes(leafHashes: readonly Buffer[]): AppendResult {
    const frontier = frontierIds(this.leaves).map((id) => ({ ...id, hash: this.readNode(id) }));
    const result = appendLeafHashes(this.leaves, frontier, leafHashes);
    this.writeNodes(result.nodes);
    return result;
  }
}
