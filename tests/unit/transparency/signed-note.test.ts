import { generateKeyPairSync } from 'node:crypto';
import {
  decodeVerifierKey,
  ed25519PrivateKeyFromSeed,
  ed25519PublicKeyFromRaw,
  encodeSignerKey,
  encodeVerifierKey,
  generateNoteKey,
  isValidKeyName,
  NoteError,
  openNote,
  parseSignerKey,
  parseVerifierKey,
  rawEd25519PublicKey,
  rawEd25519Seed,
  signNote,
  SIGNATURE_TYPE_ED25519,
} from '../../../src/modules/transparency';

/**
 * Interoperability with golang.org/x/mod/sumdb/note (the reference implementation of signed notes):
 * its keys, its exact signature output and its Open tests (note_test.go), plus the C2SP
 * signed-note example key and signature.
 */
const PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const PETER_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const ENOCH_VKEY = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';
const TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG = '— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const ENOCH_SIG = '— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';

const peter = parseVerifierKey(PETER_VKEY);
const enoch = parseVerifierKey(ENOCH_VKEY);

function codeOf(run: () => unknown): string {
  try {
    run();
    return 'accepted';
  } catch (error) {
    return error instanceof NoteError ? error.code : `other: ${String(error)}`;
  }
}

describe('signed-note keys', () => {
  it('reads Go’s verifier keys and refuses every truncation and every one-character change of them', () => {
    expect(peter).toMatchObject({ name: 'PeterNeumann', keyId: 0xc74f20a3, type: SIGNATURE_TYPE_ED25519 });
    const accepted: string[] = [];
    for (let i = 0; i <= PETER_VKEY.length; i += 1) {
      for (let j = i + 1; j <= PETER_VKEY.length; j += 1) {
        if (i === 0 && j === PETER_VKEY.length) continue;
        const part = PETER_VKEY.slice(i, j);
        if (codeOf(() => parseVerifierKey(part)) === 'accepted') accepted.push(part);
      }
    }
    for (let i = 0; i < PETER_VKEY.length; i += 1) {
      const changed = PETER_VKEY.slice(0, i) + String.fromCharCode(PETER_VKEY.charCodeAt(i) + 1) + PETER_VKEY.slice(i + 1);
      if (codeOf(() => parseVerifierKey(changed)) === 'accepted') accepted.push(changed);
    }
    expect(accepted).toEqual([]);
    expect(() => parseVerifierKey('PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==')).toThrow(); // wrong length, adjusted key ID
    expect(() => parseVerifierKey('PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW')).toThrow(); // unknown type, adjusted key ID
  });

  it('reads Go’s signer key and refuses its truncations and one-character changes', () => {
    expect(parseSignerKey(PETER_SKEY)).toMatchObject({ name: 'PeterNeumann', keyId: 0xc74f20a3 });
    const accepted: string[] = [];
    for (let i = 0; i <= PETER_SKEY.length; i += 1) {
      for (let j = i + 1; j <= PETER_SKEY.length; j += 1) {
        if (i === 0 && j === PETER_SKEY.length) continue;
        if (codeOf(() => parseSignerKey(PETER_SKEY.slice(i, j))) === 'accepted') accepted.push(PETER_SKEY.slice(i, j));
      }
    }
    for (let i = 0; i < PETER_SKEY.length; i += 1) {
      const changed = PETER_SKEY.slice(0, i) + String.fromCharCode(PETER_SKEY.charCodeAt(i) + 1) + PETER_SKEY.slice(i + 1);
      if (codeOf(() => parseSignerKey(changed)) === 'accepted') accepted.push(changed);
    }
    expect(accepted).toEqual([]);
  });

  it('reads the C2SP example key and verifies its example note', () => {
    const key = decodeVerifierKey('example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k');
    expect(key.publicKey.toString('hex')).toBe('e932791ae6e7a840a46164c904786426d5e7821dd8b29a00d61cae72afdd4da4');
    expect(key.keyId).toBe(0x530d903a);
    expect(encodeVerifierKey('example.com/foo', SIGNATURE_TYPE_ED25519, key.publicKey)).toBe(
      'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k',
    );
    const note =
      'This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n';
    expect(openNote(note, [parseVerifierKey('example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k')]).text).toBe(
      'This is an example message.\n',
    );
    expect(
      codeOf(() =>
        openNote(note.replace('example message', 'exemplary message'), [
          parseVerifierKey('example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k'),
        ]),
      ),
    ).toBe('invalid-signature');
  });

  it('generates key pairs that sign and verify, and converts raw keys to and from PKCS#8 and SPKI', () => {
    const { signerKey, verifierKey } = generateNoteKey('clarion.example/campaigns');
    const note = signNote('hello\n', [parseSignerKey(signerKey)]);
    expect(openNote(note, [parseVerifierKey(verifierKey)]).text).toBe('hello\n');

    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const seed = rawEd25519Seed(privateKey);
    const raw = rawEd25519PublicKey(publicKey);
    expect(seed).toHaveLength(32);
    expect(raw).toHaveLength(32);
    expect(ed25519PrivateKeyFromSeed(seed).export({ format: 'pem', type: 'pkcs8' })).toBe(privateKey.export({ format: 'pem', type: 'pkcs8' }));
    expect(ed25519PublicKeyFromRaw(raw).export({ format: 'pem', type: 'spki' })).toBe(publicKey.export({ format: 'pem', type: 'spki' }));
    const fromPem = encodeSignerKey('k', SIGNATURE_TYPE_ED25519, privateKey);
    expect(parseSignerKey(fromPem).keyId).toBe(parseVerifierKey(encodeVerifierKey('k', SIGNATURE_TYPE_ED25519, raw)).keyId);
    expect(() => generateNoteKey('has space')).toThrow();
  });

  it('accepts key names as Go does: non-empty, no Unicode space, no plus', () => {
    for (const good of ['a', 'example.com/log', 'kazakhstan.clarion.example/c/kazakhstan', 'Ünïcode/名前']) expect(isValidKeyName(good)).toBe(true);
    for (const bad of ['', 'a b', 'a+b', 'a\tb', 'a\u00a0b', 'a\u2003b', 'a\u0085b', 'a\nb', 'a\u0001b', '\ud800']) expect(isValidKeyName(bad)).toBe(false);
  });
});

