import { z } from '../../platform/http/zod';
import { DOMAIN_EVENTS } from '../../platform/domain-events';
import { urlRefusal } from './url-safety';

export const eventTypeSchema = z.enum(DOMAIN_EVENTS);

/** The body of `POST /api/admin/webhooks`. The URL rules depend on the deployment's allowlist (tests only). */
export function endpointCreateRequest(allowPrivateHosts: ReadonlySet<string>) {
  return z
    .object({
      url: z
        .string()
        .max(2048)
        .superRefine((url, ctx) => {
          const refusal = urlRefusal(url, allowPrivateHosts);
          if (refusal) ctx.addIssue({ code: 'custom', message: refusal });
        })
        .openapi({ description: 'https only; no private, loopback or link-local addresses', example: 'https://crm.example.org/hooks/clarion' }),
      events: z
        .array(eventTypeSchema)
        .min(1)
        .max(DOMAIN_EVENTS.length)
        .refine((events) => new Set(events).size === events.length, 'each event type once'),
      personalData: z.boolean().openapi({ description: 'Whether bodies may carry names, emails and cities; otherwise identifiers only' }),
    })
    .strict();
}

export const endpointSchema = z
  .object({
    id: z.uuid(),
    url: z.string(),
    events: z.array(eventTypeSchema),
    personalData: z.boolean(),
    createdAt: z.string(),
    consecutiveFailures: z.number().int(),
    failingSince: z.string().nullable(),
    lastSuccessAt: z.string().nullable(),
    disabledAt: z.string().nullable(),
    disabledReason: z.enum(['owner', 'failing']).nullable(),
  })
  .openapi('WebhookEndpoint');

export const endpointCreatedSchema = endpointSchema.extend({
  secret: z.string().openapi({ description: "Standard Webhooks' whsec_… signing secret; shown once", example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }),
});
export const endpointListSchema = z.object({ endpoints: z.array(endpointSchema) });

export const endpointPatchRequest = z.object({ disabled: z.boolean() }).strict();

export const deliveriesQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }).strict();

export const deliverySchema = z.object({
  id: z.uuid(),
  event: z.object({ id: z.uuid().openapi({ description: 'Also the webhook-id header' }), type: z.string(), occurredAt: z.string() }),
  status: z.enum(['pending', 'delivered', 'failed', 'skipped']),
  attempts: z.number().int(),
  replays: z.number().int(),
  lastStatusCode: z.number().int().nullable(),
  lastAttemptAt: z.string().nullable(),
  deliveredAt: z.string().nullable(),
  attemptLog: z.array(
    z.object({ attemptedAt: z.string(), statusCode: z.number().int().nullable(), error: z.string().nullable(), durationMs: z.number().int() }),
  ),
});
export const deliveryListSchema = z.object({ deliveries: z.array(deliverySchema) });

export const replayRangeRequest = z
  .object({ from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }) })
  .strict()
  .refine((r) => new Date(r.from) < new Date(r.to), { message: 'from must be before to', path: ['from'] });
export const replayAnswer = z.object({ replayed: z.number().int() });

export const endpointParams = z.object({ id: z.uuid() });
export const deliveryParams = z.object({ id: z.uuid(), deliveryId: z.uuid() });
