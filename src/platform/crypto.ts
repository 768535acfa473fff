import { AppError } from './errors';
import { createCipheriv, createDecipheriv, createHmac, createSecretKey, hkdfSync, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';

/**
 * Personal data at rest and the keyed hashes that let us find it without storing it in clear.
 *
 * Envelopes are `v2.<keyId>.<iv>.<tag>.<ciphertext>` (base64url), so a row names the key that
 * sealed it and keys can be rotated without a flag day (README "Rotating keys"). A v2 envelope's
 * associated data names the table, the column and the row id it was sealed for: copied into
 * another row, or another column of the same row, it no longer opens. `v1` envelopes (bound to a
 * purpose only) still open during the transition; the migrate command re-seals them
 * (`reSealAll`), and `keys:rotate` counts any that are left.
 */
export interface EncryptionKey {
  id: string;
  key: Buffer;
}

/** A sealed column: where its envelopes live, and the purpose its v1 envelopes were bound to. */
export interface SealedColumnRef {
  readonly table: string;
  readonly column: string;
  readonly purpose: string;
}

export const ENVELOPE_VERSION = 'v2';
const LEGACY_VERSION = 'v1';
const AUTH_TAG_BYTES = 16;

/**
 * An envelope that does not open here: malformed, under a key this process lacks, or sealed for
 * another row or column (copied or tampered with). Its message names the column, never a value.
 */
export class EnvelopeRefused extends AppError {
  constructor(
    readonly sealedColumn: string,
    readonly reason: 'malformed' | 'unknown_key' | 'not_this_row',
  ) {
    // The client gets the generic detail; the column and reason are for the log only.
    super('sealed_data_refused', { key: 'problems.detail.sealedDataRefused' });
    this.name = 'EnvelopeRefused';
    this.message = `a sealed value of ${sealedColumn} does not open for its row (${reason.replace(/_/g, ' ')})`;
  }
}

export class DataCipher {
  /** Key objects made once: a raw key Buffer would be imported again by every Decipheriv. */
  private readonly byId: Map<string, KeyObject>;
  private readonly current: EncryptionKey;
  private readonly currentKey: KeyObject;
  /** The legacy purposes' bytes, made once each. */
  private readonly legacyAad = new Map<string, Buffer>();

  constructor(keys: EncryptionKey[]) {
    if (keys.length === 0) throw new Error('at least one encryption key is required');
    this.current = keys[0]!;
    this.byId = new Map(keys.map((k) => [k.id, createSecretKey(k.key)]));
    this.currentKey = this.byId.get(this.current.id)!;
  }

  get currentKeyId(): string {
    return this.current.id;
  }

  /** Seals a value for one column of one row (its id, as PostgreSQL prints a uuid). */
  seal(plaintext: string, sealed: SealedColumnRef, rowId: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.currentKey, iv);
    cipher.setAAD(rowAad(sealed, rowId));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [ENVELOPE_VERSION, this.current.id, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join('.');
  }

  open(envelope: string, sealed: SealedColumnRef, rowId: string): string {
    const [version, keyId, iv, tag, ciphertext, extra] = envelope.split('.');
    const where = `${sealed.table}.${sealed.column}`;
    if (
      (version !== ENVELOPE_VERSION && version !== LEGACY_VERSION) ||
      !keyId ||
      iv === undefined ||
      tag === undefined ||
      ciphertext === undefined ||
      extra !== undefined
    ) {
      throw new EnvelopeRefused(where, 'malformed');
    }
    const key = this.byId.get(keyId);
    if (!key) throw new EnvelopeRefused(where, 'unknown_key');
    // GCM also verifies a *prefix* of the right tag; a truncated tag would be forged in 2^32 tries.
    const authTag = Buffer.from(tag, 'base64url');
    if (authTag.length !== AUTH_TAG_BYTES) throw new EnvelopeRefused(where, 'malformed');
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: AUTH_TAG_BYTES });
    decipher.setAAD(version === ENVELOPE_VERSION ? rowAad(sealed, rowId) : this.legacyAadOf(sealed.purpose));
    decipher.setAuthTag(authTag);
    // GCM is a stream mode: update() returns every plaintext byte and final() adds none, but only
    // final() checks the tag, so it must run (and throw on a forgery) before anything is returned.
    const plaintext = decipher.update(Buffer.from(ciphertext, 'base64url'));
    try {
      decipher.final();
    } catch {
      throw new EnvelopeRefused(where, 'not_this_row');
    }
    return plaintext.toString('utf8');
  }

  private legacyAadOf(purpose: string): Buffer {
    let bytes = this.legacyAad.get(purpose);
    if (!bytes) {
      bytes = Buffer.from(purpose);
      this.legacyAad.set(purpose, bytes);
    }
    return bytes;
  }

  /** Whether an envelope's key is one this process holds (it can be opened). */
  canOpen(envelope: string): boolean {
    const keyId = this.keyIdOf(envelope);
    return keyId !== undefined && this.byId.has(keyId);
  }

  /** Whether an envelope is in the current format under the current key (rotation leaves it alone). */
  isCurrent(envelope: string): boolean {
    return envelope.startsWith(`${ENVELOPE_VERSION}.${this.current.id}.`);
  }

  keyIdOf(envelope: string): string | undefined {
    return envelope.split('.')[1];
  }
}

/**
 * `<table>.<column>` NUL `<row id>`: one short string per envelope, so an export that opens a
 * million rows pays one small Buffer each and nothing else. The NUL keeps (table, column, id)
 * unambiguous (none of them can hold one).
 */
function rowAad(sealed: SealedColumnRef, rowId: string): Buffer {
  return Buffer.from(`${sealed.table}.${sealed.column}\u0000${rowId}`, 'latin1');
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
