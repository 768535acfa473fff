import type { Request, RequestHandler, Response } from 'express';
import { rateLimit, type ClientRateLimitInfo, type Options, type Store } from 'express-rate-limit';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import { redisOf, type Platform } from '../../platform/context';
import type { SharedState } from '../../platform/shared-state';
import { problemFor, sendProblem } from '../../platform/http/problem';
import { normaliseEmail, emailDomain } from './email-address';
import { ipSourceHash, networkHash, widerNetworksOf } from '../../platform/network-hash';

/**
 * Burst and sustained limits on signing, per source network and per email domain, counted in Redis
 * (or, with QUEUE_BACKEND=postgres, in the shared_values table) so every API process shares them.
 * Keys are keyed hashes: raw IPs never reach the store either. If the store is down the limits fail open: losing signatures would be worse than a brief flood,
 * which the admin's fraud view can still clean up.
 */
/** How a limited request is answered, when not with the problem (a page for a browser's form post). */
export type LimitedAnswer = (req: Request, res: Response, retryAfterSeconds: number) => boolean;

/**
 * For callers that are not browsers (the OSDI helpers): `client` names who is calling (an API
 * token's id), counted with the per-network limits instead of the network, whose address is a
 * CRM's server rather than the signer's; `emailOf` finds the address in a body of another shape.
 */
export interface SigningLimitOptions {
  client?: (req: Request) => string;
  emailOf?: (body: unknown) => unknown;
}

export function signingRateLimits(platform: Platform, answerLimited?: LimitedAnswer, options: SigningLimitOptions = {}): RequestHandler[] {
  const { config } = platform;
  if (!config.RATE_LIMIT_ENABLED) return [];
  const emailOf = options.emailOf ?? emailField;
  const byDomain = (req: Parameters<NonNullable<Options['keyGenerator']>>[0]) => domainOf(emailOf(req.body)) ?? '';
  const skipDomain = (req: Parameters<NonNullable<Options['skip']>>[0]) => {
    const domain = domainOf(emailOf(req.body));
    return !domain || config.RATE_LIMIT_DOMAIN_EXEMPT.has(domain);
  };
  const domainLimits = [
    limiter(platform, 'domain-minute', 60_000, config.RATE_LIMIT_DOMAIN_PER_MINUTE, byDomain, skipDomain, answerLimited),
    limiter(platform, 'domain-hour', 3_600_000, config.RATE_LIMIT_DOMAIN_PER_HOUR, byDomain, skipDomain, answerLimited),
  ];
  const { client } = options;
  if (client) {
    // The same figures as a network's: a client holding a token gets no more than a household.
    return [
      limiter(platform, 'client-minute', 60_000, config.RATE_LIMIT_IP_PER_MINUTE, client, undefined, answerLimited),
      limiter(platform, 'client-hour', 3_600_000, config.RATE_LIMIT_IP_PER_HOUR, client, undefined, answerLimited),
      ...domainLimits,
    ];
  }
  const byIp = (req: Parameters<NonNullable<Options['keyGenerator']>>[0]) => ipSourceHash(platform, req.ip)?.toString('hex') ?? 'unknown';
  // IPv6: the /56 and /48 count too, at 4 and 16 times the per-network limits (a household or
  // office often has a /56, a provider's customer a /48). IPv4 clients skip these.
  const byWider = (index: 0 | 1) => (req: Parameters<NonNullable<Options['keyGenerator']>>[0]) => {
    const network = req.ip ? widerNetworksOf(req.ip)[index] : undefined;
    return network ? networkHash(platform, network).toString('hex') : 'unknown';
  };
  const notIpv6 = (req: Parameters<NonNullable<Options['skip']>>[0]) => !req.ip || widerNetworksOf(req.ip).length === 0;
  return [
    limiter(platform, 'ip-minute', 60_000, config.RATE_LIMIT_IP_PER_MINUTE, byIp, undefined, answerLimited),
    limiter(platform, 'ip-hour', 3_600_000, config.RATE_LIMIT_IP_PER_HOUR, byIp, undefined, answerLimited),
    limiter(platform, 'ip56-minute', 60_000, config.RATE_LIMIT_IP_PER_MINUTE * 4, byWider(0), notIpv6, answerLimited),
    limiter(platform, 'ip56-hour', 3_600_000, config.RATE_LIMIT_IP_PER_HOUR * 4, byWider(0), notIpv6, answerLimited),
    limiter(platform, 'ip48-minute', 60_000, config.RATE_LIMIT_IP_PER_MINUTE * 16, byWider(1), notIpv6, answerLimited),
    limiter(platform, 'ip48-hour', 3_600_000, config.RATE_LIMIT_IP_PER_HOUR * 16, byWider(1), notIpv6, answerLimited),
    ...domainLimits,
  ];
}

