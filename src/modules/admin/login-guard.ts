import { createHash } from 'node:crypto';
import type { Config } from '../../platform/config';
import type { SharedState } from '../../platform/shared-state';
import { AppError, type ProblemText } from '../../platform/errors';

/**
 * Attempt counters for staff logins, in the shared state (Redis or PostgreSQL) so every API process shares them.
 *
 * Every attempt is counted *before* its password is checked (one atomic increment per counter), so 20
 * concurrent attempts get the numbers 1..20 and only those within the limit are ever evaluated.
 * Three counters, so an adversary can neither guess on forever nor lock staff out:
 *
 * - per (account, source network): ADMIN_LOGIN_MAX_FAILURES attempts per ADMIN_LOGIN_LOCK_MINUTES.
 *   This is the lock that usually bites, and it locks only the adversary's network: the real
 *   person logging in from their own network is not affected.
 * - per account, from every network together: ADMIN_LOGIN_ACCOUNT_MAX_FAILURES (default 10 times
 *   higher). A backstop against guessing from many networks; reaching it locks the account (shown
 *   in the accounts list, audited), and an owner can unlock it by hand.
 * - per source network, whatever the account: ADMIN_LOGIN_NETWORK_PER_MINUTE, answered 429 with
 *   Retry-After, so one network cannot spray every account.
 *
 * The account counters are keyed by a hash of the email as typed (whether or not an account
 * exists), so refusals never tell whether an address has an account. A successful login takes its
 * own attempt back and clears its (account, network) counter.
 */
export type LoginGuardConfig = Pick<
  Config,
  'QUEUE_PREFIX' | 'ADMIN_LOGIN_MAX_FAILURES' | 'ADMIN_LOGIN_LOCK_MINUTES' | 'ADMIN_LOGIN_ACCOUNT_MAX_FAILURES' | 'ADMIN_LOGIN_NETWORK_PER_MINUTE'
>;

export interface LoginAttempt {
  /** Over the per-account (all networks) limit: the account should be locked. */
  accountLimitReached: boolean;
  /** Takes the attempt back after a successful login. */
  succeeded(): Promise<void>;
}

export class RetryLater extends AppError {
  constructor(
    readonly retryAfterSeconds: number,
    code: 'rate_limited' | 'not_ready',
    detail: ProblemText,
  ) {
    super(code, detail);
  }
}

const LOGIN_REFUSED: ProblemText = { key: 'staff.loginRefused' };

function digest(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 32);
}

/**
 * Counts one attempt and throws when any limit is passed: 429 for the network's rate, 401 (the
 * same answer as a wrong password) for the account's limits. Store down: 503, because without
 * the counters a lockout cannot be enforced.
 */
export async function countLoginAttempt(state: SharedState, config: LoginGuardConfig, email: string, networkKey: string): Promise<LoginAttempt> {
  const prefix = `${config.QUEUE_PREFIX}:login`;
  const account = `${prefix}:account:${digest(email)}`;
  const pair = `${prefix}:pair:${digest(email)}:${networkKey}`;
  const network = `${prefix}:network:${networkKey}`;
  const lockMs = config.ADMIN_LOGIN_LOCK_MINUTES * 60_000;
  let counts: Array<{ count: number; resetAt: Date }>;
  try {
    counts = await Promise.all([state.hit(network, 60_000), state.hit(pair, lockMs), state.hit(account, lockMs)]);
  } catch {
    throw new RetryLater(5, 'not_ready', { key: 'staff.loginsPaused' });
  }
  const [networkCount, pairCount, accountCount] = counts.map((c) => c.count) as [number, number, number];
  if (networkCount > config.ADMIN_LOGIN_NETWORK_PER_MINUTE) {
    const ttl = counts[0]!.resetAt.getTime() - Date.now();
    throw new RetryLater(Math.max(1, Math.ceil(ttl / 1000)), 'rate_limited', { key: 'staff.loginsFromNetwork' });
  }
  if (pairCount > config.ADMIN_LOGIN_MAX_FAILURES || accountCount > config.ADMIN_LOGIN_ACCOUNT_MAX_FAILURES) {
    throw new AppError('unauthorised', LOGIN_REFUSED);
  }
  return {
    accountLimitReached: accountCount >= config.ADMIN_LOGIN_ACCOUNT_MAX_FAILURES,
    succeeded: async () => {
      await Promise.all([state.forget(pair), state.takeBack(account)]).catch(() => undefined);
    },
  };
}

export { LOGIN_REFUSED };
