import { randomBytes } from 'node:crypto';
import { createCipheriv } from 'node:crypto';
import { DataCipher, deriveKey, EnvelopeRefused, TokenSigner, type EncryptionKey, type SealedColumnRef } from '../../../src/platform/crypto';
import { networkOf } from '../../../src/platform/network-hash';

const key = (id: string): EncryptionKey => ({ id, key: randomBytes(32) });
/** A column whose name is its purpose: enough to tell columns apart here. */
const col = (purpose: string): SealedColumnRef => ({ table: 'supporters', column: purpose.replace('.', '_'), purpose });
const ROW = '6f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f';
const OTHER_ROW = '6f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e60';

/** An envelope in the old format (v1: bound to the purpose only), as the code before row binding sealed it. */
function legacySeal(k: EncryptionKey, plaintext: string, purpose: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', k.key, iv);
  cipher.setAAD(Buffer.from(purpose));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', k.id, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join('.');
}

/** Flips one bit of the part of the envelope at `index` (1 = key id ... 4 = ciphertext), keeping it valid base64url. */
function tamper(envelope: string, index: number, byte = 0): string {
  const parts = envelope.split('.');
  const bytes = Buffer.from(parts[index]!, 'base64url');
  bytes[byte] = bytes[byte]! ^ 0x01;
  parts[index] = bytes.toString('base64url');
  return parts.join('.');
}

