import { createHash } from 'node:crypto';
import { z } from 'zod';
import { TRUST_EVERY_HOP_EXPLANATION, trustsEveryHop, weakKeyReason, weakSecretReason } from './production-safety';

/**
 * The process's configuration, read from the environment once at start. A missing or invalid
 * variable stops the process with a list naming every problem (see `loadConfig`).
 * Every variable is documented in `.env.example`.
 */
const booleanFromEnv = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((value) => value === 'true' || value === '1' || value === 'yes');

const encryptionKeys = z
  .string()
  .min(1)
  .transform((value, ctx) => {
    const entries = value
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean);
    if (entries.length === 0) ctx.addIssue({ code: 'custom', message: 'must list at least one key' });
    // Messages name an entry by its position, and by its id only once the id is known to be an id:
    // a value without its `id:` would otherwise print the key itself.
    const keys = entries.map((entry, index) => {
      const [id = '', material = '', ...rest] = entry.split(':');
      const label = /^[A-Za-z0-9_-]{1,32}$/.test(id) ? `key "${id}"` : `key #${index + 1}`;
      if (label !== `key "${id}"`)
        ctx.addIssue({ code: 'custom', message: `${label}: the id must be 1-32 letters, digits, _ or -, followed by ":" and the key` });
      const key = Buffer.from(material, 'base64');
      if (rest.length > 0 || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(material) || key.length !== 32) {
        ctx.addIssue({ code: 'custom', message: `${label} must be 32 bytes, base64-encoded` });
      }
      return { id, key, material };
    });
    if (new Set(keys.map((k) => k.id)).size !== keys.length) ctx.addIssue({ code: 'custom', message: 'key ids must be unique' });
    return keys;
  });

/** The keys' material is kept only until the production checks have looked at it. */
type ParsedKey = { id: string; key: Buffer; material?: string };

