/**
 * Errors that mean "a dependency is down or overloaded right now", not "this request is wrong" nor
 * "our code is wrong". The API answers them with 503 and Retry-After (never 500), so clients and
 * supporters try again instead of giving up.
 *
 * Recognised from Prisma's codes (P1001 unreachable, P1002/P1008 timed out, P1017 connection
 * closed, P2024 pool timeout, P2028 transaction could not start in time, P2037 too many
 * connections), PostgreSQL's SQLSTATE classes 08 (connection) and 53 (insufficient resources)
 * and 57P01-57P03 (shutting down, starting up), node's socket errors, pg's pool timeout, and
 * ioredis's fail-fast refusals. Error chains (`cause`, Prisma's `meta`) are walked.
 */
export type UnavailableDependency = 'database' | 'redis';

const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028', 'P2037']);
const SQLSTATE = /^(08\d{3}|53\d{3}|57P0[1-3])$/;
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
const DATABASE_MESSAGES =
  /timeout exceeded when trying to connect|Connection terminated|the database system is (starting up|shutting down|in recovery mode)|Unable to start a transaction in the given time|too many clients|terminating connection due to administrator command|Can't reach database server|Client has encountered a connection error|DatabaseNotReachable|TooManyConnections/i;
const REDIS_MESSAGES =
  /Stream isn't writeable and enableOfflineQueue|Connection is closed|MaxRetriesPerRequest|Reached the max retries per request|Command timed out|Redis is not connected|LOADING Redis is loading/i;
const ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'TooManyConnections', 'SocketTimeout', 'ConnectionClosed', 'TransactionAlreadyClosed']);

export function unavailableDependency(error: unknown, depth = 0): UnavailableDependency | undefined {
  if (!error || typeof error !== 'object' || depth > 5) return undefined;
  const e = error as {
    code?: unknown;
    errorCode?: unknown;
    message?: unknown;
    name?: unknown;
    kind?: unknown;
    cause?: unknown;
    meta?: unknown;
    originalCode?: unknown;
  };
  const codes = [e.code, e.errorCode, e.originalCode].filter((c): c is string => typeof c === 'string');
  const message = typeof e.message === 'string' ? e.message : '';
  const name = typeof e.name === 'string' ? e.name : '';
  if (codes.some((c) => PRISMA_CODES.has(c) || SQLSTATE.test(c))) return 'database';
  if (name === 'PrismaClientInitializationError' || (typeof e.kind === 'string' && ADAPTER_KINDS.has(e.kind))) return 'database';
  if (REDIS_MESSAGES.test(message) || name === 'MaxRetriesPerRequestError') return 'redis';
  if (DATABASE_MESSAGES.test(message)) return 'database';
  if (codes.some((c) => SOCKET_CODES.has(c))) return /redis|6379/i.test(message) ? 'redis' : 'database';
  return (
    unavailableDependency(e.cause, depth + 1) ??
    unavailableDependency(e.meta, depth + 1) ??
    unavailableDependency((e.meta as { driverAdapterError?: unknown } | undefined)?.driverAdapterError, depth + 1)
  );
}
