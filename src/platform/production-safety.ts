/**
 * What production refuses to start with. Outside production these rules are not applied: tests and
 * development use fixed, readable secrets on purpose. Messages name the rule, never the value.
 */

/**
 * Values that were ever published: `.env.example`'s placeholders, the old docker-compose fallbacks
 * and the documentation's examples. Anyone can read them, so a service using one has no secret.
 */
const PUBLISHED_VALUES = new Set([
  'change-me-to-32-or-more-random-characters',
  'REPLACE_WITH_32_RANDOM_BYTES_BASE64',
  'local-docker-secret-change-me-0123456789abcdef',
  'bG9jYWwtZG9ja2VyLWtleS1jaGFuZ2UtbWUtMzJieXQ=',
]);

/** Words that mark a value someone meant to replace. */
const PLACEHOLDER_WORDS = /change[-_ ]?me|replace|example|placeholder|secret[-_]?key|password|your[-_]|xxxx|todo|dummy|test[-_]?secret/i;

/**
 * Random secrets of the documented size (32 bytes, base64url) score at least ~180; a 32-character
 * hex token (128 random bits) scores ~115 on average and never below 92 in 300,000 samples, so
 * the bar sits at 80: it refuses short words and repetitive values, never a generated token.
 */
const MIN_ESTIMATED_BITS = 80;

/**
 * Estimated entropy of a text secret: its length times the Shannon entropy of its characters.
 * Generous to random strings and hard on repetition ("aaaa…", "abcabc…", a word said twice); it is
 * an estimate that catches the mistakes people make, not a proof of randomness.
 */
export function estimatedBits(value: string): number {
  const counts = new Map<string, number>();
  for (const char of value) counts.set(char, (counts.get(char) ?? 0) + 1);
  const length = [...value].length;
  let perChar = 0;
  for (const count of counts.values()) {
    const p = count / length;
    perChar -= p * Math.log2(p);
  }
  return perChar * length;
}

/** "abcabcabc…", "0123456789" four times: a short unit repeated. */
function isRepetition(value: string): boolean {
  for (let period = 1; period <= value.length / 2; period++) {
    let repeats = true;
    for (let i = period; i < value.length && repeats; i++) repeats = value[i] === value[i - period];
    if (repeats) return true;
  }
  return false;
}

/** "abcdefgh…", "987654…": most neighbours one code point apart. */
function isMostlySequence(value: string): boolean {
  let steps = 0;
  for (let i = 1; i < value.length; i++) if (Math.abs(value.charCodeAt(i) - value.charCodeAt(i - 1)) === 1) steps++;
  return steps > value.length / 2;
}

/** Why a text secret is not fit for production, or undefined when it is. */
export function weakSecretReason(value: string): string | undefined {
  if (PUBLISHED_VALUES.has(value)) return 'is a published placeholder (.env.example or docker-compose.yml); generate a fresh value';
  if (PLACEHOLDER_WORDS.test(value)) return 'looks like a placeholder; generate a fresh random value';
  if (estimatedBits(value) < MIN_ESTIMATED_BITS || isRepetition(value) || isMostlySequence(value))
    return 'has too little entropy (repeated or predictable characters); generate a fresh random value';
  return undefined;
}

/**
 * Why a 32-byte encryption key is not fit for production. A random key has ~27 distinct byte values
 * out of 32; fewer than 16 means a pattern (all zeros, a repeated byte, ASCII text).
 */
export function weakKeyReason(material: string, key: Buffer): string | undefined {
  if (PUBLISHED_VALUES.has(material)) return 'is a published placeholder (docker-compose.yml); generate a fresh key';
  if (new Set(key).size < 16) return 'has too little entropy (repeated bytes); generate a fresh key';
  if ([...key].every((byte) => byte >= 0x20 && byte < 0x7f)) return 'is printable text, not random bytes; generate a fresh key';
  return undefined;
}

/**
 * `trust proxy` = true believes every X-Forwarded-For hop, so any client picks its own source address
 * and walks past every per-network limit. Name the hops or subnets of your proxies instead.
 */
export const TRUST_EVERY_HOP_EXPLANATION =
  'true trusts every hop: any client could then choose its own source address ' +
  'and bypass the per-network limits. Name your proxies instead: "loopback", a number of hops (e.g. 1), or subnets';

export function trustsEveryHop(value: string): boolean {
  return ['true', 'yes', 'all', '*'].includes(value.trim().toLowerCase());
}