export const configSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().default('127.0.0.1'),
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
    /** Required with QUEUE_BACKEND=redis (the default); unused with postgres. */
    REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
    /**
     * Where the queues, and what else is shared between processes (rate limits, login counters,
     * proof-of-work replays, letter pacing), live: `redis` (REDIS_URL), or `postgres`, BullMQ's
     * PostgreSQL backend in the schema `bullmq` of DATABASE_URL plus tables of our own, so Clarion
     * runs with PostgreSQL alone (README "Queues on PostgreSQL"). Chosen once, at start.
     */
    QUEUE_BACKEND: z.enum(['redis', 'postgres']).default('redis'),
    /** Where mail goes. Unset in development: the built-in mail catcher started by `npm start`. */
    SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
    SMTP_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(5),
    /**
     * Bounces: every message leaves with the envelope sender `<BOUNCE_LOCAL_PART>+<opaque id>@BOUNCE_DOMAIN`
     * (VERP), so a delivery report that comes back later names the message it is about. Point the
     * domain's MX at the bounces listener. Unset, the domain is PUBLIC_BASE_URL's host.
     */
    BOUNCE_DOMAIN: z
      .string()
      .regex(/^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i, 'must be a domain name')
      .optional(),
    BOUNCE_LOCAL_PART: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]{0,15}$/i, 'letters, digits, dot, dash or underscore, at most 16')
      .default('bounces'),
    /** The bounces listener (`npm run bounces`, started by `npm start`): plain SMTP, loopback unless set. */
    BOUNCE_SMTP_HOST: z.string().default('127.0.0.1'),
    BOUNCE_SMTP_PORT: z.coerce.number().int().min(0).max(65535).default(2526),
    /**
     * Provider webhooks (README "Bounces and complaints"), each off while unset: the SNS topics SES
     * publishes bounce and complaint notifications to (comma-separated ARNs), Mailgun's webhook
     * signing key, and how old a signed call may be before it is refused as a replay.
     */
    SES_SNS_TOPIC_ARNS: z
      .string()
      .default('')
      .transform((value) =>
        value
          .split(',')
          .map((arn) => arn.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.string().regex(/^arn:aws(-[a-z]+)*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, 'must be SNS topic ARNs'))),
    MAILGUN_WEBHOOK_SIGNING_KEY: z.string().default(''),
    PROVIDER_WEBHOOK_MAX_AGE_SECONDS: z.coerce.number().int().min(60).max(86_400).default(900),
    PUBLIC_BASE_URL: z.url({ protocol: /^https?$/ }).transform((url) => url.replace(/\/+$/, '')),
    /** Signs confirmation tokens and keys the email and IP hashes. At least 32 characters. */
    SECRET_KEY: z.string().min(32, 'must be at least 32 characters'),
    /** `id:base64key[,id:base64key...]`: AES-256-GCM keys for personal data at rest; the first encrypts. */
    ENCRYPTION_KEYS: encryptionKeys,
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Express's `trust proxy`: hops or subnets whose X-Forwarded-For is believed. */
    TRUST_PROXY: z.string().default('loopback'),
    /** Prefix of every BullMQ key, so several deployments (or test runs) can share one Redis. */
    QUEUE_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/)
      .optional(),
    CONFIRMATION_TOKEN_TTL_HOURS: z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 90)
      .default(24 * 14),
    RATE_LIMIT_ENABLED: booleanFromEnv.default(true),
    /**
     * Emails per supporter address per day (UTC) that follow something typed on a public page
     * (confirmations, reminders, letters approvals, new links, erasure links): nobody can use
     * Clarion to flood an inbox. A supporter's own clicks rarely need more than three.
     */
    SUPPORTER_EMAILS_PER_DAY: z.coerce.number().int().min(1).max(100).default(6),
    /**
     * Bootstrap bearer token with the owner role (for scripts and `npm start`'s development .env);
     * admin accounts and their API tokens are the usual way in. At least 32 characters.
     */
    ADMIN_API_TOKEN: z.string().min(32, 'must be at least 32 characters').optional(),
    /** Bearer token for GET /metrics (Prometheus). Required in production; unset elsewhere: /metrics is open. */
    METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    /** An admin session ends after this many minutes without a request, */
    ADMIN_SESSION_IDLE_MINUTES: z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 60 * 30)
      .default(12 * 60),
    /** and after this many hours whatever happens. */
    ADMIN_SESSION_MAX_HOURS: z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 90)
      .default(24 * 7),
    /** Failed logins in a row that lock an admin account, and for how many minutes. */
    ADMIN_LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).max(100).default(5),
    ADMIN_LOGIN_LOCK_MINUTES: z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(15),
    /**
     * The first limit counts per (account, source network), so an adversary locks only their own
     * network; this one counts an account's attempts from every network together and locks the
     * account itself, a backstop set much higher (README "Admin accounts").
     */
    ADMIN_LOGIN_ACCOUNT_MAX_FAILURES: z.coerce.number().int().min(1).max(10_000).default(50),
    /** Login attempts per minute from one source network, whatever the account (then 429). */
    ADMIN_LOGIN_NETWORK_PER_MINUTE: z.coerce.number().int().min(1).max(10_000).default(30),
    /** Password hashes computed at once (argon2 shares libuv's 4 threads with file reads), and how many may wait. */
    ADMIN_LOGIN_HASH_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
    ADMIN_LOGIN_HASH_QUEUE: z.coerce.number().int().min(0).max(10_000).default(16),
    /** DKIM signing of letters and emails: all three, or none. The key is PEM; `\n` may stand for newlines. */
    DKIM_DOMAIN: z.string().min(1).optional(),
    DKIM_SELECTOR: z.string().min(1).optional(),
    DKIM_PRIVATE_KEY: z
      .string()
      .min(1)
      .transform((pem) => pem.replace(/\\n/g, '\n'))
      .optional(),
    /** Letters per delegation per hour at office hours in the delegation's time zone. */
    LETTERS_HOURLY_CAP: z.coerce.number().int().min(1).max(100_000).default(30),
    /** Lift every per-delegation cap (benchmarks only; never in production). */
    LETTERS_CAP_DISABLED: booleanFromEnv.default(false),
    /** How long a letter may stay `sending` before the sweeper resolves it. */
    LETTERS_SEND_LEASE_SECONDS: z.coerce.number().int().min(5).max(3600).default(120),
    /** Near-identical paragraphs to one delegation within a day from this many letters on go to review. */
    LETTERS_COPY_PASTE_THRESHOLD: z.coerce.number().int().min(2).default(10),
    /** Retries of a letter after temporary SMTP failures before it goes to the dead-letter state. */
    LETTERS_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
    /** First retry delay; doubles each attempt. */
    LETTERS_RETRY_BASE_MS: z.coerce.number().int().min(10).default(30_000),
    /** Campaign updates (mailings): messages per minute, for each mailing being sent. */
    MAILINGS_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(600),
    /** How long an update may stay `sending` to one recipient before the sweeper queues it again. */
    MAILINGS_SEND_LEASE_SECONDS: z.coerce.number().int().min(5).max(3600).default(120),
    /** "Send a test to myself": tests per staff account per rolling hour (each one is an email sent). */
    MAILINGS_TESTS_PER_HOUR: z.coerce.number().int().min(1).max(1000).default(10),
    OUTBOX_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(250),
    /** How often the reconciliation pass looks for owed jobs that Redis lost (platform/reconcile.ts). */
    OUTBOX_RECONCILE_INTERVAL_MS: z.coerce.number().int().min(50).max(600_000).default(10_000),
    /** A relayed job is first checked this long after relaying (then less often while it lives). */
    OUTBOX_RECONCILE_AFTER_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
    /**
     * A worker's lock on a job lasts this long and is renewed at half of it while the job runs (also
     * through a long SMTP send); a worker that died loses its jobs to the stalled check, run this
     * often. A killed worker's jobs are running again within about lock + check (15 s by default).
     */
    QUEUE_LOCK_MS: z.coerce.number().int().min(1000).max(600_000).default(10_000),
    QUEUE_STALLED_CHECK_MS: z.coerce.number().int().min(500).max(600_000).default(5_000),
    /**
     * Connections per process to PostgreSQL. The default suits a 2-core server running the API and
     * the worker (PostgreSQL itself allows 100): more connections than cores mostly queue in PostgreSQL.
     */
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(500).default(10),
    /** How long a request waits for a free connection (or a new one) before it answers 503. */
    DATABASE_POOL_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5_000),
    /** How long a transaction waits to start (Prisma's maxWait), and how long it may run. */
    DATABASE_TRANSACTION_WAIT_MS: z.coerce.number().int().min(100).max(120_000).default(5_000),
    DATABASE_TRANSACTION_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(15_000),
    /** Retry-After (seconds) of a 503 answered while PostgreSQL or Redis is unreachable or overloaded. */
    RETRY_AFTER_SECONDS: z.coerce.number().int().min(1).max(3600).default(5),
    /**
     * Redis must not evict keys: an evicted job is work the reconciliation pass must redo. At start
     * the service checks `maxmemory-policy`; in production it refuses any other policy than
     * `noeviction` unless this is true.
     */
    REDIS_ALLOW_EVICTION: booleanFromEnv.default(false),
    /**
     * Webhooks (src/modules/webhooks/README.md). Attempts and first retry delay (doubling): 13 from
     * 60 s span about three days; an endpoint failing that long (WEBHOOKS_DISABLE_AFTER_SECONDS) is
     * disabled. Each request times out after WEBHOOKS_TIMEOUT_MS.
     */
    WEBHOOKS_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(30).default(13),
    WEBHOOKS_RETRY_BASE_MS: z.coerce.number().int().min(10).default(60_000),
    WEBHOOKS_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
    WEBHOOKS_DISABLE_AFTER_SECONDS: z.coerce
      .number()
      .int()
      .min(1)
      .default(3 * 24 * 3600),
    WEBHOOKS_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(16),
    /** Requests in flight to one endpoint per worker process, so a slow endpoint holds few of the worker's slots. */
    WEBHOOKS_PER_ENDPOINT_IN_FLIGHT: z.coerce.number().int().min(1).max(256).default(4),
    /** Days events, deliveries and attempts are kept (and can be replayed); events still owed work are kept. */
    WEBHOOKS_HISTORY_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
    /**
     * Hosts (as written in the URL) that may be plain http and resolve to private or loopback
     * addresses: for tests and development only; refused in production.
     */
    WEBHOOKS_ALLOW_PRIVATE_HOSTS: z
      .string()
      .default('')
      .transform(
        (value) =>
          new Set(
            value
              .split(',')
              .map((host) => host.trim().toLowerCase())
              .filter(Boolean),
          ),
      ),
    /** First retry delay of a supporter's email after a temporary SMTP failure; doubles each attempt. */
    EMAIL_RETRY_BASE_MS: z.coerce.number().int().min(10).default(5_000),
    /** Days a signature keeps its source-network hash (the fraud view's reach); then it is cleared. */
    IP_HASH_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
    /** Days a signature may stay unconfirmed; then the retention run deletes it (and its count). */
    UNCONFIRMED_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
    /** How often the worker's retention run looks for expired data (it also runs at start). */
    RETENTION_INTERVAL_MS: z.coerce.number().int().min(1_000).default(3_600_000),
    RATE_LIMIT_IP_PER_MINUTE: z.coerce.number().int().min(1).default(20),
    RATE_LIMIT_IP_PER_HOUR: z.coerce.number().int().min(1).default(200),
    RATE_LIMIT_DOMAIN_PER_MINUTE: z.coerce.number().int().min(1).default(60),
    RATE_LIMIT_DOMAIN_PER_HOUR: z.coerce.number().int().min(1).default(1000),
    /** Mail providers too big to limit by domain: a viral campaign legitimately brings thousands. */
    RATE_LIMIT_DOMAIN_EXEMPT: z
      .string()
      .default(
        'gmail.com,googlemail.com,outlook.com,hotmail.com,live.com,yahoo.com,icloud.com,mail.ru,yandex.ru,yandex.kz,proton.me,protonmail.com,gmx.de,web.de,bk.ru,inbox.ru,list.ru',
      )
      .transform(
        (value) =>
          new Set(
            value
              .split(',')
              .map((d) => d.trim().toLowerCase())
              .filter(Boolean),
          ),
      ),
  })
  .transform((config, ctx) => {
    const dkim = [config.DKIM_DOMAIN, config.DKIM_SELECTOR, config.DKIM_PRIVATE_KEY].filter(Boolean).length;
    if (dkim !== 0 && dkim !== 3)
      ctx.addIssue({ code: 'custom', path: ['DKIM_PRIVATE_KEY'], message: 'DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY go together' });
    if (!config.SMTP_URL && config.NODE_ENV === 'production') {
      ctx.addIssue({ code: 'custom', path: ['SMTP_URL'], message: 'is required in production' });
    }
    if (trustsEveryHop(config.TRUST_PROXY)) ctx.addIssue({ code: 'custom', path: ['TRUST_PROXY'], message: TRUST_EVERY_HOP_EXPLANATION });
    if (config.NODE_ENV === 'production') refuseUnsafeProductionSecrets(config, ctx);
    if (config.NODE_ENV === 'production' && config.WEBHOOKS_ALLOW_PRIVATE_HOSTS.size > 0)
      ctx.addIssue({
        code: 'custom',
        path: ['WEBHOOKS_ALLOW_PRIVATE_HOSTS'],
        message: 'must be empty in production: webhooks go to public https addresses only',
      });
    const keys = (config.ENCRYPTION_KEYS as ParsedKey[]).map(({ id, key }) => ({ id, key }));
    return {
      ...config,
      ENCRYPTION_KEYS: keys,
      QUEUE_PREFIX: config.QUEUE_PREFIX ?? defaultQueuePrefix(config.DATABASE_URL),
      // Outside production, unset SMTP_URL means the development mail catcher that `npm start` runs.
      SMTP_URL: config.SMTP_URL ?? DEV_MAIL_CATCHER_SMTP_URL,
      BOUNCE_DOMAIN: (config.BOUNCE_DOMAIN ?? new URL(config.PUBLIC_BASE_URL).hostname).toLowerCase(),
    };
  });

