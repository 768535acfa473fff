import type { Platform } from '../../platform/context';
import type { DbClient } from '../../platform/db';
import { domainEvent, recordDomainEvents } from '../../platform/domain-events';
import { AppError } from '../../platform/errors';
import { isLocale, type Locale } from '../../platform/i18n';
import { auditedWrite, type StaffUseCase, type UseCaseContext } from '../admin';
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
export async function requestErasure(ctx: UseCaseContext<Platform>, email: string): Promise<void> {
  await recordAddressRequest(ctx.platform, 'erasure', email, null, ctx.locale);
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

/** The supporter's own link: their mailbox proved who they are, so no audit row names an actor. */
export async function eraseByToken(ctx: UseCaseContext<Platform>, token: string): Promise<ErasureResult> {
  return eraseSupporter(ctx.platform, supporterForToken(ctx.platform, token));
}

/** Staff erase on a request that reached them another way (a letter, a call) and was verified there. */
export async function eraseByEmail(ctx: StaffUseCase<Platform>, email: string): Promise<ErasureResult> {
  const supporter = await repo.findSupporterByEmailHash(ctx.platform.db, emailLookupHash(ctx.platform, canonicalEmail(email)));
  // The audit says that an erasure happened and how much it removed, never whose.
  return auditedWrite(ctx, 'supporters.erase', async (tx) => {
    const result = supporter ? await eraseIn(tx, supporter.id) : { erased: false, signatures: 0, letters: 0 };
    return { result, subject: null, details: { ...result } };
  });
}

export async function eraseSupporter(platform: Pick<Platform, 'db'>, supporterId: string): Promise<ErasureResult> {
  return platform.db.$transaction((tx) => eraseIn(tx, supporterId));
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
