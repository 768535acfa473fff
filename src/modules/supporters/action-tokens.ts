import type { Platform } from '../../platform/context';
import { AppError, fieldError } from '../../platform/errors';
import { open, SEALED } from './personal-data';
import * as supporters from './supporters.repository';

/**
 * Action tokens let a page go on to write letters. There are two kinds, and the difference is the
 * whole of Clarion's promise that nothing is done in a supporter's name that they did not approve:
 *
 * - A signing's token goes to whoever typed the address, who may not own it. It can prepare
 *   letters, never release them: each request is mailed to the address for approval. Everything
 *   it shows comes from what that same request typed, so it tells nothing about earlier signings.
 * - A verified token is minted on the page of an emailed link, the first time it is used, so its
 *   holder has shown they read that mailbox. Its letters go at once; it lasts an hour.
 */
export const ACTION_TOKEN_PURPOSE = 'signing-action';
const VERIFIED_ACTION_TOKEN_PURPOSE = 'signing-action-verified';
const ACTION_TOKEN_TTL_MS = 24 * 3600 * 1000;
const VERIFIED_ACTION_TOKEN_TTL_MS = 3600 * 1000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function actionTokenFor(platform: Platform, attemptId: string, now = new Date()): string {
  return platform.tokens.sign(ACTION_TOKEN_PURPOSE, attemptId, new Date(now.getTime() + ACTION_TOKEN_TTL_MS));
}

export function verifiedActionTokenFor(platform: Platform, attemptId: string, now = new Date()): string {
  return platform.tokens.sign(VERIFIED_ACTION_TOKEN_PURPOSE, attemptId, new Date(now.getTime() + VERIFIED_ACTION_TOKEN_TTL_MS));
}

export interface ActionContext {
  attemptId: string;
  campaign: { id: string; slug: string; title: string; status: string };
  /** Who the letters are from and who receives the approval email; null for a discarded signing. */
  supporterId: string | null;
  /** As the letters will be signed: what this signing typed (or, verified, what the supporter gave). */
  signer: { name: string; city: string | null; countryCode: string | null };
  /** Whether the holder has shown they read the mailbox (see above). */
  verified: boolean;
}

/**
 * What an action token allows. An unverified token is answered the same whatever the signature
 * behind it is (new, repeated, confirmed, invalidated, or none because the signing was discarded).
 */
export async function actionContext(platform: Platform, token: string): Promise<ActionContext> {
  const plain = platform.tokens.verify(ACTION_TOKEN_PURPOSE, token);
  const verifiedToken = plain.ok ? null : platform.tokens.verify(VERIFIED_ACTION_TOKEN_PURPOSE, token);
  const result = verifiedToken?.ok ? verifiedToken : plain;
  if (!result.ok) {
    const reason = verifiedToken && verifiedToken.ok === false && verifiedToken.reason === 'expired' ? 'expired' : plain.ok ? 'invalid' : plain.reason;
    throw new AppError(reason === 'expired' ? 'token_expired' : 'token_invalid', { key: 'problems.detail.actionTokenInvalid' }, [
      fieldError('actionToken', reason === 'expired' ? 'problems.message.hasExpired' : 'problems.message.isNotValid'),
    ]);
  }
  const attempt = UUID.test(result.payload) ? await supporters.findAttempt(platform.db, result.payload) : null;
  // A token is signed by us, so its attempt existed; it is gone only if the supporter was erased.
  if (!attempt) throw new AppError('token_invalid', { key: 'problems.detail.actionTokenInvalid' }, [fieldError('actionToken', 'problems.message.isNotValid')]);
  const verified = verifiedToken?.ok === true && attempt.signature !== null;
  const { signature } = attempt;
  const typedName = attempt.nameEncrypted;
  const signer = typedName
    ? {
        name: open(platform, typedName, SEALED.attemptName, attempt.id),
        city: attempt.cityEncrypted ? open(platform, attempt.cityEncrypted, SEALED.attemptCity, attempt.id) : null,
        countryCode: attempt.country,
      }
    : verified && signature
      ? // A link's own attempt (a resent link) typed nothing: its mailbox owner sees what they gave.
        {
          name: open(platform, signature.supporter.nameEncrypted, SEALED.supporterName, signature.supporterId),
          city: signature.cityEncrypted ? open(platform, signature.cityEncrypted, SEALED.signatureCity, signature.id) : null,
          countryCode: signature.country,
        }
      : { name: '', city: null, countryCode: null };
  return {
    attemptId: attempt.id,
    campaign: attempt.campaign,
    supporterId: signature?.supporterId ?? null,
    signer,
    verified,
  };
}
