import { decodeBase64Strict, isValidKeyName } from './note.keys';
import type { NoteSigner, NoteVerifier } from './note.verifiers';

/**
 * C2SP signed notes (c2sp.org/signed-note), read as golang.org/x/mod/sumdb/note's Open reads them:
 *
 *   <text, ending in a newline>
 *   <blank line>
 *   — <key name> <base64(4-byte key ID || signature)>     (one line per signature)
 *
 * Unknown keys are ignored (the spec requires it: that is how witnesses and key rotation work); a
 * known key whose signature fails rejects the whole note; a note no known key verified is rejected.
 */
export type NoteErrorCode = 'malformed' | 'no-verified-signature' | 'invalid-signature' | 'ambiguous-key';

export class NoteError extends Error {
  constructor(
    readonly code: NoteErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface NoteSignature {
  readonly name: string;
  readonly keyId: number;
  /** The signature bytes after the key ID. */
  readonly signature: Buffer;
  /** The line's base64 field as it was written (key ID and signature). */
  readonly base64: string;
}

export interface OpenedNote {
  readonly text: string;
  readonly verified: readonly { readonly signature: NoteSignature; readonly verifier: NoteVerifier }[];
  readonly unverified: readonly NoteSignature[];
}

/** The spec asks verifiers to accept at least 16; Go's reader stops at 100. */
export const MAX_NOTE_SIGNATURES = 100;

const SIGNATURE_PREFIX = '\u2014 ';
const utf8 = new TextDecoder('utf-8', { fatal: true });

function malformed(why: string): NoteError {
  return new NoteError('malformed', `malformed note: ${why}`);
}

function checkCharacters(message: string): void {
  for (let i = 0; i < message.length; i += 1) {
    const code = message.charCodeAt(i);
    if (code < 0x20 && code !== 0x0a) throw malformed('control character');
  }
}

function signatureLine(name: string, keyId: number, signature: Buffer): string {
  const id = Buffer.alloc(4);
  id.writeUInt32BE(keyId);
  return `${SIGNATURE_PREFIX}${name} ${Buffer.concat([id, signature]).toString('base64')}\n`;
}

/**
 * Signs `text` with each signer. Signatures already on the note (`keep`) stay first, except those
 * by a key that signs again, so a witness can add its cosignature to a checkpoint the log signed.
 */
export function signNote(text: string, signers: readonly NoteSigner[], keep: readonly NoteSignature[] = []): string {
  if (!text.endsWith('\n')) throw malformed('the text must end with a newline');
  checkCharacters(text);
  const bytes = Buffer.from(text, 'utf8');
  const fresh = signers.map((signer) => {
    if (!isValidKeyName(signer.name)) throw malformed('invalid signer name');
    return { name: signer.name, keyId: signer.keyId, line: signatureLine(signer.name, signer.keyId, signer.sign(bytes)) };
  });
  const kept = keep
    .filter((s) => !fresh.some((f) => f.name === s.name && f.keyId === s.keyId))
    .map((s) => {
      const bytes = decodeBase64Strict(s.base64);
      if (!isValidKeyName(s.name) || !bytes || bytes.length < 5 || bytes.readUInt32BE(0) !== s.keyId)
        throw malformed('a kept signature does not match its key ID');
      return `${SIGNATURE_PREFIX}${s.name} ${s.base64}\n`;
    });
  return `${text}\n${kept.join('')}${fresh.map((f) => f.line).join('')}`;
}

function parseSignatureLine(line: string): NoteSignature {
  if (!line.startsWith(SIGNATURE_PREFIX)) throw malformed('a signature line starts with an em dash and a space');
  const rest = line.slice(SIGNATURE_PREFIX.length);
  const space = rest.indexOf(' ');
  const name = space < 0 ? rest : rest.slice(0, space);
  const base64 = space < 0 ? '' : rest.slice(space + 1);
  const bytes = decodeBase64Strict(base64);
  if (!isValidKeyName(name) || base64 === '' || !bytes || bytes.length < 5) throw malformed('bad signature line');
  return { name, keyId: bytes.readUInt32BE(0), signature: bytes.subarray(4), base64 };
}

/** Opens a signed note, verifying the signatures of the keys it knows (see the module comment for the rules). */
export function openNote(message: string | Buffer, verifiers: readonly NoteVerifier[]): OpenedNote {
  let decoded: string;
  try {
    decoded = typeof message === 'string' ? message : utf8.decode(message);
  } catch {
    throw malformed('not UTF-8');
  }
  if (Buffer.from(decoded, 'utf8').toString('utf8') !== decoded) throw malformed('not UTF-8');
  checkCharacters(decoded);
  const split = decoded.lastIndexOf('\n\n');
  if (split < 0) throw malformed('no blank line before the signatures');
  const text = decoded.slice(0, split + 1);
  const block = decoded.slice(split + 2);
  if (block === '' || !block.endsWith('\n')) throw malformed('the signatures must end with a newline');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES) throw malformed(`more than ${MAX_NOTE_SIGNATURES} signatures`);

  const textBytes = Buffer.from(text, 'utf8');
  const verified: { signature: NoteSignature; verifier: NoteVerifier }[] = [];
  const unverified: NoteSignature[] = [];
  const seenKeys = new Set<string>();
  const seenUnknownLines = new Set<string>();
  for (const line of lines) {
    const signature = parseSignatureLine(line);
    const matches = verifiers.filter((v) => v.name === signature.name && v.keyId === signature.keyId);
    const key = `${signature.name}+${signature.keyId}`;
    if (matches.length === 0) {
      if (!seenUnknownLines.has(line)) unverified.push(signature);
      seenUnknownLines.add(line);
      continue;
    }
    if (matches.length > 1) throw new NoteError('ambiguous-key', `ambiguous key ${signature.name}`);
    if (seenKeys.has(key)) continue;
    seenKeys.add(key);
    if (!matches[0]!.verify(textBytes, signature.signature)) throw new NoteError('invalid-signature', `invalid signature for key ${signature.name}`);
    verified.push({ signature, verifier: matches[0]! });
  }
  if (verified.length === 0) throw new NoteError('no-verified-signature', 'note has no verifiable signatures');
  return { text, verified, unverified };
}
