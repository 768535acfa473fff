import {
  consistencyProof,
  EMPTY_TREE_ROOT,
  hashLeaf,
  inclusionProof,
  MemoryNodeStore,
  MemoryTileStore,
  rootAt,
  rootFromInclusionProof,
  TiledNodeReader,
  tilePath,
  verifyConsistency,
  verifyInclusion,
} from '../../../src/modules/transparency';

/**
 * The Certificate Transparency reference vectors, as published in transparency-dev/merkle
 * (testonly/constants.go: leaves, node hashes and roots; proof/verify_test.go: inclusion and
 * consistency proofs, and its corruption probes).
 */
const hex = (h: string): Buffer => Buffer.from(h, 'hex');

const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(hex);

const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
].map(hex);

const NODES = [
  [
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
    '0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7',
    '07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7',
    'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    '4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658',
    'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
    '46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1',
  ],
  [
    'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
    'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
  ],
  ['d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4'],
  ['5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328'],
].map((level) => level.map(hex));

// transparency-dev numbers leaves from 1 in these vectors; indices here are 0-based.
const INCLUSION: { index: number; size: number; proof: string[] }[] = [
  {
    index: 0,
    size: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    index: 5,
    size: 8,
    proof: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  { index: 2, size: 3, proof: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  {
    index: 1,
    size: 5,
    proof: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
  { index: 0, size: 1, proof: [] },
];

const CONSISTENCY: { size1: number; size2: number; proof: string[] }[] = [
  { size1: 1, size2: 1, proof: [] },
  {
    size1: 1,
    size2: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    size1: 6,
    size2: 8,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    size1: 2,
    size2: 5,
    proof: ['5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b'],
  },
  {
    size1: 6,
    size2: 7,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];

const SOME_HASH = hex('abacaba000000000000000000000000000000000000000000060061e00123456');

function storeWith(count: number): MemoryNodeStore {
  const store = new MemoryNodeStore();
  store.appendLeafHashes(LEAVES.slice(0, count).map(hashLeaf));
  return store;
}

describe('RFC 6962 hashing against the Certificate Transparency reference vectors', () => {
  it('hashes the empty tree to SHA-256 of the empty string', () => {
    expect(EMPTY_TREE_ROOT).toEqual(ROOTS[0]);
  });

  it.each(ROOTS.map((root, size) => [size, root] as const))('computes the root of the first %i leaves', async (size, root) => {
    expect(await rootAt(storeWith(8), size)).toEqual(root);
    const tiles = new MemoryTileStore();
    await tiles.appendLeafHashes(LEAVES.slice(0, size).map(hashLeaf));
    expect(await rootAt(new TiledNodeReader(tiles), size)).toEqual(root);
  });

  it('stores every complete subtree hash the reference lists, level by level', async () => {
    const store = storeWith(8);
    NODES.forEach((level, l) => level.forEach((hash, i) => expect(store.readNode({ level: l, index: i })).toEqual(hash)));
    expect(() => store.readNode({ level: 4, index: 0 })).toThrow('not stored');
  });

  it.each(INCLUSION)('generates and verifies the published inclusion proof of leaf $index in a tree of $size', async ({ index, size, proof }) => {
    const expected = proof.map(hex);
    const store = storeWith(size);
    expect(await inclusionProof(store, index, size)).toEqual(expected);
    expect(await inclusionProof(storeWith(8), index, size)).toEqual(expected); // older trees from a bigger store
    expect(verifyInclusion(index, size, hashLeaf(LEAVES[index]!), expected, ROOTS[size]!)).toBe(true);
    expect(rootFromInclusionProof(index, size, hashLeaf(LEAVES[index]!), expected)).toEqual(ROOTS[size]);
  });

  it.each(CONSISTENCY)('generates and verifies the published consistency proof from $size1 to $size2', async ({ size1, size2, proof }) => {
    const expected = proof.map(hex);
    expect(await consistencyProof(storeWith(8), size1, size2)).toEqual(expected);
    expect(verifyConsistency(size1, size2, ROOTS[size1]!, ROOTS[size2]!, expected)).toBe(true);
  });

  // transparency-dev's corruptInclusionProof probes, each of which must fail.
  it.each(INCLUSION.filter((v) => v.size > 1))('rejects every corrupted form of the inclusion proof of leaf $index in $size', ({ index, size, proof }) => {
    const path = proof.map(hex);
    const leaf = hashLeaf(LEAVES[index]!);
    const root = ROOTS[size]!;
    const probes: [string, number, number, Buffer, Buffer[], Buffer][] = [
      ['index - 1', index - 1, size, leaf, path, root],
      ['index + 1', index + 1, size, leaf, path, root],
      ['index ^ 2', index ^ 2, size, leaf, path, root],
      ['size * 2', index, size * 2, leaf, path, root],
      ['size / 2', index, Math.floor(size / 2), leaf, path, root],
      ['wrong leaf', index, size, Buffer.from('WrongLeaf'), path, root],
      ['empty root', index, size, leaf, path, EMPTY_TREE_ROOT],
      ['random root', index, size, leaf, path, SOME_HASH],
      ['trailing garbage', index, size, leaf, [...path, Buffer.alloc(0)], root],
      ['trailing root', index, size, leaf, [...path, root], root],
      ['preceding garbage', index, size, leaf, [Buffer.alloc(0), ...path], root],
      ['preceding root', index, size, leaf, [root, ...path], root],
      ['removed component', index, size, leaf, path.slice(0, -1), root],
      ['inserted component', index, size, leaf, [path[0]!, SOME_HASH, ...path.slice(1)], root],
      ...path.map((_, i): [string, number, number, Buffer, Buffer[], Buffer] => {
        const flipped = path.map((p) => Buffer.from(p));
        flipped[i]![0]! ^= 8;
        return [`bit flip in proof[${i}]`, index, size, leaf, flipped, root];
      }),
    ];
    const accepted = probes.filter(([, i, s, l, p, r]) => verifyInclusion(i, s, l, p, r)).map(([name]) => name);
    expect(accepted).toEqual([]);
  });

  it.each(CONSISTENCY.filter((v) => v.proof.length > 0))(
    'rejects every corrupted form of the consistency proof from $size1 to $size2',
    ({ size1, size2, proof }) => {
      const path = proof.map(hex);
      const root1 = ROOTS[size1]!;
      const root2 = ROOTS[size2]!;
      const probes: [string, number, number, Buffer, Buffer, Buffer[]][] = [
        ['size1 - 1', size1 - 1, size2, root1, root2, path],
        ['size1 + 1', size1 + 1, size2, root1, root2, path],
        ['size1 ^ 2', size1 ^ 2, size2, root1, root2, path],
        ['size2 * 2', size1, size2 * 2, root1, root2, path],
        ['size2 / 2', size1, Math.floor(size2 / 2), root1, root2, path],
        ['wrong root1', size1, size2, Buffer.from('WrongRoot'), root2, path],
        ['wrong root2', size1, size2, root1, Buffer.from('WrongRoot'), path],
        ['swapped roots', size1, size2, root2, root1, path],
        ['empty proof', size1, size2, root1, root2, []],
        ['trailing garbage', size1, size2, root1, root2, [...path, Buffer.alloc(0)]],
        ['trailing root1', size1, size2, root1, root2, [...path, root1]],
        ['trailing root2', size1, size2, root1, root2, [...path, root2]],
        ['preceding garbage', size1, size2, root1, root2, [Buffer.alloc(0), ...path]],
        ['preceding root1', size1, size2, root1, root2, [root1, ...path]],
        ['preceding root2', size1, size2, root1, root2, [root2, ...path]],
        ['preceding proof[0]', size1, size2, root1, root2, [path[0]!, ...path]],
        ['truncated proof', size1, size2, root1, root2, path.slice(0, -1)],
        ...path.map((_, i): [string, number, number, Buffer, Buffer, Buffer[]] => {
          const flipped = path.map((p) => Buffer.from(p));
          flipped[i]![0]! ^= 16;
          return [`bit flip in proof[${i}]`, size1, size2, root1, root2, flipped];
        }),
      ];
      const accepted = probes.filter(([, s1, s2, r1, r2, p]) => verifyConsistency(s1, s2, r1, r2, p)).map(([name]) => name);
      expect(accepted).toEqual([]);
    },
  );

  it('decides the edge cases of consistency as transparency-dev does (the empty tree must have the empty root here)', () => {
    const [a, b] = [ROOTS[1]!, ROOTS[2]!];
    expect(verifyConsistency(0, 0, EMPTY_TREE_ROOT, EMPTY_TREE_ROOT, [])).toBe(true);
    expect(verifyConsistency(0, 1, EMPTY_TREE_ROOT, a, [])).toBe(true);
    expect(verifyConsistency(1, 1, a, a, [])).toBe(true);
    expect(verifyConsistency(0, 1, a, b, [])).toBe(false); // a tree of 0 leaves with a non-empty root
    expect(verifyConsistency(1, 1, a, b, [])).toBe(false); // same size, different roots
    expect(verifyConsistency(1, 0, a, b, [])).toBe(false); // time travel
    expect(verifyConsistency(2, 1, a, b, [])).toBe(false);
    expect(verifyConsistency(1, 2, a, b, [])).toBe(false); // empty proof between different sizes
    expect(verifyConsistency(1, 1, a, a, [EMPTY_TREE_ROOT])).toBe(false); // equal trees need no proof
    expect(verifyConsistency(0, 1, EMPTY_TREE_ROOT, a, [EMPTY_TREE_ROOT])).toBe(false);
  });

  it('refuses inclusion in trees that cannot hold the leaf, and malformed hashes', () => {
    for (const [index, size] of [
      [0, 0],
      [1, 0],
      [2, 1],
      [1, 1],
    ] as const) {
      expect(verifyInclusion(index, size, SOME_HASH, [], EMPTY_TREE_ROOT)).toBe(false);
    }
    const single = hashLeaf(Buffer.from('data'));
    expect(verifyInclusion(0, 1, single, [], single)).toBe(true);
    expect(verifyInclusion(0, 1, Buffer.alloc(0), [], single)).toBe(false);
    expect(verifyInclusion(0, 1, single, [], Buffer.alloc(0))).toBe(false);
  });
});

describe('tlog-tiles paths', () => {
  it('encodes tile indices in 3-digit groups as the spec shows', () => {
    expect(tilePath({ level: 0, index: 1234067 })).toBe('tile/0/x001/x234/067');
    expect(tilePath({ level: 2, index: 0 }, 1)).toBe('tile/2/000.p/1');
    expect(tilePath({ level: 1, index: 1000 }, 255)).toBe('tile/1/x001/000.p/255');
    expect(() => tilePath({ level: 0, index: 5 }, 256)).toThrow();
  });
});
