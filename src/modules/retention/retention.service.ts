import { randomBytes, randomUUID } from 'node:crypto';
import type { Platform } from '../../platform/context';
import type { DbClient } from '../../platform/db';
import { auditIn, type UseCaseContext } from '../admin';
import { eraseSupportersIn } from '../erasure';
import { expireSignatures, sealPersonalData, SEALED } from '../supporters';
import * as repo from './retention.repository';

/**
 * Retention: what Clarion keeps about supporters, and for how long.
 *
 * - A signature never confirmed within UNCONFIRMED_RETENTION_DAYS is deleted through the ledger's
 *   `expire` (its count goes in the same transaction), on open campaigns too: nobody ever proved
 *   it was theirs. So is every pending signature on a campaign past its retention.
 * - On a closed campaign past its retention (`retention_days` after `closed_at`), every other
 *   signature is anonymised: it moves to a stand-in supporter of its own (random hash, envelopes
 *   of an empty string) and loses everything personal; its country, source, times and status
 *   stay, so counts and rollups do not move. A person who also signed a campaign still open keeps
 *   that signature and their address; nothing links them to the expired one any more.
 * - A person left without signatures is erased (erasure's own function, in the same transaction).
 *
 * Work goes in batches, one transaction each, so a large campaign never holds one long
 * transaction; a crash loses at most the batch in flight, and the next run continues. Every run
 * that changed something has one audit row, updated with the running totals in each batch's own
 * transaction (so the row always says what was committed); a run asked for by staff has its row
 * even when there was nothing to do.
 */

export const RETENTION_BATCH = 500;
const BATCH_TRANSACTION = { maxWait: 10_000, timeout: 60_000 };

export interface RetentionCounts {
  /** Signatures never confirmed, deleted (counts adjusted). */
  unconfirmedSignatures: number;
  /** Letters of those signatures, deleted with them. */
  unconfirmedLetters: number;
  /** Signatures on expired campaigns anonymised (counts unchanged). */
  signatures: number;
  /** Letters of those: paragraphs removed, or the letter deleted when it never went out. */
  letters: number;
  /** People erased because nothing of theirs was left to keep. */
  supportersErased: number;
  /** Signing attempts discarded as automated whose typed name and city were removed. */
  discardedAttempts: number;
}

export const zeroCounts = (): RetentionCounts => ({
  unconfirmedSignatures: 0,
  unconfirmedLetters: 0,
  signatures: 0,
  letters: 0,
  supportersErased: 0,
  discardedAttempts: 0,
});

export interface RetentionRun {
  run: string;
  counts: RetentionCounts;
  campaigns: Record<string, RetentionCounts>;
}

const cutoffOf = (platform: Platform, now: Date) => new Date(now.getTime() - platform.config.UNCONFIRMED_RETENTION_DAYS * 86_400_000);

/**
 * Runs retention now: the scheduled tick (`ctx.actor` null: Clarion itself) and
 * `POST /api/admin/retention/run` both come here.
 */
export async function runRetention(ctx: UseCaseContext<Platform>, now = new Date(), batch = RETENTION_BATCH): Promise<RetentionRun> {
  const { platform } = ctx;
  const result: RetentionRun = { run: randomUUID(), counts: zeroCounts(), campaigns: {} };
  const record = new RunRecord(ctx, result);
  const cutoff = cutoffOf(platform, now);
  const campaigns = await repo.campaigns(platform.db, now);
  const perCampaign = (slug: string) => (result.campaigns[slug] ??= zeroCounts());

  const inBatch = async (work: (tx: DbClient) => Promise<Partial<RetentionCounts> | null>): Promise<boolean> =>
    platform.db.$transaction(async (tx) => {
      await repo.takeRetentionLock(tx);
      const moved = await work(tx);
      if (!moved) return false;
      await record.add(tx, moved);
      return true;
    }, BATCH_TRANSACTION);

  for (const campaign of campaigns) {
    while (
      await inBatch(async (tx) => {
        const moved = await expireUnconfirmed(tx, campaign, cutoff, batch);
        if (moved) addTo(perCampaign(campaign.slug), moved);
        return moved;
      })
    );
  }
  for (const campaign of campaigns.filter((c) => c.expired)) {
    while (
      await inBatch(async (tx) => {
        const moved = await anonymiseBatch(platform, tx, campaign.id, batch, now);
        if (moved) addTo(perCampaign(campaign.slug), moved);
        return moved;
      })
    );
    while (
      await inBatch(async (tx) => {
        const discardedAttempts = await repo.scrubDiscardedAttempts(tx, campaign.id, batch);
        if (discardedAttempts > 0) addTo(perCampaign(campaign.slug), { discardedAttempts });
        return discardedAttempts > 0 ? { discardedAttempts } : null;
      })
    );
  }
  await platform.db.$transaction(async (tx) => {
    await repo.deleteOldMailQuota(tx);
    await record.finish(tx);
  });
  return result;
}

