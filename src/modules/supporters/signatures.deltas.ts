/**
 * The arithmetic of the signature ledger, with no database: what a batch of signature changes
 * moves in the counters (`campaign_counters`, by status) and in each rollup table (by UTC hour,
 * by country, by source and utm_*). `signatures.ledger.ts` reads the rows and writes these deltas.
 */

export type SignatureStatus = 'pending' | 'confirmed' | 'invalidated';
/** Where a signature stands on one side of a change: `absent` before it is made and after it is deleted. */
export type Standing = SignatureStatus | 'absent';
export const STANDINGS = ['absent', 'pending', 'confirmed', 'invalidated'] as const satisfies readonly Standing[];

/**
 * Every change of a signature's state, with the moves it may make. A transition added later
 * (`unsubscribe`, which keeps the status) is one more line here; the counts follow from the standings.
 */
const MOVES = {
  // A repeated signing changes nothing, but moves the same rows by zero: the statements a new and a
  // repeated signing make must not differ, or their time would tell them apart.
  sign: [
    ['absent', 'pending'],
    ['pending', 'pending'],
    ['confirmed', 'confirmed'],
    ['invalidated', 'invalidated'],
  ],
  confirm: [['pending', 'confirmed']],
  invalidate: [
    ['pending', 'invalidated'],
    ['confirmed', 'invalidated'],
  ],
  restore: [
    ['invalidated', 'pending'],
    ['invalidated', 'confirmed'],
  ],
  erase: [
    ['pending', 'absent'],
    ['confirmed', 'absent'],
    ['invalidated', 'absent'],
  ],
  // Retention deletes signatures that were never confirmed.
  expire: [['pending', 'absent']],
} as const satisfies Record<string, ReadonlyArray<readonly [Standing, Standing]>>;

export type Transition = keyof typeof MOVES;
export const TRANSITIONS = Object.keys(MOVES) as Transition[];

/** One signature as the ledger sees it: its dimensions and its standing before and after the change. */
export interface LedgerSignature {
  campaignId: string;
  createdAt: Date;
  country: string | null;
  source: string | null;
  partner: string | null;
  utmSource: string | null;
  utmMedium: string | null;
  utmCampaign: string | null;
  from: Standing;
  to: Standing;
}

export interface CounterDelta {
  campaignId: string;
  pending: number;
  confirmed: number;
  invalidated: number;
}
/** `signed` is every signature that exists (invalidated ones too); `confirmed`, `invalidated` by status now. */
export interface RollupCounts {
  signed: number;
  confirmed: number;
  invalidated: number;
}
export interface SourceKey {
  campaignId: string;
  source: string;
  utmSource: string;
  utmMedium: string;
  utmCampaign: string;
}

/** Deltas summed per row of each table, sorted by key. Absent dimensions are '' as in the tables. */
export interface LedgerDeltas {
  counters: CounterDelta[];
  hourly: Array<{ campaignId: string; hour: Date } & RollupCounts>;
  country: Array<{ campaignId: string; country: string } & RollupCounts>;
  source: Array<SourceKey & RollupCounts>;
  /** Source keys whose `signed` went down: once all their counts are zero, nothing should remember them. */
  shrunkSources: SourceKey[];
}

const HOUR_MS = 3_600_000;
const one = (standing: Standing, status: Standing) => (standing === status ? 1 : 0);

export function assertMove(transition: Transition, from: Standing, to: Standing): void {
  const allowed = (MOVES[transition] as ReadonlyArray<readonly [Standing, Standing]>).some(([f, t]) => f === from && t === to);
  if (!allowed) throw new Error(`The ledger's '${transition}' cannot move a signature from ${from} to ${to}.`);
}

/** Sums the changes per campaign and per rollup row; throws on a move the transition does not make. */
export function computeDeltas(signatures: readonly LedgerSignature[], transition: Transition): LedgerDeltas {
  const counters = new Map<string, CounterDelta>();
  const hourly = new Map<string, LedgerDeltas['hourly'][number]>();
  const country = new Map<string, LedgerDeltas['country'][number]>();
  const source = new Map<string, LedgerDeltas['source'][number]>();
  for (const s of signatures) {
    assertMove(transition, s.from, s.to);
    const moved = {
      signed: (s.to === 'absent' ? 0 : 1) - (s.from === 'absent' ? 0 : 1),
      confirmed: one(s.to, 'confirmed') - one(s.from, 'confirmed'),
      invalidated: one(s.to, 'invalidated') - one(s.from, 'invalidated'),
    };
    const counter = entry(counters, s.campaignId, () => ({ campaignId: s.campaignId, pending: 0, confirmed: 0, invalidated: 0 }));
    counter.pending += one(s.to, 'pending') - one(s.from, 'pending');
    counter.confirmed += moved.confirmed;
    counter.invalidated += moved.invalidated;
    // A signature's counts stay in the hour it was made, whatever happens to it later.
    const hour = new Date(Math.floor(s.createdAt.getTime() / HOUR_MS) * HOUR_MS);
    add(
      entry(hourly, key(s.campaignId, hour.toISOString()), () => ({ campaignId: s.campaignId, hour, ...zero() })),
      moved,
    );
    const place = s.country ?? '';
    add(
      entry(country, key(s.campaignId, place), () => ({ campaignId: s.campaignId, country: place, ...zero() })),
      moved,
    );
    const sourceKey: SourceKey = {
      campaignId: s.campaignId,
      source: s.source ?? '',
      utmSource: s.utmSource ?? '',
      utmMedium: s.utmMedium ?? '',
      utmCampaign: s.utmCampaign ?? '',
    };
    add(
      entry(source, key(...Object.values(sourceKey)), () => ({ ...sourceKey, ...zero() })),
      moved,
    );
  }
  const sourceRows = sorted(source);
  return {
    counters: sorted(counters),
    hourly: sorted(hourly),
    country: sorted(country),
    source: sourceRows,
    shrunkSources: sourceRows
      .filter((r) => r.signed < 0)
      .map(({ campaignId, source: s, utmSource, utmMedium, utmCampaign }) => ({ campaignId, source: s, utmSource, utmMedium, utmCampaign })),
  };
}

const zero = (): RollupCounts => ({ signed: 0, confirmed: 0, invalidated: 0 });
const key = (...parts: string[]) => JSON.stringify(parts);

function entry<T>(map: Map<string, T>, k: string, make: () => T): T {
  let found = map.get(k);
  if (!found) map.set(k, (found = make()));
  return found;
}

function add(target: RollupCounts, moved: RollupCounts): void {
  target.signed += moved.signed;
  target.confirmed += moved.confirmed;
  target.invalidated += moved.invalidated;
}

function sorted<T>(map: Map<string, T>): T[] {
  return [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
}
