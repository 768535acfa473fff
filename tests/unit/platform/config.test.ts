import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, DEV_MAIL_CATCHER_SMTP_URL, defaultQueuePrefix, parseConfig } from '../../../src/platform/config';

const KEY_A = Buffer.alloc(32, 1).toString('base64');
const KEY_B = Buffer.alloc(32, 2).toString('base64');

/** A complete, valid environment; tests change one thing at a time. */
const valid = {
  NODE_ENV: 'test',
  DATABASE_URL: 'postgresql://clarion:db-password-1234@127.0.0.1:5432/clarion',
  REDIS_URL: 'redis://:redis-password-5678@127.0.0.1:6379',
  PUBLIC_BASE_URL: 'https://petitions.example.org/',
  SECRET_KEY: 'a-secret-key-that-is-long-enough-0123456789',
  ENCRYPTION_KEYS: `k1:${KEY_A}`,
};

/** A production environment with freshly generated secrets: every production rule passes. */
const production = {
  ...valid,
  NODE_ENV: 'production',
  SMTP_URL: 'smtps://user:pass@smtp.example.org:465',
  SECRET_KEY: randomBytes(32).toString('base64url'),
  ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
  ADMIN_API_TOKEN: randomBytes(32).toString('base64url'),
  METRICS_TOKEN: randomBytes(24).toString('hex'),
};

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('parseConfig accepted the environment');
}

