import net from 'node:net';
import type { AdminSessionCookie } from './admin';

/** What the OSDI tests share: a free port for PUBLIC_BASE_URL, tokens with scopes, and calls as a client makes them. */

/** A port nothing listens on now: the OSDI tests name it in PUBLIC_BASE_URL before the API starts on it. */
export async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A viewer API token with these scopes, made by `session` through the admin API. */
export async function osdiToken(apiUrl: string, session: AdminSessionCookie, scopes: string[]): Promise<string> {
  const response = await fetch(`${apiUrl}/api/admin/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: session.cookie, 'x-csrf-token': session.csrfToken },
    body: JSON.stringify({ name: `osdi ${scopes.join(' ')}`, role: 'viewer', scopes }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { token: string }).token;
}

/** A call with the OSDI token header (none when `token` is undefined); the body parsed when there is one. */
export async function osdiCall(method: 'GET' | 'POST', url: string, token: string | undefined, body?: unknown) {
  const response = await fetch(url, {
    method,
    headers: { ...(token ? { 'OSDI-API-Token': token } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, type: response.headers.get('content-type') ?? '', text, body: text ? (JSON.parse(text) as Record<string, any>) : {} };
}
