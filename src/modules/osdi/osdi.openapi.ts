import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { problemResponse } from '../../platform/http/openapi';
import { z } from '../../platform/http/zod';
import { personSignupRequest, recordSignatureRequest } from './osdi.helpers.schemas';
import { MAX_PAGE_SIZE } from './osdi.query';

const HAL = 'application/hal+json';
const halResource = z.record(z.string(), z.unknown()).openapi('OsdiResource', { description: 'An OSDI 1.2 resource in HAL+JSON (_links, _embedded)' });
const collectionQuery = z.object({
  page: z.string().optional().openapi({ description: 'From 1; past the last page the embedded array is empty' }),
  per_page: z
    .string()
    .optional()
    .openapi({ description: `Records per page, 25 unless given, at most ${MAX_PAGE_SIZE}` }),
  filter: z.string().optional().openapi({
    description: "OData subset: modified_date or created_date, gt or lt, a quoted ISO time, joined by and. e.g. modified_date gt '2026-01-01T00:00:00Z'",
  }),
});
const idParam = z.object({ id: z.uuid() });

/** The OSDI API (`/api/osdi/v1`): authenticated by OSDI-API-Token with a token's scopes. */
export function describeOsdiApi(registry: OpenAPIRegistry): void {
  registry.registerComponent('securitySchemes', 'osdiToken', {
    type: 'apiKey',
    in: 'header',
    name: 'OSDI-API-Token',
    description:
      'An API token (POST /api/admin/tokens) with the osdi:read scope; people also need osdi:people and an account that may export; the signing helpers need osdi:write.',
  });
  const security = [{ osdiToken: [] }];
  const tags = ['OSDI'];
  const paths: Array<{ path: string; summary: string; collection: boolean; people?: boolean }> = [
    { path: '/api/osdi/v1', summary: 'The API entry point: links to every collection, and max_pagesize', collection: false },
    { path: '/api/osdi/v1/petitions', summary: 'Petitions (published campaigns, with their demands)', collection: true },
    { path: '/api/osdi/v1/petitions/{id}', summary: 'One petition', collection: false },
    { path: '/api/osdi/v1/petitions/{id}/signatures', summary: "A petition's confirmed signatures", collection: true },
    { path: '/api/osdi/v1/signatures', summary: 'Confirmed signatures of every petition (comments only for osdi:people)', collection: true },
    { path: '/api/osdi/v1/signatures/{id}', summary: 'One confirmed signature', collection: false },
    { path: '/api/osdi/v1/people', summary: 'People with a confirmed signature (personal data; each read audited)', collection: true, people: true },
    { path: '/api/osdi/v1/people/{id}', summary: 'One person (personal data; audited)', collection: false, people: true },
    { path: '/api/osdi/v1/people/{id}/signatures', summary: "A person's confirmed signatures", collection: true, people: true },
    {
      path: '/api/osdi/v1/advocacy_campaigns',
      summary: 'Advocacy campaigns: published campaigns with letters, targets the delegations written to, with the letter templates',
      collection: true,
    },
    { path: '/api/osdi/v1/advocacy_campaigns/{id}', summary: 'One advocacy campaign', collection: false },
    { path: '/api/osdi/v1/advocacy_campaigns/{id}/outreaches', summary: "An advocacy campaign's outreaches", collection: true },
    {
      path: '/api/osdi/v1/outreaches',
      summary: 'Outreaches: letters to delegations (not those held for a confirmation); person link and paragraph only for osdi:people, audited',
      collection: true,
    },
    { path: '/api/osdi/v1/outreaches/{id}', summary: 'One outreach', collection: false },
  ];
  for (const { path, summary, collection, people } of paths) {
    const hasId = path.includes('{id}');
    registry.registerPath({
      method: 'get',
      path,
      tags,
      security,
      summary,
      request: { ...(collection ? { query: collectionQuery } : {}), ...(hasId ? { params: idParam } : {}) },
      responses: {
        200: { description: collection ? 'A page of the collection' : 'The resource', content: { [HAL]: { schema: halResource } } },
        ...(collection ? { 400: problemResponse('page or per_page not a whole number from 1, or a filter this API does not understand') } : {}),
        401: problemResponse('No OSDI-API-Token, or not a valid API token'),
        403: problemResponse(people ? 'The token lacks osdi:people, or its account may not export personal data' : 'The token lacks the osdi:read scope'),
        ...(hasId ? { 404: problemResponse('No such record (or not one this API shows)') } : {}),
      },
    });
  }

  const helpers = [
    {
      path: '/api/osdi/v1/petitions/{id}/signatures',
      schema: recordSignatureRequest,
      summary: 'record_signature_helper: sign this petition for a person (double opt-in, as the public form)',
    },
    {
      path: '/api/osdi/v1/people',
      schema: personSignupRequest,
      summary: 'person_signup_helper: a person signing the petition named in clarion:petition (Clarion keeps nobody without a signature)',
    },
  ];
  for (const { path, schema, summary } of helpers) {
    registry.registerPath({
      method: 'post',
      path,
      tags,
      security,
      summary,
      description:
        "The public signing form's path: its validation, canonical-email dedup, consent evidence, double opt-in email and limits (per token, not per network; no proof of work). The signature stays pending, and is not listed, until the person uses the link emailed to them. Consent to updates is only clarion:consent.updates; OSDI's email status and add_tags are refused. The answer is the same whether or not the person or the signature existed.",
      request: { ...(path.includes('{id}') ? { params: idParam } : {}), body: { content: { 'application/json': { schema } } } },
      responses: {
        202: {
          description: 'Received: a confirmation email is on its way to the person (identical for a new and a repeated signing)',
          content: { [HAL]: { schema: halResource } },
        },
        400: problemResponse('Invalid or unknown fields, named by their OSDI path (errors[]); nothing was written'),
        401: problemResponse('No OSDI-API-Token, or not a valid API token'),
        403: problemResponse('The token lacks the osdi:write scope'),
        404: problemResponse('No such petition'),
        409: problemResponse('The petition is closed'),
        422: problemResponse('clarion:consent.wording is not a wording of this petition'),
        429: problemResponse("This token's signing limit is reached; see Retry-After"),
      },
    });
  }
}
