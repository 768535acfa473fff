import type { Db, DbClient, Prisma } from '../../platform/db';
import { DEFAULT_LOCALE, type Locale } from '../../platform/i18n';
import type { AdminPrincipal } from './principal';
import * as repo from './admin.repository';

/**
 * Who a use case is done for: a signed-in account or an API token (`AdminPrincipal`), the
 * command line (`'cli'`), or Clarion itself (`null`: a schedule, a bounce, a supporter's own
 * mailbox link).
 */
export type Actor = AdminPrincipal | 'cli' | null;

/**
 * The one shape every service that acts on someone's behalf takes first: what it runs on, who
 * acts, and the language its answers are said in. `P` is as much of the platform as the use case
 * needs, so a command-line tool can pass a database alone.
 */
export interface UseCaseContext<P extends { db: Db } = { db: Db }> {
  platform: P;
  actor: Actor;
  locale: Locale;
}

/** A use case only a signed-in account or an API token may do (it reads who they are). */
export type StaffUseCase<P extends { db: Db } = { db: Db }> = UseCaseContext<P> & { actor: AdminPrincipal };

/** A context for staff work: staff tools and the admin API answer in English. */
export function staffContext<P extends { db: Db }, A extends Actor>(platform: P, actor: A): UseCaseContext<P> & { actor: A } {
  return { platform, actor, locale: DEFAULT_LOCALE };
}

/** A use case a supporter does for themself (through a page or their own mailbox's link), in their language. */
export function supporterContext<P extends { db: Db }>(platform: P, locale: Locale): UseCaseContext<P> & { actor: null } {
  return { platform, actor: null, locale };
}

/**
 * What an audit row says. `details` must stay small and never carry a supporter's personal data:
 * counts, codes and ids only.
 */
export interface AuditEntry {
  subject: string | null;
  details?: Prisma.InputJsonValue;
}

/**
 * An audited write: `change` runs in one transaction with its audit row, so no write lands
 * without its record and no record without its write. `change` answers with its result and what
 * the row says about it (the new id, the counts), or `audit: false` when it changed nothing worth
 * a row.
 */
export async function auditedWrite<T>(
  ctx: UseCaseContext,
  action: string,
  change: (tx: DbClient) => Promise<{ result: T } & (AuditEntry | { audit: false })>,
  options?: { maxWait?: number; timeout?: number },
): Promise<T> {
  return ctx.platform.db.$transaction(async (tx) => {
    const done = await change(tx);
    if (!('audit' in done)) await auditIn(tx, ctx, action, done);
    return done.result;
  }, options);
}

/**
 * The audit row of one step of a write that runs as several transactions (batches of a fraud
 * rule, of a retention run, of an erasure): each batch records its own row in its own
 * transaction, with what that batch changed. Answers the row's id, for a run that keeps one row
 * current as it goes (retention).
 */
export async function auditIn(tx: DbClient, ctx: Pick<UseCaseContext, 'actor'>, action: string, entry: AuditEntry): Promise<bigint> {
  const principal = ctx.actor === 'cli' ? null : ctx.actor;
  const { id } = await repo.insertAuditEvent(tx, {
    actorAccountId: principal?.accountId ?? null,
    actorTokenId: principal?.tokenId ?? null,
    actor: ctx.actor === 'cli' ? 'cli' : actorKind(principal),
    action,
    subject: entry.subject,
    ...(entry.details !== undefined ? { details: entry.details } : {}),
  });
  return id;
}

/**
 * An audited access that writes nothing of its own: an export, an OSDI read of people, a
 * signature the OSDI helper passed to the public form's path. It is recorded before the answer
 * leaves, on its own.
 */
export async function auditAccess(ctx: UseCaseContext, action: string, entry: AuditEntry): Promise<void> {
  await auditIn(ctx.platform.db, ctx, action, entry);
}

function actorKind(actor: AdminPrincipal | null): string | null {
  if (!actor) return null;
  if (actor.bootstrap) return 'bootstrap-token';
  return actor.via === 'session' ? 'session' : 'api-token';
}