/** One batch of never-confirmed signatures of one campaign: deleted with their counts; people left with nothing are erased. */
async function expireUnconfirmed(tx: DbClient, campaign: repo.CampaignRef, cutoff: Date, limit: number): Promise<Partial<RetentionCounts> | null> {
  const rows = await repo.lockUnconfirmed(tx, campaign, cutoff, limit);
  if (rows.length === 0) return null;
  const owners = rows.map((r) => r.supporterId);
  await repo.lockSupporters(tx, owners);
  const unconfirmedLetters = await repo.countLettersOf(
    tx,
    rows.map((r) => r.id),
  );
  const expired = await expireSignatures(
    tx,
    rows.map((r) => r.id),
  );
  const erased = await erase(tx, await repo.withoutSignatures(tx, owners));
  return { unconfirmedSignatures: expired.length, unconfirmedLetters, supportersErased: erased.supporters };
}

/** One batch of an expired campaign's signatures: each to a stand-in of its own, scrubbed; people left with nothing are erased. */
async function anonymiseBatch(platform: Platform, tx: DbClient, campaignId: string, limit: number, now: Date): Promise<Partial<RetentionCounts> | null> {
  const rows = await repo.lockExpiredSignatures(tx, campaignId, limit);
  if (rows.length === 0) return null;
  const standIns = rows.map(() => standIn(platform));
  await repo.insertStandIns(tx, standIns, now);
  const moves = rows.map((r, i) => ({ signatureId: r.id, from: r.supporterId, to: standIns[i]!.id }));
  const { letters } = await repo.anonymiseSignatures(tx, campaignId, moves);
  const erased = await erase(
    tx,
    await repo.withoutSignatures(
      tx,
      rows.map((r) => r.supporterId),
    ),
  );
  return { signatures: rows.length, letters, supportersErased: erased.supporters };
}

/** People left with nothing to keep: erasure's own function, plus their anti-flood counters. */
async function erase(tx: DbClient, supporterIds: string[]) {
  await repo.deleteMailQuotaOf(tx, supporterIds);
  return eraseSupportersIn(tx, supporterIds);
}

/**
 * A supporter row that names nobody: a random lookup hash (no address hashes to it, so nothing
 * finds it, and it is unique like a real one) and genuine envelopes of an empty string bound to
 * its row, so key rotation re-seals them like any other.
 */
function standIn(platform: Platform): repo.StandIn {
  const id = randomUUID();
  return {
    id,
    emailHash: randomBytes(32),
    emailEncrypted: sealPersonalData(platform, '', SEALED.supporterEmail, id),
    nameEncrypted: sealPersonalData(platform, '', SEALED.supporterName, id),
  };
}

function addTo(into: RetentionCounts, add: Partial<RetentionCounts>): void {
  for (const key of Object.keys(add) as Array<keyof RetentionCounts>) into[key] += add[key] ?? 0;
}

/** The run's audit row: written by the first batch that changed something, then kept current by each batch in its own transaction. */
class RunRecord {
  private auditId: bigint | null = null;

  constructor(
    private readonly ctx: UseCaseContext,
    private readonly result: RetentionRun,
  ) {}

  async add(tx: DbClient, moved: Partial<RetentionCounts>): Promise<void> {
    const counts = { ...this.result.counts };
    addTo(counts, moved);
    await this.write(tx, counts, false);
    // Only once the batch's statements are through: a failed batch leaves the totals as committed.
    this.result.counts = counts;
  }

  async finish(tx: DbClient): Promise<void> {
    if (this.auditId !== null || !this.bySchedule) await this.write(tx, this.result.counts, true);
  }

  private get bySchedule(): boolean {
    return this.ctx.actor === null;
  }

  private async write(tx: DbClient, counts: RetentionCounts, finished: boolean): Promise<void> {
    const details = { run: this.result.run, trigger: this.bySchedule ? 'schedule' : 'admin', finished, ...counts };
    if (this.auditId === null) {
      this.auditId = await auditIn(tx, this.ctx, 'retention.run', { subject: null, details });
      return;
    }
    await tx.$executeRaw`UPDATE audit_events SET details = ${JSON.stringify(details)}::jsonb WHERE id = ${this.auditId}`;
  }
}

// --- the dry run ------------------------------------------------------------------------------

export interface RetentionPreview {
  unconfirmedRetentionDays: number;
  totals: RetentionCounts;
  campaigns: Array<{ slug: string; expired: boolean } & Omit<RetentionCounts, 'supportersErased'> & { supporters: number }>;
}

/** What a run now would do, per campaign, in counts only. */
export async function previewRetention(platform: Platform, now = new Date()): Promise<RetentionPreview> {
  const cutoff = cutoffOf(platform, now);
  const totals = zeroCounts();
  const campaigns: RetentionPreview['campaigns'] = [];
  for (const campaign of await repo.campaigns(platform.db, now)) {
    const p = await repo.previewCampaign(platform.db, campaign, cutoff);
    const counts = {
      unconfirmedSignatures: p.unconfirmedSignatures,
      unconfirmedLetters: p.unconfirmedLetters,
      signatures: p.signatures,
      letters: p.letters,
      discardedAttempts: p.discardedAttempts,
    };
    addTo(totals, counts);
    if (Object.values(counts).some((n) => n > 0) || campaign.expired)
      campaigns.push({ slug: campaign.slug, expired: campaign.expired, ...counts, supporters: p.supporters });
  }
  totals.supportersErased = await repo.previewErasedSupporters(platform.db, now, cutoff);
  return { unconfirmedRetentionDays: platform.config.UNCONFIRMED_RETENTION_DAYS, totals, campaigns };
}
