import { hashChildren, HASH_BYTES } from './merkle.hashing';
import { appendLeafHashes, frontierIds, type AppendResult, type NodeHash } from './merkle.append';
import type { NodeReader } from './merkle.proofs';
import type { NodeId } from './merkle.plan';

/**
 * The tree stored as C2SP tlog-tiles: tile (L, N) holds the hashes of tree level 8·L at indices
 * [256·N, 256·N + 256), so every hash is stored once (32 bytes a leaf in all, about 1/128 of the
 * rows of a node table), and tiles are what a tlog-tiles endpoint serves. A node between two tile
 * levels is rebuilt from at most 128 hashes of one tile: a proof at a million leaves reads three
 * tiles and hashes a few hundred times.
 *
 * Hashes at a tile level never change once computed, so a tile only grows: a partial tile of
 * width W for an older checkpoint is the first W hashes of the stored one.
 */
export const TILE_HEIGHT = 8;
export const TILE_WIDTH = 2 ** TILE_HEIGHT;

export interface TileId {
  /** Tile level L: its hashes are tree level 8·L (0: leaf hashes). */
  readonly level: number;
  readonly index: number;
}

/** Hashes to add to the end of a tile, which must hold exactly `offset` hashes before. */
export interface TileAppend extends TileId {
  readonly offset: number;
  readonly hashes: Buffer;
}

export interface TileReader {
  /** The current contents of these tiles (full or partial), in the order asked; must throw if one does not exist. */
  readTiles(ids: readonly TileId[]): Promise<Buffer[]>;
}

/** Where the hashes of a node come from: `count` consecutive hashes of one tile. */
function locate(id: NodeId): { tile: TileId; offset: number; count: number } {
  const tileLevel = Math.floor(id.level / TILE_HEIGHT);
  const count = 2 ** (id.level - tileLevel * TILE_HEIGHT);
  const first = id.index * count;
  const tileIndex = Math.floor(first / TILE_WIDTH);
  return { tile: { level: tileLevel, index: tileIndex }, offset: first - tileIndex * TILE_WIDTH, count };
}

const tileKey = (id: TileId): string => `${id.level}/${id.index}`;

/** The perfect subtree hash over `count` (a power of two) consecutive hashes. */
function reduce(bytes: Buffer, offset: number, count: number): Buffer {
  let row: Buffer[] = [];
  for (let i = 0; i < count; i += 1) row.push(bytes.subarray((offset + i) * HASH_BYTES, (offset + i + 1) * HASH_BYTES));
  while (row.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i < row.length; i += 2) next.push(hashChildren(row[i]!, row[i + 1]!));
    row = next;
  }
  return Buffer.from(row[0]!);
}

/** A NodeReader over tiles: one readTiles call per request, whatever the number of nodes. */
export class TiledNodeReader implements NodeReader {
  constructor(private readonly tiles: TileReader) {}

  async readNodes(ids: readonly NodeId[]): Promise<Buffer[]> {
    const located = ids.map(locate);
    const wanted = new Map<string, TileId>();
    for (const { tile } of located) wanted.set(tileKey(tile), tile);
    const tileIds = [...wanted.values()];
    const contents = tileIds.length === 0 ? [] : await this.tiles.readTiles(tileIds);
    const byKey = new Map(tileIds.map((id, i) => [tileKey(id), contents[i]] as const));
    return located.map(({ tile, offset, count }, i) => {
      const bytes = byKey.get(tileKey(tile));
      if (!bytes || bytes.length < (offset + count) * HASH_BYTES) throw new Error(`node ${ids[i]!.level}/${ids[i]!.index} is not stored`);
      return reduce(bytes, offset, count);
    });
  }
}