/**
 * Production needs secrets nobody else knows: published placeholders and guessable values are
 * refused, and /metrics must not be open (it shows counts by status, see README "Privacy").
 */
function refuseUnsafeProductionSecrets(
  config: { SECRET_KEY: string; ADMIN_API_TOKEN?: string | undefined; METRICS_TOKEN?: string | undefined; ENCRYPTION_KEYS: ParsedKey[] },
  ctx: z.RefinementCtx,
): void {
  const texts = { SECRET_KEY: config.SECRET_KEY, ADMIN_API_TOKEN: config.ADMIN_API_TOKEN, METRICS_TOKEN: config.METRICS_TOKEN };
  for (const [name, value] of Object.entries(texts)) {
    const reason = value === undefined ? undefined : weakSecretReason(value);
    if (reason) ctx.addIssue({ code: 'custom', path: [name], message: `${reason} (production)` });
  }
  if (config.METRICS_TOKEN === undefined) {
    ctx.addIssue({ code: 'custom', path: ['METRICS_TOKEN'], message: 'is required in production: without it /metrics is open to anyone' });
  }
  config.ENCRYPTION_KEYS.forEach(({ id, key, material }, index) => {
    if (key.length !== 32) return; // already reported
    const reason = weakKeyReason(material ?? '', key);
    const label = /^[A-Za-z0-9_-]{1,32}$/.test(id) ? `key "${id}"` : `key #${index + 1}`;
    if (reason) ctx.addIssue({ code: 'custom', path: ['ENCRYPTION_KEYS'], message: `${label} ${reason} (production)` });
  });
}

