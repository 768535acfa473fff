import { createHmac, randomUUID } from 'node:crypto';
import { returnPathFor, subjectOfReturnPath } from '../../../src/platform/return-path';

const settings = { key: Buffer.alloc(32, 1), localPart: 'bounces', domain: 'bounces.example.org' };

describe('VERP return paths', () => {
  it('name what they were sent for, and read back to it', () => {
    const id = randomUUID();
    for (const kind of ['target', 'supporter', 'letter', 'mailingRecipient', 'signingAttempt'] as const) {
      const address = returnPathFor(settings, { kind, id });
      expect(address).toMatch(/^bounces\+[tslma]-[0-9a-f]{32}-[0-9a-f]{12}@bounces\.example\.org$/);
      expect(address.split('@')[0]!.length).toBeLessThanOrEqual(64); // RFC 5321's local-part limit
      expect(subjectOfReturnPath(settings, address)).toEqual({ kind, id });
      expect(subjectOfReturnPath(settings, address.toUpperCase())).toEqual({ kind, id }); // servers may change case
    }
  });

  it('refuse a forged MAC, another kind with the same id, another domain, local part or key', () => {
    const id = randomUUID();
    const address = returnPathFor(settings, { kind: 'target', id });
    const mac = address.slice(address.lastIndexOf('-') + 1, address.indexOf('@'));
    const flipped = mac.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    expect(subjectOfReturnPath(settings, address.replace(mac, flipped))).toBeNull();
    for (const other of ['+s-', '+l-', '+m-', '+a-']) expect(subjectOfReturnPath(settings, address.replace('+t-', other))).toBeNull();
    expect(subjectOfReturnPath(settings, address.replace('+t-', '+x-'))).toBeNull();
    expect(subjectOfReturnPath(settings, address.replace('bounces.example.org', 'other.example.org'))).toBeNull();
    expect(subjectOfReturnPath(settings, address.replace(/^bounces/, 'returns'))).toBeNull();
    expect(subjectOfReturnPath({ ...settings, key: Buffer.alloc(32, 2) }, address)).toBeNull();
    expect(subjectOfReturnPath(settings, 'someone@example.org')).toBeNull();
    expect(subjectOfReturnPath(settings, 'bounces+t-zz@bounces.example.org')).toBeNull();
  });

  it('still read the per-delegation and per-supporter paths written before the per-message kinds', () => {
    // Written by the code before this change: the MAC input is the kind letter and the bare hex id.
    const id = randomUUID();
    for (const [letter, kind] of [
      ['t', 'target'],
      ['s', 'supporter'],
    ] as const) {
      const hex = id.replace(/-/g, '');
      const mac = createHmac('sha256', settings.key).update(`${letter}:${hex}`).digest('hex').slice(0, 12);
      expect(subjectOfReturnPath(settings, `bounces+${letter}-${hex}-${mac}@bounces.example.org`)).toEqual({ kind, id });
    }
  });

  it('keep the longest per-message path inside 64 characters of local part', () => {
    const address = returnPathFor(settings, { kind: 'mailingRecipient', id: 'ffffffff-ffff-ffff-ffff-ffffffffffff' });
    expect(address.split('@')[0]).toHaveLength('bounces+m-'.length + 32 + 1 + 12);
    expect(address.split('@')[0]!.length).toBeLessThanOrEqual(64);
  });
});
