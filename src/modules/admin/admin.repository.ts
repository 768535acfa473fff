import type { DbClient } from '../../platform/db';
import { Prisma } from '../../platform/db';
import type { Role } from './admin.schemas';

const accountSelect = {
  id: true,
  email: true,
  role: true,
  canExport: true,
  passwordHash: true,
  failedLogins: true,
  lockedUntil: true,
  createdAt: true,
  disabledAt: true,
} as const;

export function findAccountByEmail(db: DbClient, email: string) {
  return db.adminAccount.findUnique({ where: { email }, select: accountSelect });
}

export function findAccountById(db: DbClient, id: string) {
  return db.adminAccount.findUnique({ where: { id }, select: accountSelect });
}

export function listAccounts(db: DbClient) {
  return db.adminAccount.findMany({ select: accountSelect, orderBy: { createdAt: 'asc' } });
}

/** Null when the email is taken. */
export async function insertAccount(db: DbClient, data: { email: string; passwordHash: string; role: Role }) {
  try {
    return await db.adminAccount.create({ data, select: accountSelect });
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') return null;
    throw error;
  }
}

export function updateAccount(db: DbClient, id: string, data: { role?: Role; disabledAt?: Date | null; canExport?: boolean | null }) {
  return db.adminAccount.update({ where: { id }, data, select: accountSelect });
}

/** Counts a failed login atomically; returns the new count. */
export async function recordFailedLogin(db: DbClient, id: string): Promise<number> {
  const row = await db.adminAccount.update({ where: { id }, data: { failedLogins: { increment: 1 } }, select: { failedLogins: true } });
  return row.failedLogins;
}

export function lockAccount(db: DbClient, id: string, until: Date) {
  return db.adminAccount.update({ where: { id }, data: { failedLogins: 0, lockedUntil: until }, select: { id: true } });
}

export function clearFailedLogins(db: DbClient, id: string) {
  return db.adminAccount.update({ where: { id }, data: { failedLogins: 0, lockedUntil: null }, select: { id: true } });
}

export function insertSession(db: DbClient, data: { id: Buffer; accountId: string; csrfToken: string; expiresAt: Date }) {
  return db.adminSession.create({ data: { ...data, id: new Uint8Array(data.id) }, select: { id: true } });
}

export function findSessionWithAccount(db: DbClient, id: Buffer) {
  return db.adminSession.findUnique({
    where: { id: new Uint8Array(id) },
    select: {
      csrfToken: true,
      expiresAt: true,
      lastSeenAt: true,
      account: { select: { id: true, email: true, role: true, canExport: true, disabledAt: true } },
    },
  });
}

export function touchSession(db: DbClient, id: Buffer, at: Date) {
  return db.adminSession.updateMany({ where: { id: new Uint8Array(id) }, data: { lastSeenAt: at } });
}

export function deleteSession(db: DbClient, id: Buffer) {
  return db.adminSession.deleteMany({ where: { id: new Uint8Array(id) } });
}

export function deleteSessionsOf(db: DbClient, accountId: string) {
  return db.adminSession.deleteMany({ where: { accountId } });
}

const tokenSelect = {
  id: true,
  name: true,
  role: true,
  scopes: true,
  createdAt: true,
  lastUsedAt: true,
  revokedAt: true,
  account: { select: { email: true } },
} as const;

export function insertToken(db: DbClient, data: { accountId: string; name: string; role: Role; scopes: string[]; tokenHash: Buffer }) {
  return db.apiToken.create({ data: { ...data, tokenHash: new Uint8Array(data.tokenHash) }, select: tokenSelect });
}

export function listTokens(db: DbClient) {
  return db.apiToken.findMany({ select: tokenSelect, orderBy: { createdAt: 'desc' } });
}

export function revokeToken(db: DbClient, id: string, at: Date) {
  return db.apiToken.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: at } });
}

export function findTokenByHash(db: DbClient, tokenHash: Buffer) {
  return db.apiToken.findUnique({
    where: { tokenHash: new Uint8Array(tokenHash) },
    select: {
      id: true,
      role: true,
      scopes: true,
      revokedAt: true,
      lastUsedAt: true,
      account: { select: { id: true, email: true, role: true, canExport: true, disabledAt: true } },
    },
  });
}

export function touchToken(db: DbClient, id: string, at: Date) {
  return db.apiToken.updateMany({ where: { id }, data: { lastUsedAt: at } });
}

export async function enabledOwnerExists(db: DbClient): Promise<boolean> {
  return (await db.adminAccount.findFirst({ where: { role: 'owner', disabledAt: null }, select: { id: true } })) !== null;
}

export function insertAuditEvent(
  db: DbClient,
  data: {
    actorAccountId: string | null;
    actorTokenId: string | null;
    actor: string | null;
    action: string;
    subject: string | null;
    details?: Prisma.InputJsonValue;
  },
) {
  return db.auditEvent.create({ data, select: { id: true } });
}

export function listAuditEvents(db: DbClient, options: { limit: number; before?: bigint }) {
  return db.auditEvent.findMany({
    where: options.before !== undefined ? { id: { lt: options.before } } : {},
    orderBy: { id: 'desc' },
    take: options.limit,
    select: { id: true, at: true, actorAccountId: true, actorTokenId: true, actor: true, action: true, subject: true, details: true },
  });
}
