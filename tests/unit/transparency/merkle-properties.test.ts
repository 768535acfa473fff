import { createHash } from 'node:crypto';
import {
  appendLeafHashes,
  consistencyProof,
  EMPTY_TREE_ROOT,
  frontierIds,
  hashChildren,
  hashLeaf,
  inclusionProof,
  MemoryNodeStore,
  MemoryTileStore,
  rootAt,
  rootOfLeaves,
  TiledNodeReader,
  TILE_WIDTH,
  verifyConsistency,
  verifyInclusion,
  type NodeReader,
} from '../../../src/modules/transparency';

/**
 * Every tree size up to MAX_SIZE, every leaf and every pair of sizes, against a literal transcription
 * of RFC 6962's recursive definitions (MTH, PATH, SUBPROOF) over an array, which shares no code
 * with the planner or the stores.
 */
const MAX_SIZE = 70;

const leaves = Array.from({ length: 600 }, (_, i) =>
  createHash('sha256')
    .update(`leaf ${i}`)
    .digest()
    .subarray(0, 1 + (i % 20)),
);
const leafHashes = leaves.map(hashLeaf);

function k(n: number): number {
  let p = 1;
  while (p * 2 < n) p *= 2;
  return p;
}

// Over leaf ranges [a, b) of leafHashes, memoised: the definitions stay literal, the test stays fast.
const memo = new Map<string, Buffer>();
function mth(a: number, b: number): Buffer {
  if (b - a === 0) return EMPTY_TREE_ROOT;
  if (b - a === 1) return leafHashes[a]!;
  const key = `${a}:${b}`;
  let hash = memo.get(key);
  if (!hash) {
    const split = a + k(b - a);
    hash = hashChildren(mth(a, split), mth(split, b));
    memo.set(key, hash);
  }
  return hash;
}

/** PATH(m, D[a:b]). */
function path(m: number, a: number, b: number): Buffer[] {
  if (b - a <= 1) return [];
  const split = k(b - a);
  return m < split ? [...path(m, a, a + split), mth(a + split, b)] : [...path(m - split, a + split, b), mth(a, a + split)];
}

/** SUBPROOF(m, D[a:b], flag). */
function subproof(m: number, a: number, b: number, flag: boolean): Buffer[] {
  if (m === b - a) return flag ? [] : [mth(a, b)];
  const split = k(b - a);
  return m <= split ? [...subproof(m, a, a + split, flag), mth(a + split, b)] : [...subproof(m - split, a + split, b, false), mth(a, a + split)];
}

/** For the forgery test: the same definitions over another list of leaf hashes, unmemoised. */
function rootOfHashes(d: Buffer[]): Buffer {
  if (d.length === 0) return EMPTY_TREE_ROOT;
  if (d.length === 1) return d[0]!;
  const split = k(d.length);
  return hashChildren(rootOfHashes(d.slice(0, split)), rootOfHashes(d.slice(split)));
}

function forgedConsistency(m: number, d: Buffer[], flag = true): Buffer[] {
  if (m === d.length) return flag ? [] : [rootOfHashes(d)];
  const split = k(d.length);
  return m <= split
    ? [...forgedConsistency(m, d.slice(0, split), flag), rootOfHashes(d.slice(split))]
    : [...forgedConsistency(m - split, d.slice(split), false), rootOfHashes(d.slice(0, split))];
}

const same = (x: Buffer[], y: Buffer[]): boolean => x.length === y.length && x.every((h, i) => h.equals(y[i]!));

/**
 * The shape of a proof: for each element, whether it is hashed in from the left or the right (and
 * for consistency, where the walk starts). The root hash does not encode the tree size, so a proof
 * also verifies for another (index, size) claim exactly when that claim's proof has the same shape:
 * that is why a checkpoint signs the size. These shapes come from the recursive definitions.
 */
function inclusionShape(m: number, n: number): string {
  if (m < 0 || m >= n) return 'none';
  if (n === 1) return '';
  const split = k(n);
  return m < split ? `${inclusionShape(m, split)}R` : `${inclusionShape(m - split, n - split)}L`;
}

function consistencyShape(m: number, n: number, b = true): string {
  if (m < 1 || m > n) return 'none';
  if (m === n) return b ? 'root1:' : 'node:';
  const split = k(n);
  return m <= split ? `${consistencyShape(m, split, b)}R` : `${consistencyShape(m - split, n - split, false)}L`;
}

