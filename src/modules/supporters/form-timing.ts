import type { Platform } from '../../platform/context';

/**
 * The HTML form carries a signed render time; a form sent back sooner than a person could fill it
 * is a bot's. Signed, so a bot cannot simply send an old time.
 */
export const MIN_FILL_MS = 3_000;
const PURPOSE = 'form-started';
const TOKEN_LIFETIME_MS = 24 * 3600 * 1000;

export function formStartedToken(platform: Pick<Platform, 'tokens'>, now = new Date()): string {
  return platform.tokens.sign(PURPOSE, now.getTime().toString(36), new Date(now.getTime() + TOKEN_LIFETIME_MS));
}

/** A forged token counts as too fast; an expired one is a person who left the page open a day. */
export function isFormFilledTooFast(platform: Pick<Platform, 'tokens'>, token: string, now = new Date()): boolean {
  const verified = platform.tokens.verify(PURPOSE, token, now);
  if (!verified.ok) return verified.reason === 'invalid';
  const startedAt = parseInt(verified.payload, 36);
  return !Number.isFinite(startedAt) || now.getTime() - startedAt < MIN_FILL_MS;
}