/** The tile appends that store the nodes an append completed (only tile levels are kept). */
export function tileAppends(nodes: readonly NodeHash[]): TileAppend[] {
  const byTile = new Map<string, { tile: TileId; nodes: NodeHash[] }>();
  for (const node of nodes) {
    if (node.level % TILE_HEIGHT !== 0) continue;
    const tile = { level: node.level / TILE_HEIGHT, index: Math.floor(node.index / TILE_WIDTH) };
    const entry = byTile.get(tileKey(tile)) ?? { tile, nodes: [] };
    entry.nodes.push(node);
    byTile.set(tileKey(tile), entry);
  }
  return [...byTile.values()].map(({ tile, nodes: inTile }) => {
    inTile.sort((a, b) => a.index - b.index);
    const offset = inTile[0]!.index - tile.index * TILE_WIDTH;
    inTile.forEach((n, i) => {
      if (n.index !== inTile[0]!.index + i) throw new Error(`tile ${tileKey(tile)} would get a gap at node ${n.index}`);
    });
    return { ...tile, offset, hashes: Buffer.concat(inTile.map((n) => n.hash)) };
  });
}

/**
 * The path of a tile in tlog-tiles: `tile/<L>/<N>[.p/<W>]`, N in 3-digit groups, all but the last
 * prefixed with x (1234067 → x001/x234/067). `width` is given for partial tiles only.
 */
export function tilePath(id: TileId, width?: number): string {
  if (!Number.isSafeInteger(id.index) || id.index < 0 || !Number.isInteger(id.level) || id.level < 0 || id.level > 63) throw new RangeError('bad tile id');
  const groups: string[] = [];
  let n = id.index;
  do {
    groups.unshift(String(n % 1000).padStart(3, '0'));
    n = Math.floor(n / 1000);
  } while (n > 0);
  const encoded = groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
  if (width !== undefined && (!Number.isInteger(width) || width < 1 || width >= TILE_WIDTH)) throw new RangeError('a partial tile is 1 to 255 hashes wide');
  return `tile/${id.level}/${encoded}${width === undefined ? '' : `.p/${width}`}`;
}

/** Tiles in memory, preallocated full width so appends do not copy. */
export class MemoryTileStore implements TileReader {
  private readonly tiles = new Map<string, { bytes: Buffer; width: number }>();
  private leaves = 0;

  get size(): number {
    return this.leaves;
  }

  get tileCount(): number {
    return this.tiles.size;
  }

  async readTiles(ids: readonly TileId[]): Promise<Buffer[]> {
    return ids.map((id) => {
      const tile = this.tiles.get(tileKey(id));
      if (!tile) throw new Error(`tile ${tileKey(id)} does not exist`);
      return Buffer.from(tile.bytes.subarray(0, tile.width * HASH_BYTES));
    });
  }

  /** As the database would: each append must start where the tile ends (a retried append fails, it does not duplicate). */
  apply(appends: readonly TileAppend[]): void {
    for (const append of appends) {
      const key = tileKey(append);
      const tile = this.tiles.get(key) ?? { bytes: Buffer.alloc(TILE_WIDTH * HASH_BYTES), width: 0 };
      const width = append.hashes.length / HASH_BYTES;
      if (append.offset !== tile.width || append.offset + width > TILE_WIDTH)
        throw new Error(`tile ${key} holds ${tile.width} hashes, append starts at ${append.offset}`);
      append.hashes.copy(tile.bytes, tile.width * HASH_BYTES);
      tile.width += width;
      this.tiles.set(key, tile);
      if (append.level === 0) this.leaves = Math.max(this.leaves, append.index * TILE_WIDTH + tile.width);
    }
  }

  /** Appends leaf hashes the way a sequencer would over a tile table. */
  async appendLeafHashes(leafHashes: readonly Buffer[]): Promise<AppendResult> {
    const ids = frontierIds(this.leaves);
    const hashes = ids.length === 0 ? [] : await new TiledNodeReader(this).readNodes(ids);
    const result = appendLeafHashes(
      this.leaves,
      ids.map((id, i) => ({ ...id, hash: hashes[i]! })),
      leafHashes,
    );
    this.apply(tileAppends(result.nodes));
    return result;
  }
}
