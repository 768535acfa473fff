import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Config } from '../../platform/config';
import type { Db, DbClient } from '../../platform/db';
import { AppError, fieldError, type ProblemText } from '../../platform/errors';
import * as repo from './admin.repository';
import { emailSchema, ROLES, TOKEN_SCOPES, type Role, type TokenScope } from './admin.schemas';
import type { SharedState } from '../../platform/shared-state';
import { HashingGate } from './hashing-gate';
import { countLoginAttempt, LOGIN_REFUSED, RetryLater, type LoginGuardConfig } from './login-guard';
import { generatePassword, hashPassword, MIN_PASSWORD_LENGTH, verifyPassword } from './passwords';
import type { AdminPrincipal } from './principal';
import { auditedWrite, staffContext, type StaffUseCase, type UseCaseContext } from './use-case';

export type { AdminPrincipal } from './principal';

export type AuthConfig = Pick<Config, 'ADMIN_API_TOKEN' | 'ADMIN_SESSION_IDLE_MINUTES' | 'ADMIN_SESSION_MAX_HOURS' | 'ADMIN_LOGIN_LOCK_MINUTES'>;

export function roleAtLeast(role: Role, min: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(min);
}

/**
 * Exports of personal data (signatures.csv, letters.csv, the manifest) need this permission. By
 * default editors and owners have it and viewers do not; an owner can grant or withdraw it per
 * account (PATCH /api/admin/accounts/:id {"canExport": true | false | null}).
 */
export function exportAllowed(granted: boolean | null, role: Role): boolean {
  return granted ?? roleAtLeast(role, 'editor');
}

function lowerRole(a: Role, b: Role): Role {
  return roleAtLeast(a, b) ? b : a;
}

export function sha256(value: string | Buffer): Buffer {
  return createHash('sha256').update(value).digest();
}

// --- accounts -------------------------------------------------------------------------------

/** By an owner through the API, or on the command line (`ctx.actor` is 'cli'). */
export async function createAccount(ctx: UseCaseContext, input: { email: string; role: Role; password?: string }) {
  const email = emailSchema.safeParse(input.email);
  if (!email.success) throw new AppError('validation_failed', { key: 'staff.notAnEmail' }, [fieldError('email', 'staff.field.notAnEmail')]);
  const password = input.password ?? generatePassword();
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new AppError('validation_failed', { key: 'staff.passwordTooShort', params: { min: MIN_PASSWORD_LENGTH } }, [
      fieldError('password', 'staff.field.tooShort'),
    ]);
  }
  const passwordHash = await hashPassword(password);
  const via = ctx.actor === 'cli' ? 'cli' : 'api';
  const account = await auditedWrite(ctx, 'accounts.create', async (tx) => {
    const created = await repo.insertAccount(tx, { email: email.data, role: input.role, passwordHash });
    if (!created) throw new AppError('conflict', { key: 'staff.accountExists' });
    return { result: created, subject: created.id, details: { role: created.role, via } };
  });
  return { account: shapeAccount(account), password };
}

export async function listAccounts(db: DbClient) {
  return (await repo.listAccounts(db)).map(shapeAccount);
}

export async function changeAccount(ctx: StaffUseCase, id: string, patch: { role?: Role; disabled?: boolean; canExport?: boolean | null }) {
  if (!(await repo.findAccountById(ctx.platform.db, id))) throw new AppError('not_found', { key: 'staff.noAccount' });
  if (id === ctx.actor.accountId && (patch.disabled || (patch.role && patch.role !== 'owner'))) {
    throw new AppError('conflict', { key: 'staff.ownAccount' });
  }
  const account = await auditedWrite(ctx, 'accounts.update', async (tx) => {
    const changed = await repo.updateAccount(tx, id, {
      ...(patch.role ? { role: patch.role } : {}),
      ...(patch.disabled !== undefined ? { disabledAt: patch.disabled ? new Date() : null } : {}),
      ...(patch.canExport !== undefined ? { canExport: patch.canExport } : {}),
    });
    if (patch.disabled) await repo.deleteSessionsOf(tx, id);
    return { result: changed, subject: id, details: { ...patch } };
  });
  return shapeAccount(account);
}

function shapeAccount(a: NonNullable<Awaited<ReturnType<typeof repo.findAccountById>>>) {
  return {
    id: a.id,
    email: a.email,
    role: a.role,
    canExport: exportAllowed(a.canExport, a.role),
    createdAt: a.createdAt,
    disabled: a.disabledAt !== null,
    locked: a.lockedUntil !== null && a.lockedUntil > new Date(),
  };
}

