import { z } from '../../platform/http/zod';

export const ROLES = ['viewer', 'editor', 'owner'] as const;
export const roleSchema = z.enum(ROLES).openapi({ description: 'viewer < editor < owner' });
export type Role = z.infer<typeof roleSchema>;

const email = z.string().trim().toLowerCase().pipe(z.email().max(254));

export const loginRequest = z
  .object({
    email: z.string().max(254),
    password: z.string().max(1024),
  })
  .strict()
  .openapi('AdminLogin');

export const sessionAnswer = z
  .object({
    email: z.string().nullable().openapi({ description: 'Null for the bootstrap ADMIN_API_TOKEN' }),
    role: roleSchema,
    via: z.enum(['session', 'token']),
    csrfToken: z.string().optional().openapi({ description: 'Send it as X-CSRF-Token with every cookie-authenticated write' }),
  })
  .openapi('AdminSession');

/**
 * What a token may do outside the admin API (the OSDI API, src/modules/osdi): `osdi:read` reads
 * petitions and signatures without personal data, `osdi:people` adds people (names, addresses;
 * each read audited, and only for an account that may export), `osdi:write` records signatures
 * through the helpers (the same path as the public form).
 */
export const TOKEN_SCOPES = ['osdi:read', 'osdi:people', 'osdi:write'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

export const tokenCreateRequest = z
  .object({
    name: z.string().trim().min(1).max(100),
    role: roleSchema,
    scopes: z
      .array(z.enum(TOKEN_SCOPES, { error: `must be one of: ${TOKEN_SCOPES.join(', ')}` }))
      .max(TOKEN_SCOPES.length)
      .default([])
      .transform((scopes) => [...new Set(scopes)]),
  })
  .strict();
export const tokenSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    role: roleSchema,
    scopes: z.array(z.enum(TOKEN_SCOPES)),
    account: z.string(),
    createdAt: z.date(),
    lastUsedAt: z.date().nullable(),
    revokedAt: z.date().nullable(),
  })
  .openapi('ApiToken');
export const tokenCreatedSchema = tokenSchema.extend({ token: z.string().openapi({ description: 'Shown once; only its SHA-256 is stored' }) });
export const tokenListSchema = z.object({ tokens: z.array(tokenSchema) });

export const accountCreateRequest = z.object({ email, role: roleSchema }).strict();
export const accountPatchRequest = z
  .object({
    role: roleSchema.optional(),
    disabled: z.boolean().optional(),
    canExport: z.boolean().nullable().optional().openapi({
      description: "May export personal data (signatures.csv, letters.csv, the manifest); null: the role's default (editors and owners yes, viewers no)",
    }),
  })
  .strict()
  .refine((p) => p.role !== undefined || p.disabled !== undefined || p.canExport !== undefined, { message: 'Change role, disabled or canExport' });
export const accountSchema = z
  .object({
    id: z.uuid(),
    email: z.string(),
    role: roleSchema,
    canExport: z.boolean(),
    createdAt: z.date(),
    disabled: z.boolean(),
    locked: z.boolean(),
  })
  .openapi('AdminAccount');
export const accountCreatedSchema = accountSchema.extend({ password: z.string().openapi({ description: 'Generated; shown once' }) });
export const accountListSchema = z.object({ accounts: z.array(accountSchema) });

export const idParams = z.object({ id: z.uuid() });
export const emailSchema = email;

export const auditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z
    .string()
    .regex(/^\d{1,19}$/)
    .optional()
    .openapi({ description: "An event id: answer older events (the previous page's nextBefore)" }),
});
export const auditEventSchema = z
  .object({
    id: z.string(),
    at: z.date(),
    actorAccountId: z.string().nullable(),
    actorTokenId: z.string().nullable(),
    actor: z
      .enum(['session', 'api-token', 'bootstrap-token', 'cli'])
      .nullable()
      .openapi({ description: 'How the actor came in; bootstrap-token is ADMIN_API_TOKEN; null: the system (e.g. a lock after failed logins)' }),
    action: z.string(),
    subject: z.string().nullable(),
    details: z.unknown(),
  })
  .openapi('AuditEvent');
export const auditPageSchema = z.object({ events: z.array(auditEventSchema), nextBefore: z.string().nullable() });
