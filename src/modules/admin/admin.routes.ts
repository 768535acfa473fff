import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router, type CookieOptions } from 'express';
import type { Platform } from '../../platform/context';
import { requireJson } from '../../platform/http/content-type';
import { ADMIN_SECURITY, problemResponse } from '../../platform/http/openapi';
import {
  accountCreatedSchema,
  accountCreateRequest,
  accountListSchema,
  accountPatchRequest,
  accountSchema,
  auditPageSchema,
  auditQuery,
  idParams,
  loginRequest,
  sessionAnswer,
  tokenCreatedSchema,
  tokenCreateRequest,
  tokenListSchema,
} from './admin.schemas';
import {
  changeAccount,
  createAccount,
  createToken,
  listAccounts,
  listTokens,
  login,
  logout,
  readAudit,
  revokeToken,
  type AdminPrincipal,
} from './admin.service';
import { adminActor, adminAuth, SESSION_COOKIE, staffContextOf } from './auth';
import { RetryLater } from './login-guard';
import { ipSourceHash } from '../../platform/network-hash';

export function adminRouter(platform: Platform): Router {
  const router = Router();
  const { requireRole } = adminAuth(platform);
  const cookieOptions: CookieOptions = { httpOnly: true, sameSite: 'strict', secure: platform.config.NODE_ENV === 'production', path: '/' };

  router.post('/api/admin/session', requireJson, async (req, res) => {
    const input = loginRequest.parse(req.body);
    const networkKey = ipSourceHash(platform, req.ip)?.toString('hex') ?? 'unknown';
    let session: Awaited<ReturnType<typeof login>>;
    try {
      session = await login(platform.db, { state: platform.state, networkKey, config: platform.config }, input);
    } catch (error) {
      if (error instanceof RetryLater) res.setHeader('Retry-After', String(error.retryAfterSeconds));
      throw error;
    }
    const { cookieValue, expiresAt, principal } = session;
    res
      .cookie(SESSION_COOKIE, cookieValue, { ...cookieOptions, expires: expiresAt })
      .set('Cache-Control', 'no-store')
      .json(whoAmI(principal));
  });

  router.get('/api/admin/session', requireRole('viewer'), (_req, res) => {
    res.set('Cache-Control', 'no-store').json(whoAmI(adminActor(res)));
  });

  router.delete('/api/admin/session', requireRole('viewer'), async (_req, res) => {
    await logout(staffContextOf(platform, res));
    res.clearCookie(SESSION_COOKIE, cookieOptions).status(204).end();
  });

  router.get('/api/admin/tokens', requireRole('owner'), async (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ tokens: await listTokens(platform.db) });
  });

  router.post('/api/admin/tokens', requireRole('owner'), requireJson, async (req, res) => {
    const input = tokenCreateRequest.parse(req.body);
    res
      .status(201)
      .set('Cache-Control', 'no-store')
      .json(await createToken(staffContextOf(platform, res), input));
  });

  router.delete('/api/admin/tokens/:id', requireRole('owner'), async (req, res) => {
    const { id } = idParams.parse(req.params);
    await revokeToken(staffContextOf(platform, res), id);
    res.status(204).end();
  });

  router.get('/api/admin/accounts', requireRole('owner'), async (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ accounts: await listAccounts(platform.db) });
  });

  router.post('/api/admin/accounts', requireRole('owner'), requireJson, async (req, res) => {
    const input = accountCreateRequest.parse(req.body);
    const { account, password } = await createAccount(staffContextOf(platform, res), input);
    res
      .status(201)
      .set('Cache-Control', 'no-store')
      .json({ ...account, password });
  });

  router.patch('/api/admin/accounts/:id', requireRole('owner'), requireJson, async (req, res) => {
    const { id } = idParams.parse(req.params);
    const patch = accountPatchRequest.parse(req.body);
    res.set('Cache-Control', 'no-store').json(await changeAccount(staffContextOf(platform, res), id, patch));
  });

  router.get('/api/admin/audit', requireRole('owner'), async (req, res) => {
    const query = auditQuery.parse(req.query);
    res.set('Cache-Control', 'no-store').json(await readAudit(platform.db, { limit: query.limit, ...(query.before ? { before: query.before } : {}) }));
  });

  return router;
}

