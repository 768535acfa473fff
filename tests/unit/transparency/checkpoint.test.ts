import {
  CheckpointError,
  cosignatureTimestamp,
  formatCheckpoint,
  generateNoteKey,
  hashLeaf,
  openCheckpoint,
  parseCheckpoint,
  parseSignerKey,
  parseVerifierKey,
  signCheckpoint,
  signNote,
  SIGNATURE_TYPE_COSIGNATURE_V1,
  type CheckpointPolicy,
} from '../../../src/modules/transparency';

/**
 * A real checkpoint of a public log (Google's arche2025h1 staging CT log), signed by the log's
 * Ed25519 key and cosigned by public witnesses with tlog-cosignature/v1, as published with the
 * witnesses' keys (the log key from the witness network's log list, the witness keys from their
 * operators' pages). Verifying it proves the checkpoint, key and cosignature code interoperate
 * with the deployed ecosystem, not only with itself. It also carries an RFC 6962 STH signature
 * (type 0x05) that a checkpoint reader must ignore as an unknown key.
 */
const REAL_CHECKPOINT = `arche2025h1.staging.ct.transparency.dev
1432088532
U7WM79jrzyhGZ5/GUBTpM7NzwdyfFx61t3RovgcC4Ro=

— arche2025h1.staging.ct.transparency.dev zTM8sQAAAZ5W0WdjBAMARjBEAiBjW5IQf9pvsYLfQFX6hoGREPMHbdQ3urbllzalApkptQIgIpwtEroeW2BXaHAI4kJXFbon5Ch9MNL5zRNZ55lvGt0=
— arche2025h1.staging.ct.transparency.dev ui8GwCF1+kWqZrxGdhj4aX3gcw7XUlXQQabg/27lefwhUkzbC3NygNI75MdhL1bfTW9g8Ei59RA23oHP7Ry1k3ZFWwQ=
— transparency.dev/DEV:witness-little-garden 2AQqhwAAAABqEiEgzgFIqqhbUoDwjMWE6UP8nd8/KYTzwZ2rhIgcqoXHAwVkjZr4AscylP3v7sEodkRAErumC2q44vdgJY096st5BQ==
— witness1.smartit.nu/witness1 pIyCDwAAAABqEiEghIp82KWebrw7/oHQwlTAm3g2RKS4+eebl8eO0WH+/iEcxZ75W3u5hNI7TOQtmJbqmNWVuE0tgh0XwzdZsDsUAQ==
— remora.n621.de 2net5wAAAABqEiEgPlfF3V06o0Y+fHM+J5J9s27wgxxcOVSpZ/2g/KSiXCg9DEZI+aVCIobWX9sXTynk5XeU/zZ0WBxtqB0DrAWfBw==
— witness.stagemole.eu Z/euoAAAAABqEiEgw0i+7g2ENfDAWHmtRzCfKTHSDwYDJA2NmKeGi9Y8FtEyOUvVr+AJmIY/2TUFucgKi7lI7cUiOvKFYe/TmN9DAg==
`;
const LOG_KEY = parseVerifierKey('arche2025h1.staging.ct.transparency.dev+ba2f06c0+AU0vHmlGCS/PdN8b2OaGmKprLI8HKM+dJ472xgFYh15f');
const WITNESSES = [
  'remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2',
  'transparency.dev/DEV:witness-little-garden+d8042a87+BCtusOxINQNUTN5Oj8HObRkh2yHf/MwYaGX4CPdiVEPM',
  'witness1.smartit.nu/witness1+a48c820f+BPSFWg9G6KPiO7QPryYO5Xq4oYJJ+kAvLKLSimDhoxMO',
].map(parseVerifierKey);

function codeOf(run: () => unknown): string {
  try {
    run();
    return 'accepted';
  } catch (error) {
    return error instanceof CheckpointError ? error.code : `other: ${String(error)}`;
  }
}