// --- sessions -------------------------------------------------------------------------------

/** One gate per configuration, so per API process (tests start several): see hashing-gate.ts. */
const gates = new WeakMap<object, HashingGate>();

export interface LoginContext {
  state: SharedState;
  /** A keyed hash of the client's source network (ipSourceHash), never the address. */
  networkKey: string;
  config: AuthConfig & LoginGuardConfig & Pick<Config, 'ADMIN_LOGIN_HASH_CONCURRENCY' | 'ADMIN_LOGIN_HASH_QUEUE'>;
}

/**
 * Starts a session. Every refusal (unknown email, wrong password, locked or disabled account,
 * too many attempts for the account) is the same 401, so the answer never tells whether an account
 * exists. The attempt is counted before the password is checked (login-guard.ts), and the lock is
 * read again after, so concurrent guesses cannot outrun the limit.
 */
export async function login(db: Db, context: LoginContext, input: { email: string; password: string }) {
  const { config } = context;
  const email = input.email.trim().toLowerCase();
  const attempt = await countLoginAttempt(context.state, config, email, context.networkKey);
  let gate = gates.get(config);
  if (!gate) gates.set(config, (gate = new HashingGate(config.ADMIN_LOGIN_HASH_CONCURRENCY, config.ADMIN_LOGIN_HASH_QUEUE)));
  const account = await repo.findAccountByEmail(db, email);
  const ok = await gate.run(() => verifyPassword(account?.passwordHash, input.password));
  if (ok === undefined) throw new RetryLater(1, 'not_ready', { key: 'staff.loginsBusy' });
  const now = new Date();
  const usable = (a: typeof account) => a && a.disabledAt === null && !(a.lockedUntil && a.lockedUntil > now);
  if (!account || !ok || !usable(account)) {
    if (account && !ok && attempt.accountLimitReached && !(account.lockedUntil && account.lockedUntil > now)) {
      await auditedWrite(staffContext({ db }, null), 'accounts.lock', async (tx) => {
        await repo.lockAccount(tx, account.id, new Date(now.getTime() + config.ADMIN_LOGIN_LOCK_MINUTES * 60_000));
        return { result: undefined, subject: account.id, details: { after: 'too many failed logins from all networks' } };
      });
    }
    throw new AppError('unauthorised', LOGIN_REFUSED);
  }
  // The lock may have been set while the password was being checked: read it again.
  if (!usable(await repo.findAccountById(db, account.id))) throw new AppError('unauthorised', LOGIN_REFUSED);
  await attempt.succeeded();
  if (account.failedLogins > 0 || account.lockedUntil) await repo.clearFailedLogins(db, account.id);

  const secret = randomBytes(32);
  const sessionHash = sha256(secret);
  const csrfToken = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + config.ADMIN_SESSION_MAX_HOURS * 3_600_000);
  const principal: AdminPrincipal = {
    via: 'session',
    role: account.role,
    canExport: exportAllowed(account.canExport, account.role),
    accountId: account.id,
    tokenId: null,
    email: account.email,
    csrfToken,
    sessionHash,
  };
  await auditedWrite(staffContext({ db }, principal), 'session.login', async (tx) => {
    await repo.insertSession(tx, { id: sessionHash, accountId: account.id, csrfToken, expiresAt });
    return { result: undefined, subject: account.id };
  });
  return { cookieValue: secret.toString('base64url'), expiresAt, principal };
}

export async function logout(ctx: StaffUseCase): Promise<void> {
  const { sessionHash, accountId } = ctx.actor;
  await auditedWrite(ctx, 'session.logout', async (tx) => {
    if (sessionHash) await repo.deleteSession(tx, sessionHash);
    return { result: undefined, subject: accountId };
  });
}

/** The principal behind a session cookie's value, or null when it is unknown, expired or idle too long. */
export async function resolveSession(db: DbClient, config: AuthConfig, cookieValue: string): Promise<AdminPrincipal | null> {
  const sessionHash = sha256(Buffer.from(cookieValue, 'base64url'));
  const session = await repo.findSessionWithAccount(db, sessionHash);
  const now = Date.now();
  if (!session || session.account.disabledAt) return null;
  if (session.expiresAt.getTime() <= now || session.lastSeenAt.getTime() + config.ADMIN_SESSION_IDLE_MINUTES * 60_000 <= now) {
    await repo.deleteSession(db, sessionHash);
    return null;
  }
  // At most one write a minute per session for the idle clock.
  if (now - session.lastSeenAt.getTime() > 60_000) await repo.touchSession(db, sessionHash, new Date(now));
  return {
    via: 'session',
    role: session.account.role,
    canExport: exportAllowed(session.account.canExport, session.account.role),
    accountId: session.account.id,
    tokenId: null,
    email: session.account.email,
    csrfToken: session.csrfToken,
    sessionHash,
  };
}

