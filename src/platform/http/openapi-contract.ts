/**
 * The answers every operation can give whatever its route says, because the edge gives them:
 * body parsing and text checks (400, 413, 415), the method check (405), header limits (431),
 * ETags (304), admin authentication (401, 403) and an unreachable database or Redis (503). They
 * are added here, to every operation the route files did not describe them for, so the document
 * lists every status the server can answer (the fuzz test holds the two together).
 */

interface Operation {
  operationId?: string;
  tags?: string[];
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ in?: string }>;
  requestBody?: { content?: Record<string, unknown> };
  responses: Record<string, { description: string; content?: Record<string, unknown> }>;
}

export interface OpenApiDocumentShape {
  paths?: Record<string, Record<string, Operation>>;
}

const PROBLEM = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };
const FORM = 'application/x-www-form-urlencoded';
const HTML_PAGE = { schema: { type: 'string', description: 'The page a browser gets when it posted the HTML form (Accept: text/html).' } };

const problem = (description: string) => ({ description, content: PROBLEM });

/** `post /api/campaigns/{slug}/signatures` → `postCampaignsBySlugSignatures`: stable and unique per operation. */
export function derivedOperationId(method: string, path: string): string {
  const capital = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);
  const words = path
    .split('/')
    .filter((segment) => segment !== '' && segment !== 'api')
    .map((segment) => {
      const param = /^\{(.+)\}$/.exec(segment);
      return param
        ? `By${capital(param[1]!)}`
        : segment
            .split(/[^A-Za-z0-9]+/)
            .filter(Boolean)
            .map(capital)
            .join('');
    });
  return `${method.toLowerCase()}${words.join('')}`;
}

function addMissing(operation: Operation, status: string, response: { description: string; content?: Record<string, unknown> }): void {
  operation.responses[status] ??= response;
}

function completeOperation(method: string, path: string, operation: Operation): void {
  operation.operationId ??= derivedOperationId(method, path);
  // No security requirement written means none: say so, so a reader need not guess.
  operation.security ??= [];
  const isAdmin = operation.security.some((requirement) => 'adminToken' in requirement || 'adminSession' in requirement);

  addMissing(
    operation,
    '400',
    problem(
      'Not valid: a field (errors[] names it), text that cannot be stored (NUL, unpaired surrogates, bytes that are not UTF-8) in the path, query or body, or a body that cannot be parsed',
    ),
  );
  if (path.includes('{')) addMissing(operation, '404', problem('Nothing with that name'));
  addMissing(operation, '405', problem('Not answered with this method; `Allow` lists the methods that are'));
  addMissing(operation, '413', problem('The body is larger than this operation accepts (16 KB unless it says otherwise)'));
  // Any request's JSON body is parsed at the edge, so a charset other than UTF-8 is refused on every operation.
  addMissing(operation, '415', problem('A content type (or charset) this operation does not read'));
  addMissing(operation, '431', problem('The request headers are too large'));
  addMissing(operation, '503', problem('The database or Redis is not reachable just now; try again shortly'));
  if (isAdmin) {
    addMissing(operation, '401', problem('No valid session or token'));
    addMissing(operation, '403', problem('The role does not allow this, or the CSRF token is missing'));
  }
  if (method === 'get') addMissing(operation, '304', { description: 'Not modified: the `If-None-Match` ETag still matches' });

  // A browser's form post is answered with pages, at the same statuses as the JSON answers.
  if (operation.requestBody?.content?.[FORM]) {
    for (const [status, response] of Object.entries(operation.responses)) {
      if (/^[24]\d\d$/.test(status) && status !== '405' && status !== '413' && status !== '415' && status !== '431') {
        response.content = { ...(response.content ?? {}), 'text/html': HTML_PAGE };
      }
    }
  }
}

export function completeOperations<T extends object>(document: T): T {
  for (const [path, methods] of Object.entries((document as OpenApiDocumentShape).paths ?? {})) {
    for (const [method, operation] of Object.entries(methods)) completeOperation(method, path, operation);
  }
  return document;
}
