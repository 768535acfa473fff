import type { Platform } from '../../platform/context';
import { keyedHash, type SealedColumnRef } from '../../platform/crypto';

/**
 * The one place supporters' personal data is sealed, opened and hashed. Every sealed column is
 * here: each envelope is bound to its table, column and row id (and v1 envelopes to the purpose),
 * so a sealed name cannot be swapped in for an email, nor one supporter's address into another's row.
 */
export const SEALED = {
  supporterEmail: { table: 'supporters', column: 'email_encrypted', purpose: 'supporter.email' },
  supporterName: { table: 'supporters', column: 'name_encrypted', purpose: 'supporter.name' },
  signatureCity: { table: 'signatures', column: 'city_encrypted', purpose: 'signature.city' },
  signatureComment: { table: 'signatures', column: 'comment_encrypted', purpose: 'signature.comment' },
  letterParagraph: { table: 'letters', column: 'paragraph_encrypted', purpose: 'letter.paragraph' },
  attemptName: { table: 'signing_attempts', column: 'name_encrypted', purpose: 'supporter.name' },
  attemptCity: { table: 'signing_attempts', column: 'city_encrypted', purpose: 'signature.city' },
  /** Not personal data, but sealed the same way and re-sealed by the same rotation: a webhook endpoint's signing secret (webhooks module). */
  webhookSecret: { table: 'webhook_endpoints', column: 'secret_encrypted', purpose: 'webhook.secret' },
} as const satisfies Record<string, SealedColumnRef>;

export type SealedColumn = (typeof SEALED)[keyof typeof SEALED];

export function seal(platform: Pick<Platform, 'cipher'>, value: string, column: SealedColumn, rowId: string): string {
  return platform.cipher.seal(value, column, rowId);
}

export function open(platform: Pick<Platform, 'cipher'>, envelope: string, column: SealedColumn, rowId: string): string {
  return platform.cipher.open(envelope, column, rowId);
}

/** An envelope with where it was read from, for code that opens it later (a row may take a value from one of two tables). */
export interface SealedValue {
  envelope: string;
  column: SealedColumn;
  rowId: string;
}

export function openValue(platform: Pick<Platform, 'cipher'>, value: SealedValue): string {
  return platform.cipher.open(value.envelope, value.column, value.rowId);
}

export function emailLookupHash(platform: Pick<Platform, 'keys'>, canonicalEmail: string): Buffer {
  return keyedHash(platform.keys.emailLookup, canonicalEmail);
}