/**
 * Two instances sharing one Redis must never take each other's jobs (a worker of one would find no
 * signature for the other's email and mark it skipped). Unless QUEUE_PREFIX is set, the prefix is
 * derived from the database the instance writes to: same database, same queues; other database,
 * other queues. Credentials and query options are left out, so changing a password moves nothing.
 */
export function defaultQueuePrefix(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  const identity = `${url.hostname.toLowerCase()}:${url.port || '5432'}/${decodeURIComponent(url.pathname.replace(/^\//, ''))}`;
  return `clarion-${createHash('sha256').update(identity).digest('hex').slice(0, 12)}`;
}

export const DEV_MAIL_CATCHER_SMTP_URL = 'smtp://127.0.0.1:2525';

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export function parseConfig(env: NodeJS.ProcessEnv): Config {
  const result = configSchema.safeParse(env);
  // Name the variable and the rule, never the value: values can be secrets.
  const problems = result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`);
  // Checked here rather than in the schema, so it is listed with every other missing variable.
  if (env.REDIS_URL === undefined && (env.QUEUE_BACKEND ?? 'redis') === 'redis') problems.push('REDIS_URL: is required unless QUEUE_BACKEND=postgres');
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);
  return result.data;
}

let cached: Config | undefined;

/** Parses the environment once per process; exits with the list of problems when it is wrong. */
export function loadConfig(): Config {
  if (cached) return cached;
  try {
    cached = parseConfig(process.env);
    return cached;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\nSee .env.example for every variable.\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
}
