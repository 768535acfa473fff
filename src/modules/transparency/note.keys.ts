import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';

/**
 * C2SP signed-note keys (c2sp.org/signed-note), in the text forms golang.org/x/mod/sumdb/note
 * uses, so Go tools can read Clarion's keys and the other way round:
 *
 *   verifier key  <name>+<hex key ID>+<base64(type || public key)>
 *   signer key    PRIVATE+KEY+<name>+<hex key ID>+<base64(type || Ed25519 seed)>
 *
 * with key ID = SHA-256(name || "\n" || type || public key)[:4], big-endian. Ed25519 keys are
 * node:crypto KeyObjects; the raw 32-byte forms are their fixed-prefix PKCS#8 / SPKI DER encodings.
 */
export const SIGNATURE_TYPE_ED25519 = 0x01;
/** Timestamped Ed25519 witness cosignatures (c2sp.org/tlog-cosignature). */
export const SIGNATURE_TYPE_COSIGNATURE_V1 = 0x04;

export const ED25519_KEY_BYTES = 32;
export const ED25519_SIGNATURE_BYTES = 64;

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** Unicode spaces as Go's unicode.IsSpace sees them (JavaScript's \s also takes U+FEFF and misses U+0085). */
const SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/u;
const CONTROL = /[\u0000-\u001f]/u;

export class KeyFormatError extends Error {}

/**
 * A key name (and a checkpoint origin): non-empty, well-formed UTF-8, no Unicode space, no "+".
 * Control characters are refused too: a note may not contain them, so such a name could never sign.
 */
export function isValidKeyName(name: string): boolean {
  return name.length > 0 && Buffer.from(name, 'utf8').toString('utf8') === name && !SPACE.test(name) && !CONTROL.test(name) && !name.includes('+');
}

export function keyId(name: string, type: number, publicKey: Buffer): number {
  return createHash('sha256')
    .update(name, 'utf8')
    .update('\n')
    .update(Buffer.from([type]))
    .update(publicKey)
    .digest()
    .readUInt32BE(0);
}

export function hex8(id: number): string {
  return id.toString(16).padStart(8, '0');
}

/** Standard base64 with padding, refusing anything Buffer.from would silently skip or round. */
export function decodeBase64Strict(text: string): Buffer | null {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : null;
}

export interface DecodedVerifierKey {
  readonly name: string;
  readonly keyId: number;
  readonly type: number;
  readonly publicKey: Buffer;
}

/** Parses `<name>+<hex key ID>+<base64(type || key)>` and checks the key ID; the type is the caller's to judge. */
export function decodeVerifierKey(vkey: string): DecodedVerifierKey {
  const first = vkey.indexOf('+');
  const second = first < 0 ? -1 : vkey.indexOf('+', first + 1);
  if (second < 0) throw new KeyFormatError('a verifier key is <name>+<key ID>+<key>');
  const name = vkey.slice(0, first);
  const id = vkey.slice(first + 1, second);
  const key = decodeBase64Strict(vkey.slice(second + 1));
  if (!isValidKeyName(name)) throw new KeyFormatError('the key name is not valid');
  if (!/^[0-9a-fA-F]{8}$/.test(id)) throw new KeyFormatError('the key ID is not 8 hex digits');
  if (!key || key.length < 2) throw new KeyFormatError('the key is not base64 of a type byte and a key');
  const type = key[0]!;
  const publicKey = key.subarray(1);
  if (keyId(name, type, publicKey) !== Number.parseInt(id, 16)) throw new KeyFormatError('the key ID does not match the name and key');
  return { name, keyId: Number.parseInt(id, 16), type, publicKey };
}

export function encodeVerifierKey(name: string, type: number, publicKey: Buffer): string {
  if (!isValidKeyName(name)) throw new KeyFormatError('the key name is not valid');
  const key = Buffer.concat([Buffer.from([type]), publicKey]);
  return `${name}+${hex8(keyId(name, type, publicKey))}+${key.toString('base64')}`;
}

