import { auditIn, type StaffUseCase } from '../admin';
import { invalidateMatching, restoreMatching, type LedgerSignature, type SignatureCondition } from '../supporters';
import type { Db } from '../../platform/db';
import * as repo from './metrics.repository';
import type { InvalidationBody, RestoreBody } from './metrics.schemas';
import { campaignBySlug } from './metrics.service';

/**
 * Fraud clean-up. Invalidated signatures stay recorded (who, when, why, and the status to return
 * to) but leave the counts and the default export. The changes and the counts they move are the
 * supporters' ledger's (`invalidateMatching`, `restoreMatching`): this module writes nothing itself.
 * Each batch is one transaction, so counts stay exact whatever fails half-way.
 */
const BATCH = 500;

export async function signingSources(db: Db, slug: string, windowMs: number, window: string) {
  const campaign = await campaignBySlug(db, slug);
  const since = new Date(Date.now() - windowMs);
  const [byIp, byDomain] = await Promise.all([repo.busiestIpHashes(db, campaign.id, since), repo.busiestEmailDomains(db, campaign.id, since)]);
  return {
    window,
    since: since.toISOString(),
    byIpHash: byIp.map((r) => ({ ipHash: r.ip_hash, signatures: r.signatures, invalidated: r.invalidated })),
    byEmailDomain: byDomain.map((r) => ({ emailDomain: r.email_domain, signatures: r.signatures, invalidated: r.invalidated })),
  };
}

export async function invalidateSignatures(ctx: StaffUseCase, slug: string, body: InvalidationBody) {
  const { db } = ctx.platform;
  const campaign = await campaignBySlug(db, slug);
  const condition = toCondition(campaign.id, body);
  const { actor } = ctx;
  const by = actor.email ?? (actor.tokenId ? `token ${actor.tokenId}` : 'bootstrap token');
  // The condition names a source hash or a domain, never a supporter. One audit row per batch, in
  // the batch's transaction: a batch that committed is always on record.
  return inBatches(
    db,
    async (tx) => (await invalidateMatching(tx, condition, by, body.reason, BATCH)).map((s) => countedAs(s.from)),
    (tx, changed, batch) => auditIn(tx, ctx, 'signatures.invalidate', { subject: slug, details: { ...body, changed, batch } }),
  );
}

export async function restoreSignatures(ctx: StaffUseCase, slug: string, body: RestoreBody) {
  const { db } = ctx.platform;
  const campaign = await campaignBySlug(db, slug);
  const condition = toCondition(campaign.id, body);
  return inBatches(
    db,
    async (tx) => (await restoreMatching(tx, condition, body.reason, BATCH)).map((s) => countedAs(s.to)),
    (tx, changed, batch) => auditIn(tx, ctx, 'signatures.restore', { subject: slug, details: { ...body, changed, batch } }),
  );
}

function toCondition(
  campaignId: string,
  body: { ipHash?: string | undefined; emailDomain?: string | undefined; from?: string | undefined; to?: string | undefined },
): SignatureCondition {
  return {
    campaignId,
    ipHash: body.ipHash ? Buffer.from(body.ipHash, 'hex') : undefined,
    emailDomain: body.emailDomain,
    from: body.from ? new Date(body.from) : undefined,
    to: body.to ? new Date(body.to) : undefined,
  };
}

type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];
type CountedAs = 'pending' | 'confirmed';

/** The status a signature counted as: before an invalidation, or after a restore. */
function countedAs(standing: LedgerSignature['from']): CountedAs {
  if (standing !== 'pending' && standing !== 'confirmed') throw new Error(`A fraud change cannot count a signature as ${standing}.`);
  return standing;
}

async function inBatches(db: Db, change: (tx: Tx) => Promise<CountedAs[]>, auditBatch: (tx: Tx, changed: number, batch: number) => Promise<unknown>) {
  const result = { changed: 0, byPreviousStatus: { confirmed: 0, pending: 0 } };
  for (let batch = 1; ; batch++) {
    const rows = await db.$transaction(
      async (tx) => {
        const changed = await change(tx);
        // The first batch is audited even when it changed nothing: the request itself is on record.
        if (changed.length > 0 || batch === 1) await auditBatch(tx, changed.length, batch);
        return changed;
      },
      { timeout: 30_000 },
    );
    result.changed += rows.length;
    for (const status of rows) result.byPreviousStatus[status] += 1;
    if (rows.length < BATCH) return result;
  }
}