describe('signed notes', () => {
  it('signs exactly as Go does (Ed25519 is deterministic), replacing an older signature by the same key', () => {
    const signer = parseSignerKey(PETER_SKEY);
    expect(signNote(TEXT, [signer])).toBe(`${TEXT}\n${PETER_SIG}`);
    const stale = { name: 'PeterNeumann', keyId: 0xc74f20a3, signature: Buffer.alloc(0), base64: 'x08go/ZJ' };
    expect(signNote(TEXT, [signer], [stale])).toBe(`${TEXT}\n${PETER_SIG}`);
    expect(codeOf(() => signNote('abc', [signer]))).toBe('malformed');
    expect(codeOf(() => signNote(TEXT, [], [{ name: 'PeterNeumann', keyId: 0xc74f20a3, signature: Buffer.alloc(0), base64: 'BADHASH=' }]))).toBe('malformed');
    expect(codeOf(() => signNote(TEXT, [{ ...signer, name: 'bad name' }]))).toBe('malformed');
  });

  it('opens as Go does: known keys verified, unknown ones kept aside, none known is an error', () => {
    const one = openNote(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`, [peter]);
    expect(one.text).toBe(TEXT);
    expect(one.verified.map((v) => v.signature.name)).toEqual(['PeterNeumann']);
    expect(one.unverified.map((s) => [s.name, s.keyId])).toEqual([['EnochRoot', 0xaf0cfe78]]);

    const both = openNote(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`, [peter, enoch]);
    expect(both.verified.map((v) => v.signature.name)).toEqual(['PeterNeumann', 'EnochRoot']);
    expect(both.unverified).toEqual([]);

    expect(codeOf(() => openNote(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`, []))).toBe('no-verified-signature');
    expect(codeOf(() => openNote(`${TEXT}\n${ENOCH_SIG}`, [enoch, peter, enoch]))).toBe('ambiguous-key');
    expect(codeOf(() => openNote(`${TEXT}\n${PETER_SIG}`, [enoch, peter, enoch]))).toBe('accepted');
  });

  it('rejects a known key’s bad signature, and more than 100 signatures', () => {
    const forged = `${PETER_SIG.slice(0, 60)}ABCD${PETER_SIG.slice(60)}`;
    expect(codeOf(() => openNote(`${TEXT}\n${forged}`, [peter]))).toBe('invalid-signature');
    expect(codeOf(() => openNote(`${TEXT}\n${PETER_SIG.repeat(101)}`, [peter]))).toBe('malformed');
    expect(codeOf(() => openNote(`${TEXT}\n${PETER_SIG.repeat(101)}`, []))).toBe('malformed');
  });

  it('drops repeated signatures, verified and unverified, as Go does', () => {
    const enochAbcd = `${ENOCH_SIG.slice(0, 60)}ABCD${ENOCH_SIG.slice(60)}`;
    const opened = openNote(`${TEXT}\n${PETER_SIG}${PETER_SIG}${ENOCH_SIG}${ENOCH_SIG}${enochAbcd}`, [peter]);
    expect(opened.verified).toHaveLength(1);
    expect(opened.unverified.map((s) => s.base64)).toEqual([ENOCH_SIG.slice(12, -1), enochAbcd.slice(12, -1)]);
  });

  it.each([
    ['text alone', TEXT],
    ['no signature after the blank line', `${TEXT}\n`],
    ['no final newline', `${TEXT}\n${PETER_SIG.slice(0, -1)}`],
    ['a control character', `\u0001${TEXT}\n${PETER_SIG}`],
    ['a carriage return', `${TEXT.replace('\n', '\r\n')}\n${PETER_SIG}`],
    ['a name with a space', `${TEXT}\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`],
    ['a line that is not a signature', `${TEXT}\n${PETER_SIG}Unexpected line.\n`],
    ['a hyphen for the em dash', `${TEXT}\n${PETER_SIG.replace('—', '-')}`],
    ['base64 without padding', `${TEXT}\n${PETER_SIG.replace('=\n', '\n')}`],
    ['base64 with a space inside', `${TEXT}\n${PETER_SIG.replace('x08go', 'x08 go')}`],
    ['a signature shorter than 5 bytes', `${TEXT}\n— PeterNeumann AAAA\n`],
  ])('refuses a malformed note: %s', (_, message) => {
    expect(codeOf(() => openNote(message, [peter]))).toBe('malformed');
  });

  it('refuses bytes that are not UTF-8', () => {
    expect(codeOf(() => openNote(Buffer.concat([Buffer.from([0xff]), Buffer.from(`${TEXT}\n${PETER_SIG}`)]), [peter]))).toBe('malformed');
    expect(codeOf(() => openNote(Buffer.from(`${TEXT}\n${PETER_SIG}`), [peter]))).toBe('accepted');
  });
});