export interface DecodedSignerKey {
  readonly name: string;
  readonly type: number;
  readonly privateKey: KeyObject;
  readonly publicKey: Buffer;
}

/** Parses `PRIVATE+KEY+<name>+<hex key ID>+<base64(type || seed)>`; the key ID must match the derived public key. */
export function decodeSignerKey(skey: string): DecodedSignerKey {
  const prefix = 'PRIVATE+KEY+';
  if (!skey.startsWith(prefix)) throw new KeyFormatError('a signer key starts with PRIVATE+KEY+');
  const { name, keyId: id, type, publicKey: seed } = decodeSignerParts(skey.slice(prefix.length));
  if (seed.length !== ED25519_KEY_BYTES || (type !== SIGNATURE_TYPE_ED25519 && type !== SIGNATURE_TYPE_COSIGNATURE_V1))
    throw new KeyFormatError('only Ed25519 signer keys are supported');
  const privateKey = ed25519PrivateKeyFromSeed(seed);
  const publicKey = rawEd25519PublicKey(createPublicKey(privateKey));
  if (keyId(name, type, publicKey) !== id) throw new KeyFormatError('the key ID does not match the key');
  return { name, type, privateKey, publicKey };
}

/** Like decodeVerifierKey, but the key ID is checked by the caller (it hashes the public key, not the seed). */
function decodeSignerParts(rest: string): { name: string; keyId: number; type: number; publicKey: Buffer } {
  const parts = /^([^+]+)\+([0-9a-fA-F]{8})\+(.+)$/s.exec(rest);
  const key = parts ? decodeBase64Strict(parts[3]!) : null;
  if (!parts || !isValidKeyName(parts[1]!) || !key || key.length < 2) throw new KeyFormatError('malformed signer key');
  return { name: parts[1]!, keyId: Number.parseInt(parts[2]!, 16), type: key[0]!, publicKey: key.subarray(1) };
}

export function encodeSignerKey(name: string, type: number, privateKey: KeyObject): string {
  const publicKey = rawEd25519PublicKey(createPublicKey(privateKey));
  const seed = rawEd25519Seed(privateKey);
  return `PRIVATE+KEY+${name}+${hex8(keyId(name, type, publicKey))}+${Buffer.concat([Buffer.from([type]), seed]).toString('base64')}`;
}

/** A fresh Ed25519 key pair as signer and verifier key strings (type 0x01 for a log, 0x04 for a witness). */
export function generateNoteKey(name: string, type: number = SIGNATURE_TYPE_ED25519): { signerKey: string; verifierKey: string } {
  if (!isValidKeyName(name)) throw new KeyFormatError('the key name is not valid');
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { signerKey: encodeSignerKey(name, type, privateKey), verifierKey: encodeVerifierKey(name, type, rawEd25519PublicKey(publicKey)) };
}

export function ed25519PrivateKeyFromSeed(seed: Buffer): KeyObject {
  if (seed.length !== ED25519_KEY_BYTES) throw new KeyFormatError('an Ed25519 seed is 32 bytes');
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

export function ed25519PublicKeyFromRaw(raw: Buffer): KeyObject {
  if (raw.length !== ED25519_KEY_BYTES) throw new KeyFormatError('an Ed25519 public key is 32 bytes');
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, raw]), format: 'der', type: 'spki' });
}

export function rawEd25519Seed(privateKey: KeyObject): Buffer {
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new KeyFormatError('not an Ed25519 private key');
  return privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_ED25519_PREFIX.length);
}

export function rawEd25519PublicKey(publicKey: KeyObject): Buffer {
  if (publicKey.asymmetricKeyType !== 'ed25519') throw new KeyFormatError('not an Ed25519 public key');
  return publicKey.export({ format: 'der', type: 'spki' }).subarray(SPKI_ED25519_PREFIX.length);
}
