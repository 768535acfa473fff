import { randomUUID } from 'node:crypto';
import { type DocumentedOperation, type JsonSchema, type OpenApiDocument, resolve } from './openapi';
import type { Prng } from './prng';

/** One request the fuzzer sends, and which hostile variant made it (for the failure report). */
export interface FuzzRequest {
  variant: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: Buffer | string;
  /** Send it, then again with the first answer's ETag in If-None-Match (a 304 must be documented). */
  revalidate?: boolean;
}

/** Values that reach past validation, by field name: a valid campaign, country, address… */
export interface KnownValues {
  slug: string;
  wording: string;
  [field: string]: string;
}

const PATTERN_CANDIDATES = ['a', 'abc', 'KZ', 'en', 'test', '24h', '0123456789abcdef0123456789abcdef', 'x@example.org', 'a-b'];
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
const MB = 'x'.repeat(1024 * 1024);

/** A plausible value for a schema: what a well-behaved client would send (hostile variants start from it). */
export function exampleOf(document: OpenApiDocument, given: JsonSchema | undefined, known: KnownValues, name = '', depth = 0): unknown {
  const schema = resolve(document, given) ?? {};
  if (depth > 6) return null;
  if (typeof name === 'string' && Object.hasOwn(known, name)) return known[name];
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    const options = schema[key];
    if (Array.isArray(options) && options.length > 0) return exampleOf(document, options[0] as JsonSchema, known, name, depth + 1);
  }
  if (schema.example !== undefined) return schema.example;
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
      const required = new Set((schema.required ?? []) as string[]);
      return Object.fromEntries(
        Object.entries(properties)
          .filter(([key]) => required.has(key) || key.length % 2 === 0)
          .map(([key, child]) => [key, exampleOf(document, child, known, key, depth + 1)]),
      );
    }
    case 'array':
      return [exampleOf(document, schema.items as JsonSchema, known, name, depth + 1)];
    case 'integer':
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 1;
    case 'boolean':
      return true;
    case 'string': {
      if (schema.format === 'email') return 'fuzz@example.org';
      if (schema.format === 'date-time') return '2026-01-01T00:00:00Z';
      if (schema.format === 'uuid') return randomUUID();
      if (schema.format === 'uri') return 'https://example.org/';
      if (typeof schema.pattern === 'string') {
        const pattern = new RegExp(schema.pattern, 'u');
        return PATTERN_CANDIDATES.find((candidate) => pattern.test(candidate)) ?? 'a';
      }
      return 'fuzz text';
    }
    default:
      return 'fuzz';
  }
}

/** A JSON value replaced by something of the wrong kind. */
function wrongValue(prng: Prng): unknown {
  return prng.pick<unknown>([
    10,
    -1,
    1e308,
    0.5,
    true,
    null,
    [],
    {},
    [1, 'a'],
    { a: 1 },
    '',
    ' ',
    'constructor',
    '__proto__',
    '10',
    'xx',
    '0x41',
    '../../etc/passwd',
    "' OR 1=1 --",
    '<script>x</script>',
    '=cmd|calc',
    '\u202egnp.exe',
  ]);
}

function hostileString(prng: Prng): string {
  return prng.pick(['a\u0000b', '\u0000', 'a\ud800b', '\udfff', '\ud83d', 'x'.repeat(5000), '%00', '\u202e\u2066', '\r\n\tx', 'ß\u0301', '🌷'.repeat(50)]);
}

/** A deeply nested array or object, as raw JSON text (about 8 KB, within the 16 KB limit). */
function deepJson(prng: Prng): string {
  const depth = 2000 + prng.int(2000);
  return prng.chance(0.5) ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** Replaces one field (chosen at random, at any depth) of a JSON value. */
function mutateField(value: unknown, prng: Prng, replace: (old: unknown) => unknown): unknown {
  if (value === null || typeof value !== 'object') return replace(value);
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [...value] : { ...(value as Record<string, unknown>) };
  const keys = Object.keys(copy);
  if (keys.length === 0) return replace(value);
  const key = prng.pick(keys);
  const descend = prng.chance(0.4);
  (copy as Record<string, unknown>)[key] = descend
    ? mutateField((copy as Record<string, unknown>)[key], prng, replace)
    : replace((copy as Record<string, unknown>)[key]);
  return copy;
}

function dropField(value: unknown, prng: Prng): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  const copy = { ...(value as Record<string, unknown>) };
  const keys = Object.keys(copy);
  if (keys.length > 0) delete copy[prng.pick(keys)];
  return copy;
}

