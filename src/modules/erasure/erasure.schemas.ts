import { z } from '../../platform/http/zod';
import { signingRequest } from '../supporters';

/** The address whose data should be erased; normalised exactly as at signing, so it finds the same supporter. */
export const erasureRequest = z
  .object({
    email: signingRequest.shape.email,
    lang: z.string().max(8).optional().openapi({ description: 'Language of the email with the link (en, ru, kk)' }),
  })
  .strict()
  .openapi('ErasureRequest');

export const erasureAnswer = z.object({ message: z.string() }).openapi('ErasureAnswer');

export const erasureConfirmation = z
  .object({ token: z.string().min(1).max(300) })
  .strict()
  .openapi('ErasureConfirmation');

export const erasureResult = z
  .object({
    erased: z.boolean().openapi({ description: 'false when there was nothing left to erase (already erased)' }),
    signatures: z.number().int().openapi({ description: 'Signatures removed from every campaign' }),
    letters: z.number().int().openapi({ description: 'Letters removed (letters already delivered stay with their recipients)' }),
  })
  .openapi('ErasureResult');

export const adminErasureRequest = z.object({ email: signingRequest.shape.email }).strict().openapi('AdminErasureRequest');

export const erasureTokenParams = z.object({ token: z.string().min(1).max(300) });

export type ErasureRequest = z.infer<typeof erasureRequest>;