describe('parseConfig', () => {
  it('accepts a complete environment and fills in the defaults', () => {
    const config = parseConfig(valid);
    expect(config).toMatchObject({
      NODE_ENV: 'test',
      PORT: 3000,
      PUBLIC_BASE_URL: 'https://petitions.example.org',
      SMTP_URL: DEV_MAIL_CATCHER_SMTP_URL,
      RATE_LIMIT_ENABLED: true,
      QUEUE_PREFIX: defaultQueuePrefix(valid.DATABASE_URL),
    });
    expect(config.ENCRYPTION_KEYS).toEqual([{ id: 'k1', key: Buffer.alloc(32, 1) }]);
    expect(config.RATE_LIMIT_DOMAIN_EXEMPT.has('gmail.com')).toBe(true);
  });

  it('names every missing required variable at once', () => {
    const problems = problemsOf({});
    for (const name of ['DATABASE_URL', 'REDIS_URL', 'PUBLIC_BASE_URL', 'SECRET_KEY', 'ENCRYPTION_KEYS']) {
      expect(problems.some((p) => p.startsWith(`${name}:`))).toBe(true);
    }
    expect(problems).toHaveLength(5);
  });

  it('keeps the queues on Redis by default and needs REDIS_URL there; QUEUE_BACKEND=postgres needs no Redis', () => {
    expect(parseConfig(valid).QUEUE_BACKEND).toBe('redis');
    const { REDIS_URL: _redis, ...withoutRedis } = valid;
    expect(problemsOf(withoutRedis)).toEqual(['REDIS_URL: is required unless QUEUE_BACKEND=postgres']);
    const postgres = parseConfig({ ...withoutRedis, QUEUE_BACKEND: 'postgres' });
    expect(postgres.QUEUE_BACKEND).toBe('postgres');
    expect(postgres.REDIS_URL).toBeUndefined();
    expect(problemsOf({ ...valid, QUEUE_BACKEND: 'kafka' }).map((p) => p.slice(0, p.indexOf(':')))).toEqual(['QUEUE_BACKEND']);
  });

  it('names every invalid variable without printing any value', () => {
    const env = {
      ...valid,
      NODE_ENV: 'staging',
      PORT: 'eighty',
      DATABASE_URL: 'mysql://clarion:db-password-1234@db/clarion',
      REDIS_URL: 'http://:redis-password-5678@127.0.0.1',
      SMTP_URL: 'https://mailer:smtp-password-9012@smtp.example.org',
      SECRET_KEY: 'too-short-secret-3456',
      LOG_LEVEL: 'loud',
      RATE_LIMIT_ENABLED: 'maybe',
      QUEUE_PREFIX: 'has:colon',
      CONFIRMATION_TOKEN_TTL_HOURS: '0',
    };
    const problems = problemsOf(env);
    const named = problems.map((p) => p.slice(0, p.indexOf(':')));
    expect(new Set(named)).toEqual(
      new Set([
        'NODE_ENV',
        'PORT',
        'DATABASE_URL',
        'REDIS_URL',
        'SMTP_URL',
        'SECRET_KEY',
        'LOG_LEVEL',
        'RATE_LIMIT_ENABLED',
        'QUEUE_PREFIX',
        'CONFIRMATION_TOKEN_TTL_HOURS',
      ]),
    );
    const text = problems.join('\n');
    for (const secret of ['db-password-1234', 'redis-password-5678', 'smtp-password-9012', 'too-short-secret-3456', 'staging', 'eighty', 'loud']) {
      expect(text).not.toContain(secret);
    }
  });

  it('puts the list of problems in the error message', () => {
    expect(() => parseConfig({ ...valid, SECRET_KEY: 'short' })).toThrow(/Invalid configuration:\n {2}- SECRET_KEY: must be at least 32 characters/);
  });

  describe('ENCRYPTION_KEYS', () => {
    it('reads several keys in order: the first encrypts', () => {
      const config = parseConfig({ ...valid, ENCRYPTION_KEYS: ` new_2:${KEY_B} , old-1:${KEY_A} ` });
      expect(config.ENCRYPTION_KEYS.map((k) => k.id)).toEqual(['new_2', 'old-1']);
      expect(config.ENCRYPTION_KEYS[0]!.key.equals(Buffer.alloc(32, 2))).toBe(true);
    });

    it.each([
      ['a key that is too short', `k1:${Buffer.alloc(16, 1).toString('base64')}`, /must be 32 bytes/],
      ['a key that is too long', `k1:${Buffer.alloc(48, 1).toString('base64')}`, /must be 32 bytes/],
      ['a missing key', 'k1:', /must be 32 bytes/],
      ['duplicate key ids', `k1:${KEY_A},k1:${KEY_B}`, /unique/],
      ['an id with forbidden characters', `k 1:${KEY_A}`, /letters, digits/],
      ['an id longer than 32 characters', `${'k'.repeat(33)}:${KEY_A}`, /letters, digits/],
      ['an empty list', ',', /at least one key/],
    ])('refuses %s', (_what, value, message) => {
      const problems = problemsOf({ ...valid, ENCRYPTION_KEYS: value });
      expect(problems.length).toBeGreaterThan(0);
      for (const problem of problems) expect(problem).toMatch(/^ENCRYPTION_KEYS: /);
      expect(problems.join('\n')).toMatch(message);
    });

    it('never prints key material, even when the id is missing and the key lands in its place', () => {
      const material = Buffer.alloc(32, 9).toString('base64');
      for (const value of [material, `k1=${material}`, `${material}:${material}`, `k1:${material}:extra`]) {
        const problems = problemsOf({ ...valid, ENCRYPTION_KEYS: value });
        expect(problems.length).toBeGreaterThan(0);
        expect(problems.join('\n')).not.toContain(material.slice(0, 12));
      }
    });
  });

  describe('SMTP_URL', () => {
    it('is required in production', () => {
      const { SMTP_URL: _unset, ...withoutSmtp } = production;
      expect(problemsOf(withoutSmtp)).toEqual(['SMTP_URL: is required in production']);
    });

    it('is used as given in production', () => {
      const config = parseConfig({ ...production, SMTP_URL: 'smtps://user:pass@smtp.example.org:465' });
      expect(config.SMTP_URL).toBe('smtps://user:pass@smtp.example.org:465');
    });

    it('falls back to the development mail catcher outside production', () => {
      expect(parseConfig({ ...valid, NODE_ENV: 'development' }).SMTP_URL).toBe(DEV_MAIL_CATCHER_SMTP_URL);
    });
  });

  it.each([
    ['true', true],
    ['1', true],
    ['yes', true],
    ['false', false],
    ['0', false],
    ['no', false],
  ])('reads RATE_LIMIT_ENABLED=%s as %s', (value, expected) => {
    expect(parseConfig({ ...valid, RATE_LIMIT_ENABLED: value }).RATE_LIMIT_ENABLED).toBe(expected);
  });

  it('reads the exempt domains as a lower-case set', () => {
    const config = parseConfig({ ...valid, RATE_LIMIT_DOMAIN_EXEMPT: 'Gmail.com, ,mail.RU' });
    expect([...config.RATE_LIMIT_DOMAIN_EXEMPT]).toEqual(['gmail.com', 'mail.ru']);
  });

  describe('in production', () => {
    it('accepts freshly generated secrets, including 128-bit hex tokens', () => {
      expect(() => parseConfig(production)).not.toThrow();
      for (let i = 0; i < 2000; i++) {
        expect(() => parseConfig({ ...production, SECRET_KEY: randomBytes(16).toString('hex'), METRICS_TOKEN: randomBytes(16).toString('hex') })).not.toThrow();
      }
    });

    const example = fs.readFileSync(path.join(__dirname, '../../../.env.example'), 'utf8');
    const exampleValue = (name: string) => new RegExp(`^#? ?${name}=(.*)$`, 'm').exec(example)?.[1] ?? '';

    it.each([
      ['SECRET_KEY', exampleValue('SECRET_KEY')],
      ['SECRET_KEY', 'local-docker-secret-change-me-0123456789abcdef'],
      ['SECRET_KEY', 'a'.repeat(64)],
      ['SECRET_KEY', 'abcd'.repeat(16)],
      ['SECRET_KEY', 'my-very-long-password-for-clarion-2026'],
      ['ADMIN_API_TOKEN', '0123456789'.repeat(4)],
      ['ADMIN_API_TOKEN', 'x'.repeat(40)],
      ['ADMIN_API_TOKEN', 'abcdefghijklmnopqrstuvwxyz0123456789'],
      ['METRICS_TOKEN', 'metricsmetricsmetrics'],
      ['METRICS_TOKEN', 'change-me-change-me'],
    ])('refuses %s = a published, placeholder or low-entropy value', (name, value) => {
      const problems = problemsOf({ ...production, [name]: value });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(new RegExp(`^${name}: .*(placeholder|entropy).*\\(production\\)$`));
      expect(problems[0]).not.toContain(value);
    });

    it.each([
      ['the .env.example placeholder', exampleValue('ENCRYPTION_KEYS')],
      ['the old docker-compose fallback', 'k1:bG9jYWwtZG9ja2VyLWtleS1jaGFuZ2UtbWUtMzJieXQ='],
      ['a key of repeated bytes', `k1:${Buffer.alloc(32, 7).toString('base64')}`],
      ['a key that is text', `k1:${Buffer.from('0123456789abcdef0123456789ABCDEF').toString('base64')}`],
      ['a weak old key behind a good one', `k2:${randomBytes(32).toString('base64')},k1:${Buffer.alloc(32, 1).toString('base64')}`],
    ])('refuses ENCRYPTION_KEYS with %s', (_what, value) => {
      const problems = problemsOf({ ...production, ENCRYPTION_KEYS: value });
      expect(problems.length).toBeGreaterThan(0);
      for (const problem of problems) expect(problem).toMatch(/^ENCRYPTION_KEYS: /);
    });

    it('requires METRICS_TOKEN', () => {
      const { METRICS_TOKEN: _unset, ...withoutToken } = production;
      expect(problemsOf(withoutToken)).toEqual([expect.stringMatching(/^METRICS_TOKEN: is required in production/)]);
    });

    it('does not apply these rules outside production (tests and development use fixed secrets)', () => {
      expect(() => parseConfig({ ...valid, SECRET_KEY: 'a'.repeat(40), ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}` })).not.toThrow();
    });
  });

  it.each(['true', 'TRUE', '*'])('refuses TRUST_PROXY=%s in any environment, saying why', (value) => {
    const problems = problemsOf({ ...valid, TRUST_PROXY: value });
    expect(problems).toEqual([expect.stringMatching(/^TRUST_PROXY: true trusts every hop: any client could then choose its own source address/)]);
  });

  describe('QUEUE_PREFIX', () => {
    it('defaults to one derived from the database, so instances sharing a Redis never share queues', () => {
      const a = parseConfig({ ...valid, DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/clarion_a' }).QUEUE_PREFIX;
      const b = parseConfig({ ...valid, DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/clarion_b' }).QUEUE_PREFIX;
      const otherHost = parseConfig({ ...valid, DATABASE_URL: 'postgresql://postgres@db.example.org:5432/clarion_a' }).QUEUE_PREFIX;
      expect(new Set([a, b, otherHost]).size).toBe(3);
      expect(a).toMatch(/^clarion-[0-9a-f]{12}$/);
    });

    it('does not depend on credentials or query options (same database, same queues)', () => {
      const plain = defaultQueuePrefix('postgresql://postgres@127.0.0.1:5432/clarion');
      expect(defaultQueuePrefix('postgresql://other:new-password@127.0.0.1/clarion?sslmode=require')).toBe(plain);
      expect(plain).not.toContain('clarion_');
    });

    it('is used as given when set', () => {
      expect(parseConfig({ ...valid, QUEUE_PREFIX: 'mine' }).QUEUE_PREFIX).toBe('mine');
    });
  });
});