function emailField(body: unknown): unknown {
  return body && typeof body === 'object' && 'email' in body ? (body as { email: unknown }).email : undefined;
}

function domainOf(email: unknown): string | null {
  const normalised = typeof email === 'string' ? normaliseEmail(email) : null;
  return normalised ? emailDomain(normalised) : null;
}

/**
 * rate-limit-redis loads its Lua scripts once, when the limiter is built, and keeps a failed load
 * for good: an API that started while Redis was down would never limit again. After a failure
 * the scripts are loaded afresh and the count is tried once more.
 */
class RecoveringRedisStore extends RedisStore {
  /** At start-up the request client may not be connected yet: a failed load is retried on first use. */
  override async init(options: Parameters<RedisStore['init']>[0]): Promise<void> {
    await super.init(options).catch(() => undefined);
  }

  override async increment(key: string): ReturnType<RedisStore['increment']> {
    try {
      return await super.increment(key);
    } catch {
      this.incrementScriptSha = this.loadIncrementScript();
      this.getScriptSha = this.loadGetScript();
      this.getScriptSha.catch(() => undefined); // get() is not on the signing path; no unhandled rejection
      return super.increment(key);
    }
  }
}

/** The same counting in the shared state (shared-state.ts): one atomic upsert per hit. */
class SharedStateStore implements Store {
  private windowMs = 60_000;

  constructor(
    private readonly state: SharedState,
    readonly prefix: string,
  ) {}

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const counter = await this.state.peek(this.prefix + key);
    return counter && { totalHits: counter.count, resetTime: counter.resetAt };
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    const { count, resetAt } = await this.state.hit(this.prefix + key, this.windowMs);
    return { totalHits: count, resetTime: resetAt };
  }

  async decrement(key: string): Promise<void> {
    await this.state.takeBack(this.prefix + key);
  }

  async resetKey(key: string): Promise<void> {
    await this.state.forget(this.prefix + key);
  }
}

function limiterStore(platform: Platform, name: string): Store {
  const prefix = `${platform.config.QUEUE_PREFIX}:rl:${name}:`;
  const redis = redisOf(platform);
  if (!redis) return new SharedStateStore(platform.state, prefix);
  return new RecoveringRedisStore({ prefix, sendCommand: (command: string, ...args: string[]) => redis.call(command, ...args) as Promise<RedisReply> });
}

function limiter(
  platform: Platform,
  name: string,
  windowMs: number,
  limit: number,
  keyGenerator: NonNullable<Options['keyGenerator']>,
  skip?: Options['skip'],
  answerLimited?: LimitedAnswer,
): RequestHandler {
  // Store errors (Redis or PostgreSQL down) go to our log, not the console; they carry no request data.
  const log = platform.logger.child({ component: 'rate-limits', limiter: name });
  const storeLogger = {
    error: (error: unknown, message?: string) => log.warn({ err: error }, message ?? 'rate-limit store error'),
    warn: (error: unknown, message?: string) => log.warn({ err: error }, message ?? 'rate-limit warning'),
  };
  return rateLimit({
    windowMs,
    limit,
    keyGenerator,
    skip,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    passOnStoreError: true,
    logger: storeLogger,
    // Our keys are hashes of the /64, not raw addresses, so the IPv6 key check does not apply.
    validate: { keyGeneratorIpFallback: false },
    store: limiterStore(platform, name),
    handler: (req, res) => {
      const resetTime = (req as typeof req & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const retryAfter = resetTime ? Math.max(1, Math.ceil((resetTime.getTime() - Date.now()) / 1000)) : Math.ceil(windowMs / 1000);
      res.setHeader('Retry-After', String(retryAfter));
      if (answerLimited?.(req, res, retryAfter)) return;
      sendProblem(res, problemFor('rate_limited', { key: 'problems.detail.rateLimited', params: { seconds: retryAfter } }));
    },
  });
}
