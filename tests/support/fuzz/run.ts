import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import { type DocumentedOperation, isAdminOperation, type JsonSchema, type OpenApiDocument, operationsOf } from './openapi';
import { Prng } from './prng';
import { type FuzzRequest, hostileRequest, type KnownValues } from './requests';

export interface FuzzOptions {
  baseUrl: string;
  document: OpenApiDocument;
  known: KnownValues;
  /** Headers that make a request an admin's (a bearer token). */
  adminHeaders: Record<string, string>;
  requests: number;
  seed: number;
  concurrency?: number;
}

export interface FuzzFailure {
  request: FuzzRequest;
  as: 'admin' | 'anonymous';
  status: number;
  problem: string;
}
export interface FuzzReport {
  sent: number;
  byStatus: Record<string, number>;
  failures: FuzzFailure[];
  ms: number;
}

/** References into the document, made absolute so ajv finds them in the document schema. */
function absolute(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(absolute);
  if (schema && typeof schema === 'object') {
    return Object.fromEntries(
      Object.entries(schema).map(([key, value]) => [key, key === '$ref' && typeof value === 'string' ? `openapi.json${value}` : absolute(value)]),
    );
  }
  return schema;
}

/** One validator per (schema object), compiled on first use. */
function validators(document: OpenApiDocument) {
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: false });
  ajv.addSchema({ $id: 'openapi.json', components: absolute(document.components ?? {}) } as JsonSchema);
  const cache = new Map<unknown, ValidateFunction>();
  return (schema: JsonSchema): ValidateFunction => {
    let validate = cache.get(schema);
    if (!validate) {
      validate = ajv.compile(absolute(schema) as JsonSchema);
      cache.set(schema, validate);
    }
    return validate;
  };
}

const mediaType = (header: string | null) => (header ?? '').split(';')[0]!.trim().toLowerCase();

/** What is wrong with an answer, by the document; null when nothing is. */
function checkAnswer(
  op: DocumentedOperation,
  request: FuzzRequest,
  status: number,
  type: string,
  text: string,
  validatorFor: ReturnType<typeof validators>,
): string | null {
  if (status >= 500) return `answered ${status}`;
  // A wrong method is answered for the path, not for the operation it was derived from.
  const documented = op.operation.responses[String(status)];
  if (!documented) return `status ${status} is not documented for ${op.method} ${op.path}`;
  if (status === 304 || status === 204) return text === '' ? null : `${status} with a body`;
  if (status >= 400 && type !== 'application/problem+json' && !(type === 'text/html' && documented.content?.['text/html'])) {
    return `error ${status} answered as ${type || 'no content type'}`;
  }
  const content = documented.content;
  if (!content) return null;
  const media = content[type];
  if (!media) return `content type ${type || '(none)'} is not documented for ${status} (documented: ${Object.keys(content).join(', ')})`;
  if (!media.schema || !(type === 'application/json' || type === 'application/problem+json')) return null;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return `${type} body is not JSON`;
  }
  const validate = validatorFor(media.schema);
  return validate(json)
    ? null
    : `body does not match the documented schema: ${validate.errors
        ?.slice(0, 3)
        .map((e) => `${e.instancePath || '/'} ${e.message}`)
        .join('; ')}`;
}

async function send(baseUrl: string, request: FuzzRequest, extra: Record<string, string>) {
  const response = await fetch(`${baseUrl}${request.url}`, {
    method: request.method,
    headers: { ...request.headers, ...extra },
    redirect: 'manual',
    ...(request.body !== undefined && request.method !== 'GET' && request.method !== 'HEAD' ? { body: request.body } : {}),
  });
  return { status: response.status, type: mediaType(response.headers.get('content-type')), text: await response.text(), etag: response.headers.get('etag') };
}

/**
 * Sends `requests` hostile requests over every documented operation (round robin, each with a
 * variant the seeded PRNG picks), each as an admin and anonymously in turn, and checks every
 * answer against the document. Deterministic for a seed: a failure can be replayed.
 */
export async function fuzz(options: FuzzOptions): Promise<FuzzReport> {
  const started = Date.now();
  const prng = new Prng(options.seed);
  const operations = operationsOf(options.document);
  const validatorFor = validators(options.document);
  const report: FuzzReport = { sent: 0, byStatus: {}, failures: [], ms: 0 };
  const planned = Array.from({ length: options.requests }, (_, i) => {
    const op = operations[i % operations.length]!;
    const as: 'admin' | 'anonymous' = Math.floor(i / operations.length) % 2 === 0 || !isAdminOperation(op.operation) ? 'admin' : 'anonymous';
    return { op, as, request: hostileRequest(op, options.document, options.known, prng) };
  });
  let next = 0;
  const worker = async () => {
    while (next < planned.length) {
      const { op, as, request } = planned[next++]!;
      let problem: string | null;
      let status = 0;
      try {
        const auth = as === 'admin' ? options.adminHeaders : {};
        let answer = await send(options.baseUrl, request, auth);
        problem = checkAnswer(op, request, answer.status, answer.type, answer.text, validatorFor);
        // (fetch adds `Cache-Control: no-cache` to a conditional request unless one is given, which would rule a 304 out.)
        if (!problem && request.revalidate && answer.etag) {
          answer = await send(
            options.baseUrl,
            { ...request, headers: { ...request.headers, 'if-none-match': answer.etag, 'cache-control': 'max-age=0' } },
            auth,
          );
          problem = checkAnswer(op, request, answer.status, answer.type, answer.text, validatorFor);
        }
        status = answer.status;
      } catch (error) {
        problem = `request failed: ${(error as Error).message}`;
      }
      report.sent += 1;
      report.byStatus[status] = (report.byStatus[status] ?? 0) + 1;
      if (problem) report.failures.push({ request: { ...request, body: summarise(request.body) }, as, status, problem });
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 4 }, worker));
  report.ms = Date.now() - started;
  return report;
}

/** A failure report stays readable: long bodies are cut. */
function summarise(body: FuzzRequest['body']): string | undefined {
  if (body === undefined) return undefined;
  const text = typeof body === 'string' ? body : `<${body.length} bytes> ${body.toString('latin1')}`;
  return text.length > 300 ? `${text.slice(0, 300)}… (${text.length} characters)` : text;
}
