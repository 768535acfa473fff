import http from 'node:http';
import https from 'node:https';
import { Webhook } from 'standardwebhooks';
import { guardedLookup } from './url-safety';

/**
 * One POST, signed the Standard Webhooks way (`webhook-id`, `webhook-timestamp`,
 * `webhook-signature`) with the `standardwebhooks` package. The id is the event's, so a receiver
 * that stores ids it has seen takes a retry or a replay once. The whole exchange is bounded by
 * `timeoutMs`; the answer's body is read and dropped (never stored: it could echo anything).
 */
export interface SendResult {
  ok: boolean;
  statusCode: number | null;
  /** A kind, never the remote's text: `timeout`, `connection`, `private_address`, `http_status`. */
  error: string | null;
  durationMs: number;
}

const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 64 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 64 }),
};

export function signedHeaders(secret: string, id: string, body: string, at = new Date()): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': 'Clarion-Webhooks/1',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, at, body),
    'idempotency-key': id,
  };
}

export async function sendSigned(options: {
  url: string;
  secret: string;
  id: string;
  body: string;
  timeoutMs: number;
  allowPrivateHosts: ReadonlySet<string>;
}): Promise<SendResult> {
  const started = Date.now();
  const url = new URL(options.url);
  const transport = url.protocol === 'http:' ? http : https;
  const headers = { ...signedHeaders(options.secret, options.id, options.body), 'content-length': String(Buffer.byteLength(options.body)) };
  const done = (statusCode: number | null, error: string | null): SendResult => ({
    ok: statusCode !== null && statusCode >= 200 && statusCode < 300,
    statusCode,
    error: error ?? (statusCode !== null && (statusCode < 200 || statusCode >= 300) ? 'http_status' : null),
    durationMs: Date.now() - started,
  });
  return new Promise<SendResult>((resolve) => {
    const request = transport.request(
      url,
      {
        method: 'POST',
        headers,
        agent: agents[url.protocol as keyof typeof agents],
        lookup: guardedLookup(options.allowPrivateHosts),
        signal: AbortSignal.timeout(options.timeoutMs),
      },
      (response) => {
        response.on('error', () => resolve(done(response.statusCode ?? null, 'connection')));
        response.on('end', () => resolve(done(response.statusCode ?? null, null)));
        response.resume();
      },
    );
    request.on('error', (error: NodeJS.ErrnoException) => resolve(done(null, errorKind(error))));
    request.end(options.body);
  });
}

function errorKind(error: NodeJS.ErrnoException): string {
  if (error.name === 'AbortError' || error.name === 'TimeoutError' || error.code === 'ABORT_ERR') return 'timeout';
  if (error.code === 'ERR_WEBHOOK_PRIVATE_ADDRESS') return 'private_address';
  if (error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN') return 'dns';
  if (error.code === 'ECONNREFUSED') return 'connection_refused';
  if (error.code?.startsWith('ERR_TLS') || error.code?.includes('CERT')) return 'tls';
  return 'connection';
}