// --- tokens ---------------------------------------------------------------------------------

const TOKEN_PREFIX = 'clr_';

export const BOOTSTRAP_RETIRED: ProblemText = { key: 'staff.bootstrapRetired' };

/**
 * The principal behind a bearer token (an API token, or the bootstrap ADMIN_API_TOKEN), or null.
 * The bootstrap token exists to create the first owner; once an enabled owner account exists it is
 * refused, so a token left in an old .env or a CI secret cannot act as an owner nobody can trace.
 */
export async function resolveBearer(db: DbClient, config: AuthConfig, token: string): Promise<AdminPrincipal | null> {
  const digest = sha256(token);
  if (config.ADMIN_API_TOKEN && timingSafeEqual(digest, sha256(config.ADMIN_API_TOKEN))) {
    if (await repo.enabledOwnerExists(db)) throw new AppError('unauthorised', BOOTSTRAP_RETIRED);
    return { via: 'token', bootstrap: true, role: 'owner', canExport: true, accountId: null, tokenId: null, email: null };
  }
  if (!token.startsWith(TOKEN_PREFIX)) return null;
  const row = await repo.findTokenByHash(db, digest);
  if (!row || row.revokedAt || row.account.disabledAt) return null;
  const now = Date.now();
  if (!row.lastUsedAt || now - row.lastUsedAt.getTime() > 60_000) await repo.touchToken(db, row.id, new Date(now));
  // A token never outranks its account, even after the account was demoted.
  const role = lowerRole(row.role, row.account.role);
  return {
    via: 'token',
    role,
    canExport: exportAllowed(row.account.canExport, role),
    accountId: row.account.id,
    tokenId: row.id,
    email: row.account.email,
    scopes: knownScopes(row.scopes),
  };
}

export async function createToken(ctx: StaffUseCase, input: { name: string; role: Role; scopes: TokenScope[] }) {
  const { accountId, role } = ctx.actor;
  if (!accountId) throw new AppError('forbidden', { key: 'staff.tokensNeedAccount' });
  if (!roleAtLeast(role, input.role)) throw new AppError('forbidden', { key: 'staff.tokenRoleTooHigh' });
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const row = await auditedWrite(ctx, 'tokens.create', async (tx) => {
    const inserted = await repo.insertToken(tx, { accountId, name: input.name, role: input.role, scopes: input.scopes, tokenHash: sha256(token) });
    return { result: inserted, subject: inserted.id, details: { role: inserted.role, scopes: input.scopes } };
  });
  return { ...shapeToken(row), token };
}

export async function listTokens(db: DbClient) {
  return (await repo.listTokens(db)).map(shapeToken);
}

export async function revokeToken(ctx: StaffUseCase, id: string): Promise<void> {
  await auditedWrite(ctx, 'tokens.revoke', async (tx) => {
    const { count } = await repo.revokeToken(tx, id, new Date());
    if (count === 0) throw new AppError('not_found', { key: 'staff.noToken' });
    return { result: undefined, subject: id };
  });
}

/** The column is free text[]; only the scopes this version knows mean anything. */
function knownScopes(scopes: readonly string[]): TokenScope[] {
  return scopes.filter((scope): scope is TokenScope => (TOKEN_SCOPES as readonly string[]).includes(scope));
}

function shapeToken(t: Awaited<ReturnType<typeof repo.listTokens>>[number]) {
  return {
    id: t.id,
    name: t.name,
    role: t.role,
    scopes: knownScopes(t.scopes),
    account: t.account.email,
    createdAt: t.createdAt,
    lastUsedAt: t.lastUsedAt,
    revokedAt: t.revokedAt,
  };
}

// --- audit log ------------------------------------------------------------------------------

export async function readAudit(db: DbClient, options: { limit: number; before?: string }) {
  const rows = await repo.listAuditEvents(db, { limit: options.limit, ...(options.before ? { before: BigInt(options.before) } : {}) });
  return {
    events: rows.map((e) => ({ ...e, id: e.id.toString() })),
    nextBefore: rows.length === options.limit ? rows[rows.length - 1]!.id.toString() : null,
  };
}