function whoAmI(p: AdminPrincipal) {
  return { email: p.email, role: p.role, via: p.via, ...(p.csrfToken ? { csrfToken: p.csrfToken } : {}) };
}

export function describeAdminApi(registry: OpenAPIRegistry): void {
  const denied = { 401: problemResponse('No valid session or token'), 403: problemResponse('Role too low, or a cookie write without X-CSRF-Token') };
  const json = <T>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
  const tags = ['Admin: accounts and access'];

  registry.registerPath({
    method: 'post',
    path: '/api/admin/session',
    tags,
    summary: 'Log in: sets an httpOnly, SameSite=Strict session cookie and answers the CSRF token',
    description:
      'Every refusal (unknown email, wrong password, locked or disabled account) is the same 401. ' +
      'Repeated failures slow the answers down and then lock the account for a while (ADMIN_LOGIN_MAX_FAILURES, ADMIN_LOGIN_LOCK_MINUTES).',
    request: { body: { content: { 'application/json': { schema: loginRequest } } } },
    responses: {
      200: json(sessionAnswer, 'Logged in'),
      400: problemResponse('Malformed body'),
      401: problemResponse('Not logged in (always the same answer)'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/admin/session',
    tags,
    security: ADMIN_SECURITY,
    summary: "Who am I (and the session's CSRF token)",
    responses: { 200: json(sessionAnswer, 'The caller'), ...denied },
  });
  registry.registerPath({
    method: 'delete',
    path: '/api/admin/session',
    tags,
    security: ADMIN_SECURITY,
    summary: 'Log out',
    responses: { 204: { description: 'Session ended' }, ...denied },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/admin/tokens',
    tags,
    security: ADMIN_SECURITY,
    summary: 'API tokens (owner; never their secrets)',
    responses: { 200: json(tokenListSchema, 'Tokens, newest first'), ...denied },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/admin/tokens',
    tags,
    security: ADMIN_SECURITY,
    summary: 'Create an API token (owner); the token is shown once',
    request: { body: { content: { 'application/json': { schema: tokenCreateRequest } } } },
    responses: { 201: json(tokenCreatedSchema, 'Created'), 400: problemResponse('Invalid fields'), ...denied },
  });
  registry.registerPath({
    method: 'delete',
    path: '/api/admin/tokens/{id}',
    tags,
    security: ADMIN_SECURITY,
    summary: 'Revoke an API token (owner)',
    request: { params: idParams },
    responses: { 204: { description: 'Revoked' }, ...denied, 404: problemResponse('No active token has that id') },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/admin/accounts',
    tags,
    security: ADMIN_SECURITY,
    summary: 'Admin accounts (owner)',
    responses: { 200: json(accountListSchema, 'Accounts'), ...denied },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/admin/accounts',
    tags,
    security: ADMIN_SECURITY,
    summary: 'Create an admin account (owner); its generated password is shown once',
    request: { body: { content: { 'application/json': { schema: accountCreateRequest } } } },
    responses: { 201: json(accountCreatedSchema, 'Created'), 400: problemResponse('Invalid fields'), ...denied, 409: problemResponse('The email is taken') },
  });
  registry.registerPath({
    method: 'patch',
    path: '/api/admin/accounts/{id}',
    tags,
    security: ADMIN_SECURITY,
    summary: "Change an account's role or disable it (owner)",
    request: { params: idParams, body: { content: { 'application/json': { schema: accountPatchRequest } } } },
    responses: {
      200: json(accountSchema, 'The account'),
      400: problemResponse('Invalid fields'),
      ...denied,
      404: problemResponse('No such account'),
      409: problemResponse('An owner cannot demote or disable themselves'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/admin/audit',
    tags,
    security: ADMIN_SECURITY,
    summary: 'The audit log of admin writes, newest first (owner)',
    request: { query: auditQuery },
    responses: { 200: json(auditPageSchema, 'A page of events'), ...denied },
  });
}
