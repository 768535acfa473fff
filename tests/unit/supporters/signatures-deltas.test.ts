import { computeDeltas, type LedgerSignature, type Standing, readLedgerRows } from '../../../src/modules/supporters';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';

function row(from: Standing, to: Standing, extra: Partial<LedgerSignature> = {}): LedgerSignature {
  return {
    campaignId: A,
    createdAt: new Date('2026-03-10T20:15:00Z'),
    country: 'KZ',
    source: null,
    partner: null,
    utmSource: null,
    utmMedium: null,
    utmCampaign: null,
    from,
    to,
    ...extra,
  };
}

describe("the ledger's deltas", () => {
  it('counts a new signing as pending and signed, in the hour it was made', () => {
    const d = computeDeltas([row('absent', 'pending')], 'sign');
    expect(d.counters).toEqual([{ campaignId: A, pending: 1, confirmed: 0, invalidated: 0 }]);
    expect(d.hourly).toEqual([{ campaignId: A, hour: new Date('2026-03-10T20:00:00Z'), signed: 1, confirmed: 0, invalidated: 0 }]);
    expect(d.country).toEqual([{ campaignId: A, country: 'KZ', signed: 1, confirmed: 0, invalidated: 0 }]);
    expect(d.source).toEqual([{ campaignId: A, source: '', utmSource: '', utmMedium: '', utmCampaign: '', signed: 1, confirmed: 0, invalidated: 0 }]);
    expect(d.shrunkSources).toEqual([]);
  });

  it('moves a repeated signing by zero over the same rows as a new one', () => {
    const first = computeDeltas([row('absent', 'pending')], 'sign');
    const repeat = computeDeltas([row('confirmed', 'confirmed')], 'sign');
    const shape = (d: typeof first) => [d.counters.length, d.hourly.length, d.country.length, d.source.length];
    expect(shape(repeat)).toEqual(shape(first));
    expect(repeat.counters).toEqual([{ campaignId: A, pending: 0, confirmed: 0, invalidated: 0 }]);
    expect(repeat.source[0]).toMatchObject({ signed: 0, confirmed: 0, invalidated: 0 });
  });

  it('sums a batch per campaign and per rollup key, sorted by key', () => {
    const d = computeDeltas(
      [
        row('confirmed', 'invalidated', { source: 'flood', country: 'DE' }),
        row('pending', 'invalidated', { source: 'flood' }),
        row('confirmed', 'invalidated', { source: 'flood', createdAt: new Date('2026-03-10T21:59:59Z') }),
        row('pending', 'invalidated', { campaignId: B, country: null, utmSource: 'newsletter' }),
      ],
      'invalidate',
    );
    expect(d.counters).toEqual([
      { campaignId: A, pending: -1, confirmed: -2, invalidated: 3 },
      { campaignId: B, pending: -1, confirmed: 0, invalidated: 1 },
    ]);
    expect(d.hourly.map((r) => [r.campaignId, r.hour.toISOString(), r.signed, r.confirmed, r.invalidated])).toEqual([
      [A, '2026-03-10T20:00:00.000Z', 0, -1, 2],
      [A, '2026-03-10T21:00:00.000Z', 0, -1, 1],
      [B, '2026-03-10T20:00:00.000Z', 0, 0, 1],
    ]);
    expect(d.country.map((r) => [r.campaignId, r.country, r.confirmed, r.invalidated])).toEqual([
      [A, 'DE', -1, 1],
      [A, 'KZ', -1, 2],
      [B, '', 0, 1],
    ]);
    expect(d.source.map((r) => [r.campaignId, r.source, r.utmSource, r.confirmed, r.invalidated])).toEqual([
      [A, 'flood', '', -2, 3],
      [B, '', 'newsletter', 0, 1],
    ]);
    expect(d.shrunkSources).toEqual([]);
  });

  it('is undone exactly by a restore to the statuses the signatures had', () => {
    const rows = [row('confirmed', 'invalidated'), row('pending', 'invalidated', { country: 'FR' })];
    const there = computeDeltas(rows, 'invalidate');
    const back = computeDeltas(
      rows.map((r) => ({ ...r, from: r.to, to: r.from })),
      'restore',
    );
    const c = there.counters[0]!;
    const r = back.counters[0]!;
    expect([c.pending + r.pending, c.confirmed + r.confirmed, c.invalidated + r.invalidated]).toEqual([0, 0, 0]);
    for (const table of ['hourly', 'country', 'source'] as const) {
      there[table].forEach((r, i) => {
        const b = back[table][i]!;
        expect([r.signed + b.signed, r.confirmed + b.confirmed, r.invalidated + b.invalidated]).toEqual([0, 0, 0]);
      });
    }
  });

  it('takes an erased or expired signature out of every count, and names its source key as shrunk', () => {
    const erased = computeDeltas([row('confirmed', 'absent', { source: 'partner-a' }), row('invalidated', 'absent', { source: 'partner-a' })], 'erase');
    expect(erased.counters).toEqual([{ campaignId: A, pending: 0, confirmed: -1, invalidated: -1 }]);
    expect(erased.source).toEqual([
      { campaignId: A, source: 'partner-a', utmSource: '', utmMedium: '', utmCampaign: '', signed: -2, confirmed: -1, invalidated: -1 },
    ]);
    expect(erased.shrunkSources).toEqual([{ campaignId: A, source: 'partner-a', utmSource: '', utmMedium: '', utmCampaign: '' }]);
    const expired = computeDeltas([row('pending', 'absent')], 'expire');
    expect(expired.counters).toEqual([{ campaignId: A, pending: -1, confirmed: 0, invalidated: 0 }]);
    expect(expired.country).toEqual([{ campaignId: A, country: 'KZ', signed: -1, confirmed: 0, invalidated: 0 }]);
  });

  it('refuses a move its transition does not make', () => {
    expect(() => computeDeltas([row('confirmed', 'absent')], 'expire')).toThrow(/'expire' cannot move a signature from confirmed to absent/);
    expect(() => computeDeltas([row('invalidated', 'confirmed')], 'confirm')).toThrow(/cannot move/);
    expect(() => computeDeltas([row('absent', 'confirmed')], 'sign')).toThrow(/cannot move/);
    expect(() => computeDeltas([row('pending', 'pending')], 'invalidate')).toThrow(/cannot move/);
  });

  it('reads rows only when every column the ledger needs is there with its type', () => {
    const good = { ...row('absent', 'pending'), id: 'ignored' };
    expect(readLedgerRows([good])).toEqual([row('absent', 'pending')]);
    const { utmCampaign: _renamed, ...missing } = row('absent', 'pending');
    expect(() => readLedgerRows([{ ...missing, utm_campaign: null }])).toThrow();
    expect(() => readLedgerRows([{ ...row('absent', 'pending'), from: 'deleted' }])).toThrow();
    expect(() => readLedgerRows([{ ...row('absent', 'pending'), createdAt: '2026-03-10T20:15:00Z' }])).toThrow();
  });
});