function formEncode(value: unknown): string {
  const pairs: string[] = [];
  const walk = (v: unknown, prefix: string) => {
    if (v !== null && typeof v === 'object') for (const [k, child] of Object.entries(v)) walk(child, prefix ? `${prefix}[${k}]` : k);
    else pairs.push(`${encodeURIComponent(prefix)}=${encodeURIComponent(String(v))}`);
  };
  walk(value, '');
  return pairs.join('&');
}

/** Path parameters filled in; `override` replaces one of them with raw (already encoded) text. */
function pathOf(op: DocumentedOperation, document: OpenApiDocument, known: KnownValues, override?: string): string {
  const params = (op.operation.parameters ?? []).filter((p) => p.in === 'path');
  const victim = override !== undefined && params.length > 0 ? params[params.length - 1]!.name : undefined;
  return op.path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    if (name === victim) return override!;
    const schema = params.find((p) => p.name === name)?.schema;
    return encodeURIComponent(String(exampleOf(document, schema, known, name)));
  });
}

function queryOf(op: DocumentedOperation, document: OpenApiDocument, known: KnownValues, prng: Prng): Record<string, string> {
  const query: Record<string, string> = {};
  for (const p of (op.operation.parameters ?? []).filter((q) => q.in === 'query')) {
    if (p.required || prng.chance(0.5)) query[p.name] = String(exampleOf(document, p.schema, known, p.name));
  }
  return query;
}

const encodeQuery = (query: Record<string, string>) =>
  Object.entries(query)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');

/**
 * One hostile request for an operation: a variant chosen by the PRNG, applied to a plausible
 * request (valid path, query and body), so each variant tests one thing past the others.
 */