const flip = (proof: Buffer[], i: number): Buffer[] => proof.map((p, j) => (j === i ? Buffer.from(p.map((byte, b) => (b === 0 ? byte ^ 1 : byte))) : p));
const someHash = createHash('sha256').update('not in any tree').digest();

let nodes: MemoryNodeStore;
let tiles: TiledNodeReader;
const roots: Buffer[] = [];

beforeAll(async () => {
  nodes = new MemoryNodeStore();
  nodes.appendLeafHashes(leafHashes.slice(0, MAX_SIZE));
  const tileStore = new MemoryTileStore();
  await tileStore.appendLeafHashes(leafHashes.slice(0, MAX_SIZE));
  tiles = new TiledNodeReader(tileStore);
  for (let n = 0; n <= MAX_SIZE; n += 1) roots.push(mth(0, n));
});

describe(`Merkle proofs over every tree of 1 to ${MAX_SIZE} leaves`, () => {
  it('computes every root as the recursive definition does, from nodes and from tiles', async () => {
    for (let n = 0; n <= MAX_SIZE; n += 1) {
      expect(await rootAt(nodes, n)).toEqual(roots[n]);
      expect(await rootAt(tiles, n)).toEqual(roots[n]);
      expect(rootOfLeaves(leaves.slice(0, n)).root).toEqual(roots[n]);
    }
  });

  it('generates the RFC audit path for every leaf, and it verifies while every tampering fails', async () => {
    const wrongly: string[] = [];
    for (let n = 1; n <= MAX_SIZE; n += 1) {
      const root = roots[n]!;
      for (let m = 0; m < n; m += 1) {
        const expected = path(m, 0, n);
        if (!same(await inclusionProof(nodes, m, n), expected)) wrongly.push(`node store path of ${m} in ${n}`);
        if (!same(await inclusionProof(tiles, m, n), expected)) wrongly.push(`tile store path of ${m} in ${n}`);
        const leaf = leafHashes[m]!;
        if (!verifyInclusion(m, n, leaf, expected, root)) wrongly.push(`rejected ${m} in ${n}`);
        // Another claim about the same proof verifies exactly when its proof has the same shape.
        for (const [index, size] of [
          [m + 1, n],
          [m - 1, n],
          [m ^ 2, n],
          [m, n + 1],
          [m, n - 1],
          [m, n * 2],
          [m, Math.floor(n / 2)],
        ] as const) {
          const sameShape = inclusionShape(index, size) === inclusionShape(m, n);
          if (verifyInclusion(index, size, leaf, expected, root) !== sameShape) wrongly.push(`claim ${index} of ${size} for leaf ${m} of ${n}`);
        }
        const tampered: [string, boolean][] = [
          ['other leaf', verifyInclusion(m, n, leafHashes[m + 1]!, expected, root)],
          ['other root', verifyInclusion(m, n, leaf, expected, roots[n - 1]!)],
          ['extended path', verifyInclusion(m, n, leaf, [...expected, someHash], root)],
          ['path with a hash before', verifyInclusion(m, n, leaf, [someHash, ...expected], root)],
          ['truncated path', expected.length > 0 && verifyInclusion(m, n, leaf, expected.slice(0, -1), root)],
          ...expected.map((_, i): [string, boolean] => [`flipped path[${i}]`, verifyInclusion(m, n, leaf, flip(expected, i), root)]),
        ];
        for (const [what, accepted] of tampered) if (accepted) wrongly.push(`${what} accepted for leaf ${m} of ${n}`);
      }
    }
    expect(wrongly).toEqual([]);
  });

  it('generates the RFC consistency proof for every pair of sizes, and it verifies while every tampering fails', async () => {
    const wrongly: string[] = [];
    for (let n = 1; n <= MAX_SIZE; n += 1) {
      for (let m = 1; m <= n; m += 1) {
        const expected = subproof(m, 0, n, true);
        if (!same(await consistencyProof(nodes, m, n), expected)) wrongly.push(`node store proof ${m} → ${n}`);
        if (!same(await consistencyProof(tiles, m, n), expected)) wrongly.push(`tile store proof ${m} → ${n}`);
        const [r1, r2] = [roots[m]!, roots[n]!];
        if (!verifyConsistency(m, n, r1, r2, expected)) wrongly.push(`rejected ${m} → ${n}`);
        if (m === n) continue;
        for (const [size1, size2] of [
          [m + 1, n],
          [m - 1, n],
          [m, n + 1],
          [m, n - 1],
          [m, n * 2],
        ] as const) {
          const sameShape = consistencyShape(size1, size2) === consistencyShape(m, n);
          if (verifyConsistency(size1, size2, r1, r2, expected) !== sameShape) wrongly.push(`claim ${size1} → ${size2} for ${m} → ${n}`);
        }
        const tampered: [string, boolean][] = [
          ['other root1', verifyConsistency(m, n, roots[m - 1]!, r2, expected)],
          ['other root2', verifyConsistency(m, n, r1, roots[n - 1]!, expected)],
          ['swapped roots', verifyConsistency(m, n, r2, r1, expected)],
          ['extended proof', verifyConsistency(m, n, r1, r2, [...expected, someHash])],
          ['proof with a hash before', verifyConsistency(m, n, r1, r2, [someHash, ...expected])],
          ['truncated proof', verifyConsistency(m, n, r1, r2, expected.slice(0, -1))],
          ...expected.map((_, i): [string, boolean] => [`flipped proof[${i}]`, verifyConsistency(m, n, r1, r2, flip(expected, i))]),
        ];
        for (const [what, accepted] of tampered) if (accepted) wrongly.push(`${what} accepted for ${m} → ${n}`);
      }
    }
    expect(wrongly).toEqual([]);
  });

  it('detects a rewritten leaf: the old root is not consistent with a tree where one early leaf changed', () => {
    for (const n of [2, 5, 8, 33, MAX_SIZE]) {
      for (const m of [1, Math.floor(n / 2), n - 1]) {
        // The forger publishes a tree whose first leaf differs, with an honest proof over the forged tree.
        const forgedLeaves = [someHash, ...leafHashes.slice(1, n)];
        const forgedRoot = rootOfHashes(forgedLeaves);
        const forged = forgedConsistency(m, forgedLeaves);
        expect(verifyConsistency(m, n, roots[m]!, forgedRoot, forged)).toBe(false);
      }
    }
  });
});

