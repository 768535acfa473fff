import {
  commitmentOf,
  decodeEntryBundle,
  decodeLeaf,
  decodeReceipt,
  encodeEntryBundle,
  encodeLeaf,
  EntryBundleError,
  encodeReceipt,
  hourOf,
  LeafFormatError,
  logIdOf,
  newReceipt,
  ReceiptFormatError,
  RECEIPT_PREFIX,
  tallyLeaves,
  type LogEvent,
} from '../../../src/modules/transparency';
import { CampaignLog } from './fixture';

const ORIGIN = 'clarion.example/campaigns/kazakhstan';
const logId = logIdOf(ORIGIN);

describe('leaf encoding', () => {
  const confirmed: LogEvent = { type: 'confirmed', logId, hour: 0x01020304, commitment: Buffer.alloc(32, 0xab) };
  const revoked: LogEvent = { type: 'revoked', logId, hour: 0x01020304, reason: 'erased', revokes: 0x0102 };

  it('writes one fixed layout per event type, and reads back exactly what it wrote', () => {
    expect(encodeLeaf(confirmed).toString('hex')).toBe(`0101${logId.toString('hex')}01020304${'ab'.repeat(32)}`);
    expect(encodeLeaf(revoked).toString('hex')).toBe(`0102${logId.toString('hex')}01020304020000000000000102`);
    expect(decodeLeaf(encodeLeaf(confirmed))).toEqual(confirmed);
    expect(decodeLeaf(encodeLeaf(revoked))).toEqual(revoked);
    for (const reason of ['invalidated', 'erased', 'expired'] as const) expect(decodeLeaf(encodeLeaf({ ...revoked, reason }))).toMatchObject({ reason });
  });

  it.each([
    ['an unknown version', (b: Buffer) => Buffer.concat([Buffer.from([2]), b.subarray(1)])],
    ['an unknown type', (b: Buffer) => Buffer.concat([b.subarray(0, 1), Buffer.from([3]), b.subarray(2)])],
    ['a byte too many', (b: Buffer) => Buffer.concat([b, Buffer.from([0])])],
    ['a byte too few', (b: Buffer) => b.subarray(0, -1)],
    ['nothing', () => Buffer.alloc(0)],
  ])('refuses a leaf with %s', (_, mangle) => {
    expect(() => decodeLeaf(mangle(encodeLeaf(confirmed)))).toThrow(LeafFormatError);
    expect(() => decodeLeaf(mangle(encodeLeaf(revoked)))).toThrow(LeafFormatError);
  });

  it('refuses unknown revocation reasons and revoked indices beyond 2^53', () => {
    const leaf = encodeLeaf(revoked);
    for (const reason of [0, 4, 255]) {
      const bad = Buffer.from(leaf);
      bad[22] = reason;
      expect(() => decodeLeaf(bad)).toThrow('reason');
    }
    const huge = Buffer.from(leaf);
    huge.writeBigUInt64BE(2n ** 53n, 23);
    expect(() => decodeLeaf(huge)).toThrow('out of range');
  });

  it('keeps time to the hour and ties every leaf to its log', () => {
    expect(hourOf(new Date('2026-01-01T00:59:59.999Z'))).toBe(hourOf(new Date('2026-01-01T00:00:00Z')));
    expect(hourOf(new Date('2026-01-01T01:00:00Z')) - hourOf(new Date('2026-01-01T00:00:00Z'))).toBe(1);
    expect(logIdOf(ORIGIN)).toHaveLength(16);
    expect(logIdOf(`${ORIGIN}2`)).not.toEqual(logId);
    expect(() => logIdOf('has space')).toThrow();
  });
});

describe('receipts', () => {
  it('round-trips through its text form, with and without a leaf index', () => {
    const { receipt, commitment } = newReceipt(ORIGIN);
    const text = encodeReceipt(receipt);
    expect(text.startsWith(RECEIPT_PREFIX)).toBe(true);
    expect(text).toMatch(/^clarion-receipt\.[A-Za-z0-9_-]+$/);
    expect(decodeReceipt(text)).toEqual(receipt);
    expect(decodeReceipt(` ${text}\n`)).toEqual(receipt);
    expect(decodeReceipt(encodeReceipt({ ...receipt, leafIndex: 123456789 }))).toEqual({ ...receipt, leafIndex: 123456789 });
    expect(commitmentOf(receipt.secret, ORIGIN)).toEqual(commitment);
  });

  it('gives every receipt its own commitment, and one secret different commitments in different logs', () => {
    const a = newReceipt(ORIGIN);
    const b = newReceipt(ORIGIN);
    expect(a.commitment).not.toEqual(b.commitment);
    expect(commitmentOf(a.receipt.secret, `${ORIGIN}-other`)).not.toEqual(a.commitment);
  });

  it('puts nothing of the secret into the leaf', () => {
    const { receipt, commitment } = newReceipt(ORIGIN);
    const leaf = encodeLeaf({ type: 'confirmed', logId, hour: 1, commitment });
    for (let i = 0; i + 4 <= receipt.secret.length; i += 1) expect(leaf.includes(receipt.secret.subarray(i, i + 4))).toBe(false);
  });

  it('tells a receipt mangled in copying from a valid one: every one-character change and truncation is refused', () => {
    const text = encodeReceipt({ ...newReceipt(ORIGIN).receipt, leafIndex: 42 });
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const accepted: string[] = [];
    for (let i = RECEIPT_PREFIX.length; i < text.length; i += 1) {
      const other = alphabet[(alphabet.indexOf(text[i]!) + 1) % alphabet.length]!;
      const changed = text.slice(0, i) + other + text.slice(i + 1);
      try {
        decodeReceipt(changed);
        accepted.push(changed);
      } catch (error) {
        expect(error).toBeInstanceOf(ReceiptFormatError);
      }
    }
    for (let end = RECEIPT_PREFIX.length; end < text.length; end += 1) {
      expect(() => decodeReceipt(text.slice(0, end))).toThrow(ReceiptFormatError);
    }
    expect(accepted).toEqual([]);
    expect(() => decodeReceipt(text.slice(RECEIPT_PREFIX.length))).toThrow('starts with');
    expect(() => decodeReceipt(`${text}=`)).toThrow(ReceiptFormatError);
  });
});