describe('DataCipher', () => {
  const cipher = new DataCipher([key('k1')]);

  it.each(['aigerim@example.org', 'Айгерим Нурланова', '', 'x'.repeat(5000), 'emoji 🕊️ and NUL \u0000'])('gives back what it sealed: %j', (plaintext) => {
    expect(cipher.open(cipher.seal(plaintext, col('supporter.name'), ROW), col('supporter.name'), ROW)).toBe(plaintext);
  });

  it('seals the same value differently every time and never in clear', () => {
    const first = cipher.seal('aigerim@example.org', col('supporter.email'), ROW);
    const second = cipher.seal('aigerim@example.org', col('supporter.email'), ROW);
    expect(first).not.toBe(second);
    expect(first).toMatch(/^v2\.k1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(first).not.toContain('aigerim');
  });

  it.each([
    ['the ciphertext', 4],
    ['the authentication tag', 3],
    ['the IV', 2],
  ])('refuses an envelope with one flipped bit in %s', (_part, index) => {
    const envelope = cipher.seal('Aigerim Nurlanova', col('supporter.name'), ROW);
    expect(() => cipher.open(tamper(envelope, index), col('supporter.name'), ROW)).toThrow();
  });

  it('refuses an envelope whose authentication tag was truncated', () => {
    // GCM would verify a prefix of the right tag; a 4-byte tag is forged in about 2^32 tries.
    const parts = cipher.seal('Aigerim Nurlanova', col('supporter.name'), ROW).split('.');
    for (const length of [4, 8, 12]) {
      const truncated = [...parts];
      truncated[3] = Buffer.from(parts[3]!, 'base64url').subarray(0, length).toString('base64url');
      expect(() => cipher.open(truncated.join('.'), col('supporter.name'), ROW)).toThrow();
    }
  });

  it('refuses to open an envelope for another purpose than it was sealed for', () => {
    const sealedName = cipher.seal('Aigerim', col('supporter.name'), ROW);
    expect(() => cipher.open(sealedName, col('supporter.email'), ROW)).toThrow();
  });

  it('refuses an envelope copied into another row of the same column', () => {
    const sealed = cipher.seal('aigerim@example.org', col('supporter.email'), ROW);
    expect(() => cipher.open(sealed, col('supporter.email'), OTHER_ROW)).toThrow(EnvelopeRefused);
    expect(() => cipher.open(sealed, col('supporter.email'), OTHER_ROW)).toThrow(/supporters\.supporter_email does not open for its row/);
  });

  it('refuses an envelope copied into the same purpose of another table', () => {
    const sealed = cipher.seal('Aigerim', col('supporter.name'), ROW);
    expect(() => cipher.open(sealed, { ...col('supporter.name'), table: 'signing_attempts' }, ROW)).toThrow(EnvelopeRefused);
  });

  it('says nothing of the value in its refusal, and answers a 409 problem code, not a 500', () => {
    const sealed = cipher.seal('aigerim@example.org', col('supporter.email'), ROW);
    let refusal: unknown;
    try {
      cipher.open(sealed, col('supporter.email'), OTHER_ROW);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(EnvelopeRefused);
    expect(String((refusal as Error).message) + JSON.stringify(refusal)).not.toContain('aigerim');
    expect((refusal as EnvelopeRefused).code).toBe('sealed_data_refused');
  });

  it('still opens an old-format (v1) envelope by its purpose during the transition, in any row', () => {
    const k = key('k1');
    const legacy = legacySeal(k, 'Almaty', 'signature.city');
    const withKey = new DataCipher([k]);
    expect(withKey.open(legacy, col('signature.city'), ROW)).toBe('Almaty');
    expect(withKey.isCurrent(legacy)).toBe(false);
    expect(withKey.isCurrent(withKey.seal('Almaty', col('signature.city'), ROW))).toBe(true);
    expect(() => withKey.open(legacy, col('signature.comment'), ROW)).toThrow(EnvelopeRefused);
  });

  it('opens envelopes sealed with an older key listed after the current one, and seals with the first key', () => {
    const oldKey = key('old');
    const newKey = key('new');
    const sealedBefore = new DataCipher([oldKey]).seal('Almaty', col('signature.city'), ROW);
    const rotated = new DataCipher([newKey, oldKey]);
    expect(rotated.open(sealedBefore, col('signature.city'), ROW)).toBe('Almaty');
    expect(rotated.currentKeyId).toBe('new');
    const sealedAfter = rotated.seal('Almaty', col('signature.city'), ROW);
    expect(rotated.keyIdOf(sealedAfter)).toBe('new');
    expect(sealedAfter.startsWith('v2.new.')).toBe(true);
    // An envelope under the new key is beyond a process that only has the old one.
    expect(() => new DataCipher([oldKey]).open(sealedAfter, col('signature.city'), ROW)).toThrow(/unknown key/);
  });

  it('refuses an envelope naming a key it does not have', () => {
    const envelope = new DataCipher([key('gone')]).seal('x', col('supporter.name'), ROW);
    expect(() => cipher.open(envelope, col('supporter.name'), ROW)).toThrow(/unknown key/);
  });

  it('refuses an envelope sealed under the same key id with different key material', () => {
    const envelope = new DataCipher([key('k1')]).seal('x', col('supporter.name'), ROW);
    expect(() => cipher.open(envelope, col('supporter.name'), ROW)).toThrow();
  });

  it.each(['', 'plain text', 'v1.k1', 'v2.k1.a.b.c', 'v1..a.b.c', 'v1.k1.AAAA.AAAA'])('refuses the malformed envelope %j', (envelope) => {
    expect(() => cipher.open(envelope, col('supporter.name'), ROW)).toThrow();
  });

  it('cannot be built without a key', () => {
    expect(() => new DataCipher([])).toThrow();
  });
});

describe('TokenSigner', () => {
  const signer = new TokenSigner(deriveKey('a-secret-that-is-at-least-32-characters-long', 'tokens'));
  const inAnHour = () => new Date(Date.now() + 3600_000);
  const payload = '0b8f7c7e-3a1e-4c55-9d51-8f3f3a2b1c0d';

  it('verifies a token it signed and gives back the payload', () => {
    expect(signer.verify('confirm-signature', signer.sign('confirm-signature', payload, inAnHour()))).toEqual({ ok: true, payload });
  });

  it('calls a token expired once its time has passed, and only then', () => {
    const token = signer.sign('confirm-signature', payload, new Date('2030-01-01T00:00:00Z'));
    expect(signer.verify('confirm-signature', token, new Date('2029-12-31T23:59:00Z'))).toEqual({ ok: true, payload });
    expect(signer.verify('confirm-signature', token, new Date('2030-01-01T00:00:01Z'))).toEqual({ ok: false, reason: 'expired' });
  });

  it('calls an expired token invalid, not expired, when its signature is wrong', () => {
    const token = signer.sign('confirm-signature', payload, new Date(Date.now() - 1000));
    const [p, exp, mac] = token.split('.') as [string, string, string];
    const forged = `${p}.${exp}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`;
    expect(signer.verify('confirm-signature', forged)).toEqual({ ok: false, reason: 'invalid' });
  });

  it.each([
    ['another payload', (t: string[]) => [t[0]!.replace(/^0/, '1'), t[1], t[2]]],
    ['a later expiry', (t: string[]) => [t[0], (parseInt(t[1]!, 36) + 86_400).toString(36), t[2]]],
    ['a changed signature', (t: string[]) => [t[0], t[1], `${t[2]!.slice(0, -1)}${t[2]!.endsWith('A') ? 'B' : 'A'}`]],
    ['a truncated signature', (t: string[]) => [t[0], t[1], t[2]!.slice(0, 8)]],
    ['an extra part', (t: string[]) => [...t, 'x']],
    ['a missing part', (t: string[]) => [t[0], t[1]]],
  ])('refuses a token with %s', (_what, change) => {
    const token = signer.sign('confirm-signature', payload, inAnHour());
    const tampered = change(token.split('.')).join('.');
    expect(signer.verify('confirm-signature', tampered)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('refuses a token signed for another purpose', () => {
    const token = signer.sign('form-started', payload, inAnHour());
    expect(signer.verify('confirm-signature', token)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('refuses a token signed with another key', () => {
    const other = new TokenSigner(deriveKey('another-secret-that-is-at-least-32-characters', 'tokens'));
    expect(signer.verify('confirm-signature', other.sign('confirm-signature', payload, inAnHour()))).toEqual({ ok: false, reason: 'invalid' });
  });

  it.each(['', '...', 'garbage', 'a.b.c', '\u0000.\u0000.\u0000'])('refuses the garbage token %j', (token) => {
    expect(signer.verify('confirm-signature', token)).toEqual({ ok: false, reason: 'invalid' });
  });
});

describe('deriveKey', () => {
  it('derives independent 32-byte keys per purpose, the same every time', () => {
    const secret = 'a-secret-that-is-at-least-32-characters-long';
    expect(deriveKey(secret, 'tokens')).toHaveLength(32);
    expect(deriveKey(secret, 'tokens').equals(deriveKey(secret, 'tokens'))).toBe(true);
    expect(deriveKey(secret, 'tokens').equals(deriveKey(secret, 'ip-hash'))).toBe(false);
  });
});

describe('networkOf', () => {
  it.each([
    ['192.0.2.1', '192.0.2.1'],
    ['127.0.0.1', '127.0.0.1'],
    ['::ffff:192.0.2.1', '192.0.2.1'],
    ['::FFFF:192.0.2.1', '192.0.2.1'],
    ['::ffff:c000:201', '192.0.2.1'],
    ['0:0:0:0:0:ffff:192.0.2.1', '192.0.2.1'],
    ['2001:db8:1234:5678:9abc:def0:1:2', '2001:0db8:1234:5678::/64'],
    ['2001:db8:1234:5678::1', '2001:0db8:1234:5678::/64'],
    ['2001:DB8:1234:5678::ABCD', '2001:0db8:1234:5678::/64'],
    ['2001:db8::1', '2001:0db8:0000:0000::/64'],
    ['::1', '0000:0000:0000:0000::/64'],
    ['fe80::1%eth0', 'fe80:0000:0000:0000::/64'],
    ['64:ff9b::192.0.2.1', '0064:ff9b:0000:0000::/64'],
  ])('reduces %s to %s', (ip, network) => {
    expect(networkOf(ip)).toBe(network);
  });

  it('puts two addresses of one IPv6 /64 in one network and the next /64 in another', () => {
    expect(networkOf('2001:db8:1:2::a')).toBe(networkOf('2001:db8:1:2:ffff:ffff:ffff:ffff'));
    expect(networkOf('2001:db8:1:2::a')).not.toBe(networkOf('2001:db8:1:3::a'));
  });

  it.each(['', 'garbage', '256.1.1.1', '1.2.3', '1.2.3.4.5', '2001:db8::1::2', '12345::1', 'localhost', '::ffff:999.1.1.1'])('answers null for %j', (ip) => {
    expect(networkOf(ip)).toBeNull();
  });
});
