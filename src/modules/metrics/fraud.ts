import { audit, type AdminPrincipal } from '../admin';
import { adjustCounters, adjustRollups } from '../campaigns';
import type { Db } from '../../platform/db';
import * as repo from './metrics.repository';
import type { ChangedSignature, SignatureCondition } from './metrics.repository';
import type { InvalidationBody, RestoreBody } from './metrics.schemas';
import { campaignBySlug } from './metrics.service';

/**
 * Fraud clean-up. Invalidated signatures stay recorded (who, when, why, and the status to return
 * to) but leave the counts and the default export. Counters and rollups move in the same
 * transaction as each batch of signatures, so they stay exact whatever fails half-way.
 *
 * Rollups keep `signed` as every signature ever made in that hour, country or source; invalidating moves
 * `invalidated` up and, for a confirmed signature, `confirmed` down. So `signed − invalidated` is
 * what counts and `confirmed` is always the signatures confirmed now; a restore is the mirror.
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

export async function invalidateSignatures(db: Db, slug: string, body: InvalidationBody, actor: AdminPrincipal) {
  const campaign = await campaignBySlug(db, slug);
  const condition = toCondition(campaign.id, body);
  const by = actor.email ?? (actor.tokenId ? `token ${actor.tokenId}` : 'bootstrap token');
  // The condition names a source hash or a domain, never a supporter. One audit row per batch, in
  // the batch's transaction: a batch that committed is always on record.
  return inBatches(db, (tx) => repo.invalidateBatch(tx, condition, by, body.reason, BATCH), campaign.id, -1,
    (tx, changed, batch) => audit(tx, actor, 'signatures.invalidate', slug, { ...body, changed, batch }));
}

export async function restoreSignatures(db: Db, slug: string, body: RestoreBody, actor: AdminPrincipal) {
  const campaign = await campaignBySlug(db, slug);
  const condition = toCondition(campaign.id, body);
  return inBatches(db, (tx) => repo.restoreBatch(tx, condition, body.reason, BATCH), campaign.id, +1,
    (tx, changed, batch) => audit(tx, actor, 'signatures.restore', slug, { ...body, changed, batch }));
}

function toCondition(campaignId: string, body: { ipHash?: string | undefined; emailDomain?: string | undefined; from?: string | undefined; to?: string | undefined }): SignatureCondition {
  return {
    campaignId,
    ipHash: body.ipHash ? Buffer.from(body.ipHash, 'hex') : undefined,
    emailDomain: body.emailDomain,
    from: body.from ? new Date(body.from) : undefined,
    to: body.to ? new Date(body.to) : undefined,
  };
}

type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

/** `direction` −1: signatures leave the counts (invalidate); +1: they come back (restore). */
async function inBatches(db: Db, change: (tx: Tx) => Promise<ChangedSignature[]>, campaignId: string, direction: -1 | 1,
  auditBatch: (tx: Tx, changed: number, batch: number) => Promise<void>) {
  const result = { changed: 0, byPreviousStatus: { confirmed: 0, pending: 0 } };
  for (let batch = 1; ; batch++) {
    const rows = await db.$transaction(async (tx) => {
      const changed = await change(tx);
      await moveCounts(tx, campaignId, changed, direction);
      // The first batch is audited even when it changed nothing: the request itself is on record.
      if (changed.length > 0 || batch === 1) await auditBatch(tx, changed.length, batch);
      return changed;
    }, { timeout: 30_000 });
    result.changed += rows.length;
    for (const row of rows) result.byPreviousStatus[row.counted_as] += 1;
    if (rows.length < BATCH) return result;
  }
}

async function moveCounts(tx: Tx, campaignId: string, rows: ChangedSignature[], direction: -1 | 1): Promise<void> {
  if (rows.length === 0) return;
  const pending = rows.filter((r) => r.counted_as === 'pending').length;
  const confirmed = rows.length - pending;
  await adjustCounters(tx, campaignId, { pending: direction * pending, confirmed: direction * confirmed, invalidated: -direction * rows.length });
  // One rollup change per hour, country and source, not per signature, and all of them in one statement.
  const groups = new Map<string, { row: ChangedSignature; invalidated: number; confirmed: number }>();
  for (const row of rows) {
    const hour = Math.floor(row.created_at.getTime() / 3_600_000);
    const key = JSON.stringify([hour, row.country, row.source, row.utm_source, row.utm_medium, row.utm_campaign]);
    const group = groups.get(key) ?? { row, invalidated: 0, confirmed: 0 };
    group.invalidated += 1;
    if (row.counted_as === 'confirmed') group.confirmed += 1;
    groups.set(key, group);
  }
  await adjustRollups(tx, [...groups.values()].map(({ row, invalidated, confirmed: confirmedInGroup }) => ({
    key: {
      campaignId, signedAt: row.created_at, country: row.country, source: row.source,
      utmSource: row.utm_source, utmMedium: row.utm_medium, utmCampaign: row.utm_campaign,
    },
    delta: { invalidated: -direction * invalidated, confirmed: direction * confirmedInGroup },
  })));
}
