import { decodeLeaf, LeafFormatError, logIdOf, type RevocationReason } from './leaf.codec';

/**
 * The verifiable count: confirmed leaves minus the ones a later revocation took out. Read in log
 * order, with these rules (a leaf breaking one is reported and changes nothing):
 *
 * - every leaf decodes and carries this log's ID;
 * - a revocation names an earlier confirmed leaf that is still counted (not a revocation, not a
 *   leaf revoked before, not a later or unknown index);
 * - a confirmed leaf's commitment is not the commitment of a leaf still counted. The same
 *   commitment may come back after its leaf was revoked: that is a restored signature (for example
 *   a fraud invalidation undone), and the signer's receipt keeps working.
 */
export type TallyProblemCode = 'malformed-leaf' | 'wrong-log' | 'duplicate-commitment' | 'revokes-unknown-leaf' | 'revokes-revocation' | 'double-revocation';

export interface TallyProblem {
  readonly index: number;
  readonly code: TallyProblemCode;
  readonly message: string;
}

/** One appearance of a watched commitment: its leaf, and the revocation that took it out, if any. */
export interface CommitmentAppearance {
  leafIndex: number;
  revokedBy?: number;
  reason?: RevocationReason;
}

export interface TallyResult {
  readonly size: number;
  readonly confirmed: number;
  readonly revoked: number;
  readonly count: number;
  /** The first MAX_REPORTED_PROBLEMS problems; problemCount has them all. */
  readonly problems: readonly TallyProblem[];
  readonly problemCount: number;
  readonly watched: readonly CommitmentAppearance[];
}

export const MAX_REPORTED_PROBLEMS = 100;

// 0: not a counted confirmation (a revocation, or a leaf that broke a rule)
const COUNTED = 1;
const REVOKED = 2;

export class LogTally {
  private readonly logId: Buffer;
  private state = new Uint8Array(1024);
  private readonly commitmentOfLeaf: (string | undefined)[] = [];
  private readonly counted = new Map<string, number>();
  private readonly watchKey: string | undefined;
  private readonly appearances: CommitmentAppearance[] = [];
  private readonly problems: TallyProblem[] = [];
  private problemCount = 0;
  private size = 0;
  private confirmed = 0;
  private revoked = 0;

  /** `watch`: a commitment (from a receipt) whose appearances to report. */
  constructor(origin: string, watch?: Buffer) {
    this.logId = logIdOf(origin);
    this.watchKey = watch?.toString('latin1');
  }

  add(leaf: Uint8Array): void {
    const index = this.size;
    this.size += 1;
    if (index >= this.state.length) {
      const grown = new Uint8Array(this.state.length * 2);
      grown.set(this.state);
      this.state = grown;
    }
    let event;
    try {
      event = decodeLeaf(leaf);
    } catch (error) {
      if (error instanceof LeafFormatError) return this.problem(index, 'malformed-leaf', error.message);
      throw error;
    }
    if (!event.logId.equals(this.logId)) return this.problem(index, 'wrong-log', 'the leaf belongs to another log');

    if (event.type === 'confirmed') {
      const key = event.commitment.toString('latin1');
      const holder = this.counted.get(key);
      if (holder !== undefined) return this.problem(index, 'duplicate-commitment', `the commitment of leaf ${holder} is still counted`);
      this.counted.set(key, index);
      this.commitmentOfLeaf[index] = key;
      this.state[index] = COUNTED;
      this.confirmed += 1;
      if (key === this.watchKey) this.appearances.push({ leafIndex: index });
      return;
    }

    const target = event.revokes;
    if (target >= index) return this.problem(index, 'revokes-unknown-leaf', `leaf ${target} is not earlier in the log`);
    if (this.state[target] === REVOKED) return this.problem(index, 'double-revocation', `leaf ${target} was already revoked`);
    if (this.state[target] !== COUNTED) return this.problem(index, 'revokes-revocation', `leaf ${target} is not a counted confirmation`);
    this.state[target] = REVOKED;
    this.revoked += 1;
    const key = this.commitmentOfLeaf[target]!;
    this.counted.delete(key);
    this.commitmentOfLeaf[target] = undefined;
    const appearance = this.appearances.find((a) => a.leafIndex === target);
    if (appearance) {
      appearance.revokedBy = index;
      appearance.reason = event.reason;
    }
  }

  result(): TallyResult {
    return {
      size: this.size,
      confirmed: this.confirmed,
      revoked: this.revoked,
      count: this.confirmed - this.revoked,
      problems: [...this.problems],
      problemCount: this.problemCount,
      watched: this.appearances.map((a) => ({ ...a })),
    };
  }

  private problem(index: number, code: TallyProblemCode, message: string): void {
    this.problemCount += 1;
    if (this.problems.length < MAX_REPORTED_PROBLEMS) this.problems.push({ index, code, message });
  }
}

export function tallyLeaves(leaves: Iterable<Uint8Array>, origin: string, watch?: Buffer): TallyResult {
  const tally = new LogTally(origin, watch);
  for (const leaf of leaves) tally.add(leaf);
  return tally.result();
}