describe('a real, cosigned checkpoint of a public log', () => {
  it('verifies the log’s signature and ignores the signatures of keys it was not given', () => {
    const { checkpoint, note, cosignatures } = openCheckpoint(REAL_CHECKPOINT, { logKey: LOG_KEY, origin: 'arche2025h1.staging.ct.transparency.dev' });
    expect(checkpoint).toEqual({
      origin: 'arche2025h1.staging.ct.transparency.dev',
      size: 1432088532,
      rootHash: Buffer.from('U7WM79jrzyhGZ5/GUBTpM7NzwdyfFx61t3RovgcC4Ro=', 'base64'),
      extensions: [],
    });
    expect(note.unverified).toHaveLength(5);
    expect(cosignatures).toEqual([]);
  });

  it('verifies three witnesses’ tlog-cosignature/v1 cosignatures and reads when they were made', () => {
    const { cosignatures } = openCheckpoint(REAL_CHECKPOINT, { logKey: LOG_KEY, witnesses: WITNESSES, witnessQuorum: 3 });
    expect(cosignatures.map((c) => c.name).sort()).toEqual(['remora.n621.de', 'transparency.dev/DEV:witness-little-garden', 'witness1.smartit.nu/witness1']);
    expect(new Set(cosignatures.map((c) => c.timestamp))).toEqual(new Set([0x6a122120n]));
    expect(WITNESSES.every((w) => w.type === SIGNATURE_TYPE_COSIGNATURE_V1)).toBe(true);
  });

  it('rejects the checkpoint with its size or root changed, for the log and for each witness', () => {
    const resized = REAL_CHECKPOINT.replace('1432088532', '1432088533');
    expect(codeOf(() => openCheckpoint(resized, { logKey: LOG_KEY }))).toBe('bad-signature');
    const rerooted = REAL_CHECKPOINT.replace('U7WM79', 'U7WM78');
    for (const witness of WITNESSES) {
      // Only the witness is known here: its cosignature fails before the log key's absence is noticed.
      expect(codeOf(() => openCheckpoint(rerooted, { logKey: parseVerifierKey(generateNoteKey('other').verifierKey), witnesses: [witness] }))).toBe(
        'bad-signature',
      );
    }
  });

  it('reads the timestamp of a cosignature as transparency-dev/formats does, and refuses other signatures', () => {
    const sig = Buffer.from('ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA==', 'base64');
    expect(cosignatureTimestamp(sig.subarray(4))).toBe(1727964367n);
    const plain = Buffer.from('eQjRQm6eSKzFoiYalgwCPXu2y3ijtg68is9M46JKxuZB+dRfTmeQeDBoXnvxZx2ugnkyV+MUMLXpWs1hPb/W/4xkNQY=', 'base64');
    expect(cosignatureTimestamp(plain.subarray(4))).toBeNull();
    const future = Buffer.from(sig.subarray(4));
    future[0] = 0x80;
    expect(cosignatureTimestamp(future)).toBeNull();
  });
});