export function hostileRequest(op: DocumentedOperation, document: OpenApiDocument, known: KnownValues, prng: Prng): FuzzRequest {
  const contentTypes = Object.keys(op.operation.requestBody?.content ?? {});
  const contentType = contentTypes.length ? prng.pick(contentTypes) : undefined;
  const schema = contentType ? op.operation.requestBody!.content![contentType]!.schema : undefined;
  const body = contentType ? exampleOf(document, schema, known) : undefined;
  const query = queryOf(op, document, known, prng);
  const headers: Record<string, string> = {};
  const encode = (value: unknown, type = contentType): string => {
    if (type === 'application/x-www-form-urlencoded') return formEncode(value);
    if (type === 'text/csv') return typeof value === 'string' ? value : 'iso2,country\nKZ,Kazakhstan\n';
    return JSON.stringify(value);
  };
  const request = (
    variant: string,
    parts: { path?: string; query?: string; body?: Buffer | string; type?: string; method?: string; headers?: Record<string, string> } = {},
  ): FuzzRequest => {
    const q = parts.query ?? encodeQuery(query);
    const sendBody = parts.body ?? (contentType ? encode(body) : undefined);
    const type = parts.type ?? contentType;
    return {
      variant,
      method: parts.method ?? op.method,
      url: `${parts.path ?? pathOf(op, document, known)}${q ? `?${q}` : ''}`,
      headers: { ...headers, ...(sendBody !== undefined && type ? { 'content-type': type } : {}), ...(parts.headers ?? {}) },
      ...(sendBody !== undefined ? { body: sendBody } : {}),
    };
  };

  const variants: Array<() => FuzzRequest> = [
    () => request('plausible'),
    () => request('plausible, browser form', { headers: { accept: 'text/html' } }),
    () => request('if-none-match *', { headers: { 'if-none-match': '*' } }),
    () => ({ ...request('revalidate with its ETag'), revalidate: true }),
    () =>
      request('path parameter: prototype key', {
        path: pathOf(op, document, known, prng.pick(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'prototype'])),
      }),
    () =>
      request('path parameter: hostile', {
        path: pathOf(op, document, known, prng.pick(['%00', 'a%00b', '%ED%A0%80', '%FF', '%', '..%2F..%2Fetc', 'x'.repeat(300), '%E2%80%AE', 'KZ%0A'])),
      }),
    () => request('query: unknown and repeated', { query: `${encodeQuery(query)}&zzz=1&${Object.keys(query)[0] ?? 'a'}=1&${Object.keys(query)[0] ?? 'a'}=2` }),
    () =>
      request('query: hostile value', {
        query: `${Object.keys(query)[0] ?? prng.pick(['campaign', 'lang', 'state', 'window'])}=${prng.pick(['%00', '%ED%A0%80', '%FF', '%', '10', '%7B%7D', 'xx', '__proto__', 'x'.repeat(4000)])}`,
      }),
    () => request('query: 1 MB', { query: `q=${MB.slice(0, 40_000)}` }),
    () => request('header: huge', { headers: { 'x-fuzz': MB.slice(0, 20_000) } }),
    () => request('wrong method', { method: prng.pick(METHODS.filter((m) => !op.methodsOfPath.includes(m))) ?? 'DELETE' }),
  ];
  const type = contentType ?? 'application/json';
  const sendJson = (variant: string, text: string | Buffer) =>
    request(variant, { body: text, type: contentType === 'application/x-www-form-urlencoded' || contentType === 'text/csv' ? 'application/json' : type });
  variants.push(
    () => sendJson('json: missing field', JSON.stringify(dropField(body ?? {}, prng))),
    () => sendJson('json: unknown field', JSON.stringify({ ...(body && typeof body === 'object' ? body : {}), zzz_unknown: 1 })),
    () => sendJson('json: wrong type', JSON.stringify(mutateField(body ?? {}, prng, () => wrongValue(prng)))),
    () => sendJson('json: hostile string', JSON.stringify(mutateField(body ?? {}, prng, () => hostileString(prng)))),
    () => sendJson('json: lone surrogate escape', JSON.stringify(mutateField(body ?? {}, prng, () => 'SURROGATE')).replace('"SURROGATE"', '"\\ud800x"')),
    () => sendJson('json: NUL escape', JSON.stringify(mutateField(body ?? {}, prng, () => 'NULCHAR')).replace('"NULCHAR"', '"a\\u0000b"')),
    () =>
      sendJson(
        'json: prototype keys',
        `{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},${JSON.stringify(body ?? {})
          .slice(1)
          .replace(/^}$/, '"x":1}')}`,
      ),
    () => sendJson('json: deep nesting', prng.chance(0.5) ? deepJson(prng) : `{"${Object.keys((body as object) ?? {})[0] ?? 'a'}":${deepJson(prng)}}`),
    () => sendJson('json: 1 MB string', JSON.stringify(mutateField(body ?? {}, prng, () => MB))),
    () => sendJson('json: malformed', prng.pick(['{"a":', '{', 'nul', '[1,]', '{"a":1}}', '\u0000', '"just a string"', '123', 'null', '[]'])),
    () =>
      sendJson(
        'json: invalid UTF-8',
        Buffer.concat([Buffer.from(JSON.stringify(body ?? {}).slice(0, -1)), Buffer.from(',"x":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')]),
      ),
    () => sendJson('json: empty body', ''),
    () =>
      request('form: hostile', {
        type: 'application/x-www-form-urlencoded',
        body: prng.pick([
          'a=%00',
          'email=%ED%A0%80',
          'x=%FF',
          'a[b][c][d][e]=1',
          `${'a='.repeat(200)}`,
          '%',
          '__proto__[x]=1&constructor[prototype][x]=1',
          'consent[wording]=%00',
        ]),
        headers: prng.chance(0.5) ? { accept: 'text/html' } : {},
      }),
    () =>
      request('form: invalid UTF-8 bytes', {
        type: 'application/x-www-form-urlencoded',
        body: Buffer.concat([Buffer.from('name=a'), Buffer.from([0xff, 0xc3]), Buffer.from('&email=x')]),
      }),
    () =>
      request('wrong content type', {
        type: prng.pick([
          'text/plain',
          'application/xml',
          'multipart/form-data; boundary=x',
          'application/octet-stream',
          'text/csv',
          'application/json; charset=latin1',
          'application/json; charset=utf-16',
        ]),
        body: encode(body ?? {}, 'application/json'),
      }),
    () => request('body without content type', { body: encode(body ?? {}, 'application/json'), type: '' }),
    () => request('body over the limit', { body: JSON.stringify({ a: MB.slice(0, prng.pick([17_000, 200_000, 1_100_000])) }), type: 'application/json' }),
  );
  return prng.pick(variants)();
}
