import { createCipheriv, createDecipheriv, createHmac, createSecretKey, hkdfSync, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';

/**
 * Personal data at rest and the keyed hashes that let us find it without storing it in clear.
 *
 * Envelopes are `v1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url), so a row names the key that
 * sealed it and keys can be rotated without a flag day (README "Rotating keys").
 */
export interface EncryptionKey {
  id: string;
  key: Buffer;
}

const ENVELOPE_VERSION = 'v1';
const AUTH_TAG_BYTES = 16;

export class DataCipher {
  /** Key objects made once: a raw key Buffer would be imported again by every Decipheriv. */
  private readonly byId: Map<string, KeyObject>;
  private readonly current: EncryptionKey;
  /** The purposes' bytes, made once each: an export opens millions of envelopes with a handful of purposes. */
  private readonly aad = new Map<string, Buffer>();

  constructor(keys: EncryptionKey[]) {
    if (keys.length === 0) throw new Error('at least one encryption key is required');
    this.current = keys[0]!;
    this.byId = new Map(keys.map((k) => [k.id, createSecretKey(k.key)]));
  }

  get currentKeyId(): string {
    return this.current.id;
  }

  /** The associated data binds an envelope to its purpose, so a sealed name cannot pass as an email. */
  seal(plaintext: string, purpose: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
    cipher.setAAD(Buffer.from(purpose));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [ENVELOPE_VERSION, this.current.id, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join('.');
  }

  open(envelope: string, purpose: string): string {
    const [version, keyId, iv, tag, ciphertext] = envelope.split('.');
    if (version !== ENVELOPE_VERSION || !keyId || iv === undefined || tag === undefined || ciphertext === undefined) {
      throw new Error('malformed envelope');
    }
    const key = this.byId.get(keyId);
    if (!key) throw new Error(`envelope sealed with unknown key "${keyId}"`);
    // GCM also verifies a *prefix* of the right tag; a truncated tag would be forged in 2^32 tries.
    const authTag = Buffer.from(tag, 'base64url');
    if (authTag.length !== AUTH_TAG_BYTES) throw new Error('malformed envelope');
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: AUTH_TAG_BYTES });
    decipher.setAAD(this.aadOf(purpose));
    decipher.setAuthTag(authTag);
    // GCM is a stream mode: update() returns every plaintext byte and final() adds none, but only
    // final() checks the tag, so it must run (and throw on a forgery) before anything is returned.
    const plaintext = decipher.update(Buffer.from(ciphertext, 'base64url'));
    decipher.final();
    return plaintext.toString('utf8');
  }

  private aadOf(purpose: string): Buffer {
    let bytes = this.aad.get(purpose);
    if (!bytes) {
      bytes = Buffer.from(purpose);
      this.aad.set(purpose, bytes);
    }
    return bytes;
  }

  /** Whether an envelope's key is one this process holds (it can be opened). */
  canOpen(envelope: string): boolean {
    const keyId = this.keyIdOf(envelope);
    return keyId !== undefined && this.byId.has(keyId);
  }

  keyIdOf(envelope: string): string | undefined {
    return envelope.split('.')[1];
  }
}

/** Independent subkeys of SECRET_KEY, so a leak of one use (say, IP hashes) says nothing of another. */
export function deriveKey(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(secret), Buffer.alloc(0), `clarion:${purpose}`, 32));
}

export function keyedHash(key: Buffer, value: string): Buffer {
  return createHmac('sha256', key).update(value).digest();
}

/**
 * Signed, expiring tokens: `<payload>.<exp>.<mac>`. The payload is an opaque id, never personal
 * data, because links end up in mail logs and browser histories.
 */
export class TokenSigner {
  constructor(private readonly key: Buffer) {}

  sign(purpose: string, payload: string, expiresAt: Date): string {
    const exp = Math.floor(expiresAt.getTime() / 1000).toString(36);
    return `${payload}.${exp}.${this.mac(purpose, payload, exp)}`;
  }

  /** Returns the payload, or why the token is refused. */
  verify(purpose: string, token: string, now = new Date()): { ok: true; payload: string } | { ok: false; reason: 'invalid' | 'expired' } {
    const parts = token.split('.');
    if (parts.length !== 3) return { ok: false, reason: 'invalid' };
    const [payload, exp, mac] = parts as [string, string, string];
    const expected = Buffer.from(this.mac(purpose, payload, exp));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'invalid' };
    const expiresAtMs = parseInt(exp, 36) * 1000;
    if (!Number.isFinite(expiresAtMs)) return { ok: false, reason: 'invalid' };
    if (expiresAtMs < now.getTime()) return { ok: false, reason: 'expired' };
    return { ok: true, payload };
  }

  private mac(purpose: string, payload: string, exp: string): string {
    return createHmac('sha256', this.key).update(`${purpose}\n${payload}\n${exp}`).digest('base64url').slice(0, 32);
  }
}
