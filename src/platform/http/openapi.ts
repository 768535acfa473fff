import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { completeOperations } from './openapi-contract';
import { z } from './zod';

/** Each feature describes its routes with the same zod schemas that validate them. */
export type ApiDescriber = (registry: OpenAPIRegistry) => void;

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    code: z.string().openapi({ description: 'Stable machine-readable error code.' }),
    errors: z
      .array(
        z.object({
          field: z.string(),
          message: z.string(),
          line: z.number().int().optional().openapi({ description: 'For errors in an uploaded file: the line (the header is line 1).' }),
        }),
      )
      .optional()
      .openapi({ description: 'One entry per invalid field.' }),
  })
  .openapi('Problem', { description: 'RFC 9457 problem details.' });

export function problemResponse(description: string) {
  return { description, content: { 'application/problem+json': { schema: problemSchema } } };
}

/** The admin API's security requirement; the scheme is declared once, in buildOpenApiDocument. */
export const ADMIN_SECURITY: Array<Record<string, string[]>> = [{ adminToken: [] }, { adminSession: [] }];

export function buildOpenApiDocument(describers: ApiDescriber[], serverUrl: string) {
  const registry = new OpenAPIRegistry();
  registry.register('Problem', problemSchema);
  registry.registerComponent('securitySchemes', 'adminToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API token (POST /api/admin/tokens), or the bootstrap ADMIN_API_TOKEN (owner role).',
  });
  registry.registerComponent('securitySchemes', 'adminSession', {
    type: 'apiKey',
    in: 'cookie',
    name: 'clarion_admin',
    description: 'The session cookie from POST /api/admin/session; writes also need X-CSRF-Token.',
  });
  registry.registerComponent('securitySchemes', 'metricsToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'METRICS_TOKEN, for Prometheus; /metrics needs it whenever it is configured (production refuses to run without one).',
  });
  for (const describe of describers) describe(registry);
  return completeOperations(
    new OpenApiGeneratorV31(registry.definitions).generateDocument({
      openapi: '3.1.0',
      info: {
        title: 'Clarion API',
        version: '0.1.0',
        description: 'Petitions with double opt-in and letters to UN delegations. Every error is application/problem+json.',
        license: { name: 'AGPL-3.0-or-later', identifier: 'AGPL-3.0-or-later' },
      },
      servers: [{ url: serverUrl }],
    }),
  );
}
