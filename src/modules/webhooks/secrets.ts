import { randomBytes } from 'node:crypto';
import { SEALED } from '../supporters';

/**
 * An endpoint's signing secret: 24 random bytes in Standard Webhooks' `whsec_<base64>` form. It is
 * shown once, at creation; stored sealed (AES-GCM, bound to the endpoint's row) because signing
 * needs it in clear. Listed in supporters' SEALED, so `npm run keys:rotate` re-seals it with the rest.
 */
export const SECRET_COLUMN = SEALED.webhookSecret;

export function newSigningSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}
