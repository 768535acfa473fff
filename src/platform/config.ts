import { z } from 'zod';

/**
 * The process's configuration, read from the environment once at start. A missing or invalid
 * variable stops the process with a list naming every problem (see `loadConfig`).
 * Every variable is documented in `.env.example`.
 */
const booleanFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const encryptionKeys = z
  .string()
  .min(1)
  .transform((value, ctx) => {
    const keys = value.split(',').map((entry) => entry.trim()).filter(Boolean).map((entry) => {
      const [id, material] = entry.split(':');
      return { id: id ?? '', key: Buffer.from(material ?? '', 'base64') };
    });
    for (const { id, key } of keys) {
      if (!/^[A-Za-z0-9_-]{1,32}$/.test(id)) ctx.addIssue({ code: 'custom', message: `key id "${id}" must be 1-32 letters, digits, _ or -` });
      if (key.length !== 32) ctx.addIssue({ code: 'custom', message: `key "${id}" must be 32 bytes, base64-encoded` });
    }
    if (new Set(keys.map((k) => k.id)).size !== keys.length) ctx.addIssue({ code: 'custom', message: 'key ids must be unique' });
    return keys;
  });

export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }),
  /** Where mail goes. Unset in development: the built-in mail catcher started by `npm start`. */
  SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
  SMTP_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(5),
  PUBLIC_BASE_URL: z.url({ protocol: /^https?$/ }).transform((url) => url.replace(/\/+$/, '')),
  /** Signs confirmation tokens and keys the email and IP hashes. At least 32 characters. */
  SECRET_KEY: z.string().min(32, 'must be at least 32 characters'),
  /** `id:base64key[,id:base64key...]`: AES-256-GCM keys for personal data at rest; the first encrypts. */
  ENCRYPTION_KEYS: encryptionKeys,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Express's `trust proxy`: hops or subnets whose X-Forwarded-For is believed. */
  TRUST_PROXY: z.string().default('loopback'),
  /** Prefix of every BullMQ key, so several deployments (or test runs) can share one Redis. */
  QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+$/).default('clarion'),
  CONFIRMATION_TOKEN_TTL_HOURS: z.coerce.number().int().min(1).max(24 * 90).default(24 * 14),
  RATE_LIMIT_ENABLED: booleanFromEnv.default(true),
  OUTBOX_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(250),
  RATE_LIMIT_IP_PER_MINUTE: z.coerce.number().int().min(1).default(20),
  RATE_LIMIT_IP_PER_HOUR: z.coerce.number().int().min(1).default(200),
  RATE_LIMIT_DOMAIN_PER_MINUTE: z.coerce.number().int().min(1).default(60),
  RATE_LIMIT_DOMAIN_PER_HOUR: z.coerce.number().int().min(1).default(1000),
  /** Mail providers too big to limit by domain: a viral campaign legitimately brings thousands. */
  RATE_LIMIT_DOMAIN_EXEMPT: z.string().default('gmail.com,googlemail.com,outlook.com,hotmail.com,live.com,yahoo.com,icloud.com,mail.ru,yandex.ru,yandex.kz,proton.me,protonmail.com,gmx.de,web.de,bk.ru,inbox.ru,list.ru')
    .transform((value) => new Set(value.split(',').map((d) => d.trim().toLowerCase()).filter(Boolean))),
}).transform((config, ctx) => {
  if (!config.SMTP_URL && config.NODE_ENV === 'production') {
    ctx.addIssue({ code: 'custom', path: ['SMTP_URL'], message: 'is required in production' });
  }
  // Outside production, unset SMTP_URL means the development mail catcher that `npm start` runs.
  return { ...config, SMTP_URL: config.SMTP_URL ?? DEV_MAIL_CATCHER_SMTP_URL };
});

export const DEV_MAIL_CATCHER_SMTP_URL = 'smtp://127.0.0.1:2525';

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export function parseConfig(env: NodeJS.ProcessEnv): Config {
  const result = configSchema.safeParse(env);
  if (!result.success) {
    // Name the variable and the rule, never the value: values can be secrets.
    throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`));
  }
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
