import { randomBytes } from 'node:crypto';
import type { SealedColumnRef } from '../../platform/crypto';

/**
 * An endpoint's signing secret: 24 random bytes in Standard Webhooks' `whsec_<base64>` form. It is
 * shown once, at creation; stored sealed (AES-GCM, bound to the endpoint's row) because signing
 * needs it in clear.
 */
export const SECRET_COLUMN: SealedColumnRef = { table: 'webhook_endpoints', column: 'secret_encrypted', purpose: 'webhook.secret' };

export function newSigningSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}