describe('the verifiable count', () => {
  it('is confirmed leaves minus revoked ones', () => {
    const log = new CampaignLog(ORIGIN);
    const signers = Array.from({ length: 5 }, () => log.confirm());
    log.revoke(signers[1]!.index, 'invalidated');
    log.revoke(signers[3]!.index, 'erased');
    const tally = tallyLeaves(log.leaves, ORIGIN);
    expect(tally).toMatchObject({ size: 7, confirmed: 5, revoked: 2, count: 3, problemCount: 0 });
  });

  it('follows a receipt through revocation and restoration', () => {
    const log = new CampaignLog(ORIGIN);
    const { receipt, index } = log.confirm();
    log.confirm();
    const revocation = log.revoke(index, 'invalidated');
    const { secret } = decodeReceipt(receipt);
    expect(tallyLeaves(log.leaves, ORIGIN, commitmentOf(secret, ORIGIN)).watched).toEqual([{ leafIndex: index, revokedBy: revocation, reason: 'invalidated' }]);
    const restored = log.reconfirm(receipt);
    const tally = tallyLeaves(log.leaves, ORIGIN, commitmentOf(secret, ORIGIN));
    expect(tally.count).toBe(2);
    expect(tally.watched).toEqual([{ leafIndex: index, revokedBy: revocation, reason: 'invalidated' }, { leafIndex: restored }]);
  });

  it.each([
    ['a double revocation', (log: CampaignLog, first: number) => [log.revoke(first), log.revoke(first)][1]!, 'double-revocation'],
    ['a revocation of a later leaf', (log: CampaignLog) => log.revoke(log.leaves.length + 5), 'revokes-unknown-leaf'],
    ['a revocation of itself', (log: CampaignLog) => log.revoke(log.leaves.length), 'revokes-unknown-leaf'],
    ['a revocation of a revocation', (log: CampaignLog, first: number) => log.revoke(log.revoke(first)), 'revokes-revocation'],
    ['a confirmation reusing a counted commitment', (log: CampaignLog, _first: number, receipt: string) => log.reconfirm(receipt), 'duplicate-commitment'],
    [
      'a leaf of another log',
      (log: CampaignLog) => log.append(encodeLeaf({ type: 'confirmed', logId: logIdOf('elsewhere.example/x'), hour: 1, commitment: Buffer.alloc(32, 1) })),
      'wrong-log',
    ],
    ['an undecodable leaf', (log: CampaignLog) => log.append(Buffer.from('not a leaf')), 'malformed-leaf'],
  ])('reports %s and does not let it move the count', (_, add, code) => {
    const log = new CampaignLog(ORIGIN);
    const { index, receipt } = log.confirm();
    log.confirm();
    const before = tallyLeaves(log.leaves, ORIGIN);
    const bad = (add as (log: CampaignLog, first: number, receipt: string) => number)(log, index, receipt);
    const after = tallyLeaves(log.leaves, ORIGIN);
    expect(after.problems).toEqual([expect.objectContaining({ index: bad, code })]);
    const legitimateRevocations = after.revoked - before.revoked;
    expect(after.count).toBe(before.count - legitimateRevocations);
    expect(after.confirmed).toBe(before.confirmed);
  });
});

describe('tlog-tiles entry bundles', () => {
  it('carries leaves with uint16 length prefixes and refuses a truncated bundle', () => {
    const log = new CampaignLog(ORIGIN);
    log.revoke(log.confirm().index);
    const bundle = encodeEntryBundle(log.leaves);
    expect(bundle.readUInt16BE(0)).toBe(54);
    expect(decodeEntryBundle(bundle)).toEqual(log.leaves);
    expect(decodeEntryBundle(Buffer.alloc(0))).toEqual([]);
    expect(() => decodeEntryBundle(bundle.subarray(0, -1))).toThrow(EntryBundleError);
    expect(() => decodeEntryBundle(bundle.subarray(0, 1))).toThrow(EntryBundleError);
  });
});