describe('appending', () => {
  async function nodesOf(reader: NodeReader, size: number): Promise<Buffer[]> {
    return reader.readNodes(frontierIds(size));
  }

  it('gives the same tree whatever the batches, in nodes and in tiles, across tile boundaries', async () => {
    const total = 2 * TILE_WIDTH + 37;
    const oneByOne = new MemoryNodeStore();
    for (const hash of leafHashes.slice(0, total)) oneByOne.appendLeafHashes([hash]);
    const tileStore = new MemoryTileStore();
    const batched = new MemoryNodeStore();
    let at = 0;
    for (const batch of [1, 2, 3, 250, 7, 1, 256, 10, 19]) {
      const hashes = leafHashes.slice(at, Math.min(total, at + batch));
      at += hashes.length;
      const fromNodes = batched.appendLeafHashes(hashes);
      const fromTiles = await tileStore.appendLeafHashes(hashes);
      expect(fromTiles.root).toEqual(fromNodes.root);
      expect(fromNodes.root).toEqual(mth(0, at));
    }
    expect(at).toBe(total);
    expect(tileStore.size).toBe(total);
    expect(tileStore.tileCount).toBe(4); // level 0: two full tiles and one of 37; level 1: one tile of 2
  });

  it('reports each completed node once and refuses a frontier that is not the tree’s', () => {
    const result = appendLeafHashes(0, [], leafHashes.slice(0, 8));
    expect(result.nodes.map((n) => `${n.level}/${n.index}`).sort()).toEqual(
      ['0/0', '0/1', '0/2', '0/3', '0/4', '0/5', '0/6', '0/7', '1/0', '1/1', '1/2', '1/3', '2/0', '2/1', '3/0'].sort(),
    );
    expect(() => appendLeafHashes(3, [], [leafHashes[3]!])).toThrow('frontier');
    const store = new MemoryNodeStore();
    store.appendLeafHashes(leafHashes.slice(0, 3));
    expect(() => store.writeNodes([{ level: 0, index: 5, hash: someHash }])).toThrow('out of order');
  });

  it('refuses a tile append that does not start where the tile ends (a replayed batch)', async () => {
    const store = new MemoryTileStore();
    await store.appendLeafHashes(leafHashes.slice(0, 3));
    expect(() => store.apply([{ level: 0, index: 0, offset: 2, hashes: someHash }])).toThrow('holds 3 hashes');
    await expect(nodesOf(new TiledNodeReader(store), 3)).resolves.toHaveLength(2);
  });
});