describe('Clarion checkpoints', () => {
  const log = generateNoteKey('clarion.example/campaigns');
  const logSigner = parseSignerKey(log.signerKey);
  const logKey = parseVerifierKey(log.verifierKey);
  const witnessKeys = generateNoteKey('witness.example.org/w1', SIGNATURE_TYPE_COSIGNATURE_V1);
  const witness = parseSignerKey(witnessKeys.signerKey, () => 1_800_000_000);
  const origin = 'clarion.example/campaigns/kazakhstan';
  const root = hashLeaf(Buffer.from('a leaf'));
  const policy: CheckpointPolicy = { logKey, origin };

  it('formats the three lines of tlog-checkpoint and reads them back', () => {
    const text = formatCheckpoint({ origin, size: 42, rootHash: root });
    expect(text).toBe(`${origin}\n42\n${root.toString('base64')}\n`);
    expect(parseCheckpoint(text)).toEqual({ origin, size: 42, rootHash: root, extensions: [] });
    expect(openCheckpoint(signCheckpoint({ origin, size: 42, rootHash: root }, logSigner), policy).checkpoint.size).toBe(42);
  });

  it.each([
    ['two lines', `${origin}\n42\n`],
    ['no final newline', `${origin}\n42\n${root.toString('base64')}`],
    ['a size with a leading zero', `${origin}\n042\n${root.toString('base64')}\n`],
    ['a negative size', `${origin}\n-1\n${root.toString('base64')}\n`],
    ['a size beyond 2^53', `${origin}\n9007199254740993\n${root.toString('base64')}\n`],
    ['a hex size', `${origin}\n0x2a\n${root.toString('base64')}\n`],
    ['a 31-byte root', `${origin}\n42\n${root.subarray(1).toString('base64')}\n`],
    ['a root in base64url', `${origin}\n42\n${Buffer.alloc(32, 0xfb).toString('base64url')}=\n`],
    ['a root without padding', `${origin}\n42\n${root.toString('base64').replace('=', '')}\n`],
    ['an origin with a space', `clarion example\n42\n${root.toString('base64')}\n`],
    ['an origin with a plus', `clarion+example\n42\n${root.toString('base64')}\n`],
    ['an empty origin', `\n42\n${root.toString('base64')}\n`],
    ['an empty extension line', `${origin}\n42\n${root.toString('base64')}\n\nmore\n`],
  ])('refuses a checkpoint body with %s', (_, text) => {
    expect(codeOf(() => parseCheckpoint(text))).toBe('malformed-checkpoint');
  });

  it('refuses a checkpoint of another log, one not signed by the log’s key, and a forged one', () => {
    const other = signCheckpoint({ origin: 'clarion.example/campaigns/other', size: 1, rootHash: root }, logSigner);
    expect(codeOf(() => openCheckpoint(other, policy))).toBe('origin-mismatch');
    const stranger = parseSignerKey(generateNoteKey('clarion.example/campaigns').signerKey);
    expect(codeOf(() => openCheckpoint(signCheckpoint({ origin, size: 1, rootHash: root }, stranger), policy))).toBe('not-signed-by-log');
    const signed = signCheckpoint({ origin, size: 7, rootHash: root }, logSigner);
    expect(codeOf(() => openCheckpoint(signed.replace('\n7\n', '\n8\n'), policy))).toBe('bad-signature');
    expect(codeOf(() => openCheckpoint(signed.replace('\n\n', '\n'), policy))).toBe('malformed-note');
    // A witness's cosignature alone does not make a checkpoint the log's.
    const cosignedOnly = signNote(formatCheckpoint({ origin, size: 1, rootHash: root }), [witness]);
    expect(codeOf(() => openCheckpoint(cosignedOnly, { ...policy, witnesses: [parseVerifierKey(witnessKeys.verifierKey)] }))).toBe('not-signed-by-log');
  });

  it('refuses extension lines unless allowed', () => {
    const signed = signCheckpoint({ origin, size: 3, rootHash: root, extensions: ['extra'] }, logSigner);
    expect(codeOf(() => openCheckpoint(signed, policy))).toBe('malformed-checkpoint');
    expect(openCheckpoint(signed, { ...policy, allowExtensionLines: true }).checkpoint.extensions).toEqual(['extra']);
  });

  it('counts a witness’s cosignature added to the log’s note toward the quorum, and fails the quorum without it', () => {
    const signed = signCheckpoint({ origin, size: 9, rootHash: root }, logSigner);
    const opened = openCheckpoint(signed, policy);
    const cosigned = signNote(
      opened.note.text,
      [witness],
      opened.note.verified.map((v) => v.signature),
    );
    const witnessKey = parseVerifierKey(witnessKeys.verifierKey);
    const result = openCheckpoint(cosigned, { ...policy, witnesses: [witnessKey], witnessQuorum: 1 });
    expect(result.cosignatures).toEqual([{ name: 'witness.example.org/w1', keyId: witnessKey.keyId, timestamp: 1_800_000_000n }]);
    expect(codeOf(() => openCheckpoint(signed, { ...policy, witnesses: [witnessKey], witnessQuorum: 1 }))).toBe('witness-quorum');
    // The timestamp is signed too: moving it breaks the cosignature.
    const line = cosigned.split('\n').find((l) => l.startsWith('— witness.example.org/w1 '))!;
    const bytes = Buffer.from(line.split(' ')[2]!, 'base64');
    bytes[11] = bytes[11]! ^ 1;
    const restamped = cosigned.replace(line, `— witness.example.org/w1 ${bytes.toString('base64')}`);
    expect(codeOf(() => openCheckpoint(restamped, { ...policy, witnesses: [witnessKey] }))).toBe('bad-signature');
  });
});
