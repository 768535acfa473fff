import { randomUUID } from 'node:crypto';
import { createAccount, staffContext, type Role } from '../../src/modules/admin';
import type { Db } from '../../src/platform/db';

/** A fresh admin account with a known password (an address no other test uses). */
export async function makeAccount(db: Db, role: Role, password = `pw-${randomUUID()}`) {
  const email = `${role}-${randomUUID().slice(0, 8)}@staff.example.org`;
  const { account } = await createAccount(staffContext({ db }, 'cli'), { email, role, password });
  return { ...account, password };
}

export interface AdminSessionCookie {
  cookie: string;
  csrfToken: string;
  setCookie: string;
}

export async function logIn(baseUrl: string, email: string, password: string): Promise<AdminSessionCookie> {
  const response = await fetch(`${baseUrl}/api/admin/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (response.status !== 200) throw new Error(`login answered ${response.status}: ${await response.text()}`);
  const body = (await response.json()) as { csrfToken: string };
  const setCookie = response.headers.get('set-cookie') ?? '';
  return { cookie: setCookie.split(';')[0]!, csrfToken: body.csrfToken, setCookie };
}

/** Creates an API token of `role` through the API, as an owner session would. */
export async function makeToken(baseUrl: string, owner: AdminSessionCookie, role: Role, name = `${role} token`): Promise<{ id: string; token: string }> {
  const response = await fetch(`${baseUrl}/api/admin/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: owner.cookie, 'x-csrf-token': owner.csrfToken },
    body: JSON.stringify({ name, role }),
  });
  if (response.status !== 201) throw new Error(`token creation answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as { id: string; token: string };
}

export async function call(baseUrl: string, method: string, path: string, options: { headers?: Record<string, string>; json?: unknown; csv?: string } = {}) {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  let body: string | undefined;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  }
  if (options.csv !== undefined) {
    headers['content-type'] = 'text/csv';
    body = options.csv;
  }
  const response = await fetch(`${baseUrl}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}
