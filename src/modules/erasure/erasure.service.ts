import type { Platform } from '../../platform/context';
import type { DbClient } from '../../platform/db';
import { domainEvent, recordDomainEvents } from '../../platform/domain-events';
import { AppError } from '../../platform/errors';
import { isLocale, type Locale } from '../../platform/i18n';
import { audit, type AdminPrincipal } from '../admin';
import { applyTransition, canonicalEmail, emailLookupHash, lockPersonalDataForErasure, recordAddressRequest } from '../supporters';
import * as repo from './erasure.repository';

/**
 * Erasure, on the supporter's own request. Asking by address alone must not let anyone erase
 * someone else, so the request only mails a link to that address; the link, used, erases. The
 * answer to a request is the same whether or not the address is known.
 *
 * Erasing deletes the supporter and everything hanging from them (signatures, signing attempts,
 * letters, sealed name, email, city, comment, paragraphs). The counts forget their signatures in
 * the same transaction, so totals and rollups stay exact. Letters already delivered are with
 * their recipients and cannot be recalled; our copy goes.
 */
export const ERASURE_TOKEN_PURPOSE = 'erase-supporter';
const ERASURE_LINK_TTL_MS = 7 * 24 * 3600 * 1000;
/**
 * Asking by address: the same answer and the same work whatever the address (the lookup happens in
 * a job, see supporters' address requests), so neither the answer nor its time tells who is known.
 */
export async function requestErasure(platform: Platform, email: string, locale: Locale): Promise<void> {
  await recordAddressRequest(platform, 'erasure', email, null, locale);
}

export function erasureLink(platform: Platform, supporterId: string, locale: Locale, now = new Date()): string {
  const token = platform.tokens.sign(ERASURE_TOKEN_PURPOSE, supporterId, new Date(now.getTime() + ERASURE_LINK_TTL_MS));
  return `${platform.config.PUBLIC_BASE_URL}/erase/${token}?lang=${locale}`;
}

/** The supporter a link names; a link whose supporter is already gone is still a good link. */
export function supporterForToken(platform: Platform, token: string): string {
  const verified = platform.tokens.verify(ERASURE_TOKEN_PURPOSE, token);
  if (!verified.ok) {
    throw verified.reason === 'expired'
      ? new AppError('token_expired', { key: 'problems.detail.erasureLinkExpired' })
      : new AppError('token_invalid', { key: 'problems.detail.erasureLinkInvalid' });
  }
  return verified.payload;
}

export interface ErasureResult {
  erased: boolean;
  signatures: number;
  letters: number;
}

export async function eraseByToken(platform: Platform, token: string): Promise<ErasureResult> {
  return eraseSupporter(platform, supporterForToken(platform, token));
}

/** Staff erase on a request that reached them another way (a letter, a call) and was verified there. */
export async function eraseByEmail(platform: Platform, email: string, actor: AdminPrincipal): Promise<ErasureResult> {
  const supporter = await repo.findSupporterByEmailHash(platform.db, emailLookupHash(platform, canonicalEmail(email)));
  // The audit says that an erasure happened and how much it removed, never whose. It is written in
  // the erasure's transaction: neither commits without the other.
  const record = (tx: DbClient, result: ErasureResult) => audit(tx, actor, 'supporters.erase', null, { ...result });
  if (!supporter) {
    const result = { erased: false, signatures: 0, letters: 0 };
    await record(platform.db, result);
    return result;
  }
  return eraseSupporter(platform, supporter.id, record);
}

/** `alsoInTransaction` runs in the erasure's transaction with its result (staff erasure's audit row). */
export async function eraseSupporter(
  platform: Platform,
  supporterId: string,
  alsoInTransaction?: (tx: DbClient, result: ErasureResult) => Promise<void>,
): Promise<ErasureResult> {
  return platform.db.$transaction(async (tx) => {
    const result = await eraseIn(tx, supporterId);
    if (alsoInTransaction) await alsoInTransaction(tx, result);
    return result;
  });
}

async function eraseIn(tx: DbClient, supporterId: string): Promise<ErasureResult> {
  const { supporters, signatures, letters } = await eraseSupportersIn(tx, [supporterId]);
  return supporters === 0 ? { erased: false, signatures: 0, letters: 0 } : { erased: true, signatures, letters };
}

export interface BatchErasureResult {
  supporters: number;
  signatures: number;
  letters: number;
}

/**
 * Erases these supporters in the caller's transaction: the counts forget their signatures, then
 * the supporters go with everything hanging from them (signatures, signing attempts, approvals,
 * letters, withdrawals, mailing rows) and the address requests under their lookup hash, and a
 * `supporter.erased` domain event is recorded for each (webhooks). Retention
 * calls it for supporters it has left without signatures; batched so it can take hundreds at once.
 */
export async function eraseSupportersIn(tx: DbClient, supporterIds: readonly string[]): Promise<BatchErasureResult> {
  if (supporterIds.length === 0) return { supporters: 0, signatures: 0, letters: 0 };
  // Webhook requests already carrying their data end first (supporters/personal-data-lock.ts).
  await lockPersonalDataForErasure(tx, supporterIds);
  const signatures = await repo.lockSignaturesOfMany(tx, supporterIds);
  await applyTransition(tx, signatures, 'erase');
  const { supporters, letters, deletedIds } = await repo.deleteSupporters(tx, supporterIds);
  // Webhook endpoints hear of it (a CRM erases its copy too); the event names the id only.
  await recordDomainEvents(
    tx,
    deletedIds.map((id) => domainEvent('supporter.erased', id, { supporterId: id })),
  );
  return { supporters, signatures: signatures.length, letters };
}

export function localeOrDefault(value: unknown, fallback: Locale): Locale {
  return isLocale(value) ? value : fallback;
}
