import { createHash } from 'node:crypto';

/**
 * A 64-bit SimHash of a paragraph's word trigrams. Near-identical paragraphs (a template pasted
 * with a word changed) have fingerprints a few bits apart, so floods can be found with a bit count
 * in SQL, without decrypting or storing the paragraphs in clear.
 */
export function paragraphFingerprint(paragraph: string): bigint | null {
  const words = paragraph
    .toLowerCase()
    .normalize('NFKC')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .split(' ')
    .filter(Boolean);
  if (words.length === 0) return null;
  const shingles = words.length < 3 ? [words.join(' ')] : words.slice(0, -2).map((_, i) => words.slice(i, i + 3).join(' '));
  const weights = new Array<number>(64).fill(0);
  for (const shingle of shingles) {
    const hash = createHash('sha256').update(shingle).digest().readBigUInt64BE(0);
    for (let bit = 0; bit < 64; bit++) weights[bit]! += (hash >> BigInt(bit)) & 1n ? 1 : -1;
  }
  let fingerprint = 0n;
  for (let bit = 0; bit < 64; bit++) if (weights[bit]! > 0) fingerprint |= 1n << BigInt(bit);
  return BigInt.asIntN(64, fingerprint); // PostgreSQL's bigint is signed
}

/** Fingerprints this many bits apart or fewer count as the same paragraph. */
export const NEAR_IDENTICAL_BITS = 4;

export function hammingDistance(a: bigint, b: bigint): number {
  let x = BigInt.asUintN(64, a ^ b);
  let count = 0;
  while (x) {
    count += Number(x & 1n);
    x >>= 1n;
  }
  return count;
}
