import type { Platform } from '../../../platform/context';
import type { Db, DbClient } from '../../../platform/db';
import { AppError } from '../../../platform/errors';
import { isLocale } from '../../../platform/i18n';
import { sql, sqlRow, sqlRows } from '../../../platform/sql-rows';
import { z } from 'zod';
import { auditedWrite, staffContext, type UseCaseContext } from '../../admin';
import { enqueueDeliveries } from './queueing';
import { sweepSuffix } from './sweeper';

/**
 * List-Unsubscribe on letters to delegations (RFC 8058). A mission's mail administrator who
 * presses it does not stop the letters (supporters wrote them; they are the campaign), they get
 * them as one daily digest for that campaign instead: a row in `target_digest_overrides`, which
 * delivery honours (letters.service `enqueueDeliveries`, delivery.ts) and an admin can delete.
 * The link's token names the campaign and the delegation, is signed like the supporters'
 * unsubscribe token and lasts as long as a message sits in a mailbox.
 */
export const DIGEST_TOKEN_PURPOSE = 'delegation-digest';
const LINK_TTL_MS = 400 * 24 * 3600 * 1000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const OVERRIDE_REASON = 'list-unsubscribe';

export interface OverrideIds {
  campaignId: string;
  targetId: string;
}

export function delegationUnsubscribeUrl(platform: Platform, ids: OverrideIds, campaignLanguage: string, now = new Date()): string {
  const token = platform.tokens.sign(DIGEST_TOKEN_PURPOSE, `${ids.campaignId}_${ids.targetId}`, new Date(now.getTime() + LINK_TTL_MS));
  // The page speaks the campaign's language when Clarion has it, English otherwise.
  return `${platform.config.PUBLIC_BASE_URL}/delegations/digest/${token}?lang=${isLocale(campaignLanguage) ? campaignLanguage : 'en'}`;
}

export function readDigestToken(platform: Platform, token: string): OverrideIds {
  const verified = platform.tokens.verify(DIGEST_TOKEN_PURPOSE, token);
  const [campaignId, targetId, ...rest] = verified.ok ? verified.payload.split('_') : [];
  if (!verified.ok || rest.length || !campaignId || !targetId || !UUID.test(campaignId) || !UUID.test(targetId)) {
    throw new AppError(verified.ok || verified.reason === 'invalid' ? 'token_invalid' : 'token_expired', { key: 'problems.detail.linkNotValid' });
  }
  return { campaignId, targetId };
}

const StateRow = z.object({ title: sql.text.nullable(), mission: sql.text.nullable(), digest: sql.bool }).strict();

export interface OverrideState {
  campaignTitle: string | null;
  delegation: string | null;
  digest: boolean;
}

export async function overrideState(db: DbClient, ids: OverrideIds): Promise<OverrideState> {
  const row = await sqlRow(db, StateRow)`
    SELECT (SELECT title FROM campaigns WHERE id = ${ids.campaignId}::uuid) AS title,
           (SELECT mission_name FROM targets WHERE id = ${ids.targetId}::uuid) AS mission,
           EXISTS (SELECT 1 FROM target_digest_overrides WHERE campaign_id = ${ids.campaignId}::uuid AND target_id = ${ids.targetId}::uuid) AS digest`;
  return { campaignTitle: row?.title ?? null, delegation: row?.mission ?? null, digest: row?.digest ?? false };
}

/**
 * The one-click action: idempotent (a second press records nothing more). Letters already queued
 * keep their jobs; each job finds the override and hands its letter to the digest (delivery.ts).
 * Returns false when the campaign or the delegation no longer exists.
 */
export async function switchToDigest(db: Db, ids: OverrideIds, via: 'one_click' | 'page'): Promise<boolean> {
  // Done for the mission's mail administrator, through the button in a letter: no staff actor.
  return auditedWrite(staffContext({ db }, null), 'targets.digest_override.create', async (tx) => {
    const inserted = await sqlRows(tx, z.strictObject({ iso2: sql.text, slug: sql.text }))`
      WITH added AS (
        INSERT INTO target_digest_overrides (campaign_id, target_id, reason)
        SELECT c.id, t.id, ${OVERRIDE_REASON} FROM campaigns c, targets t WHERE c.id = ${ids.campaignId}::uuid AND t.id = ${ids.targetId}::uuid
        ON CONFLICT (campaign_id, target_id) DO NOTHING
        RETURNING campaign_id, target_id
      )
      SELECT t.iso2, c.slug FROM added a JOIN targets t ON t.id = a.target_id JOIN campaigns c ON c.id = a.campaign_id`;
    const [added] = inserted;
    const exists = await sqlRows(tx, z.strictObject({ n: z.number() }))`
      SELECT 1 AS n FROM target_digest_overrides WHERE campaign_id = ${ids.campaignId}::uuid AND target_id = ${ids.targetId}::uuid`;
    const result = exists.length > 0;
    // A second press changes nothing and records nothing.
    return added ? { result, subject: added.iso2, details: { campaign: added.slug, reason: OVERRIDE_REASON, via } } : { result, audit: false as const };
  });
}

/**
 * An admin's reversal: the campaign's letters to the delegation go out one by one again (or in
 * the campaign's own digest mode). Letters waiting for the override's digest get their own jobs
 * in the same transaction; the digest job, if it still runs, claims only what is left, and a
 * letter is sent by whichever claims it first, once.
 */
export async function restoreIndividualLetters(ctx: UseCaseContext, slug: string, iso2: string): Promise<{ requeued: number }> {
  return auditedWrite(ctx, 'targets.digest_override.delete', async (tx) => {
    const [deleted] = await sqlRows(tx, z.strictObject({ campaign_id: sql.text, target_id: sql.text }))`
      DELETE FROM target_digest_overrides o USING campaigns c, targets t
      WHERE o.campaign_id = c.id AND o.target_id = t.id AND c.slug = ${slug} AND t.iso2 = ${iso2}
      RETURNING o.campaign_id::text, o.target_id::text`;
    if (!deleted) throw new AppError('not_found', { key: 'staff.noDigestOverride', params: { slug, iso2 } });
    const now = new Date();
    // queued_at names the new job (see sweeper.ts), so the sweeper sees it as alive.
    const waiting = await sqlRows(tx, z.strictObject({ id: sql.text }))`
      UPDATE letters SET queued_at = ${now}
      WHERE campaign_id = ${deleted.campaign_id}::uuid AND target_id = ${deleted.target_id}::uuid AND status = 'queued'
      RETURNING id::text`;
    await enqueueDeliveries(
      tx,
      waiting.map((l) => ({ id: l.id, campaignId: deleted.campaign_id, targetId: deleted.target_id })),
      new Map(waiting.map((l) => [l.id, sweepSuffix(now)])),
    );
    return { result: { requeued: waiting.length }, subject: iso2, details: { campaign: slug, requeued: waiting.length } };
  });
}
