// Which servers `npm start` and `npm test` use, and why (README "Run it"). With CLARION_EMBEDDED=true:
// the embedded PostgreSQL (scripts/embedded-postgres.mjs) and queues on PostgreSQL, whatever
// answers. Otherwise a database someone configured wins, then PostgreSQL at the default address,
// then the embedded one; queues go to Redis when it is configured or answers, else to PostgreSQL.
import net from 'node:net';
import { parseEnv } from 'node:util';
import fs from 'node:fs';

export const DEFAULT_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/clarion';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
/** The .env variable that holds the embedded server's superuser password (generated once). */
export const PASSWORD_VARIABLE = 'EMBEDDED_POSTGRES_PASSWORD';
export const EMBEDDED_DATABASE = 'clarion';

/** Whether something accepts TCP connections at the URL's host and port. */
export function answers(urlString, defaultPort) {
  const url = new URL(urlString);
  const host = url.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  const port = Number(url.port || defaultPort);
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 2000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

export function readEnvFile(file) {
  return fs.existsSync(file) ? parseEnv(fs.readFileSync(file, 'utf8')) : {};
}

/** A DATABASE_URL of .env that npm start wrote for the embedded server: its password is the generated one. */
export function isEmbeddedUrl(databaseUrl, password) {
  if (!databaseUrl || !password) return false;
  try {
    const url = new URL(databaseUrl);
    return url.hostname === '127.0.0.1' && decodeURIComponent(url.password) === password;
  } catch {
    return false;
  }
}

const withoutCredentials = (url) => url.replace(/\/\/[^@/]*@/, '//');

/**
 * `npm start`'s choice. `env` is the shell's environment, `fileEnv` what .env says (the shell wins,
 * as everywhere). A .env DATABASE_URL equal to .env.example's default counts as unset: it is what a
 * fresh .env says, not a choice someone made. Tests pass other `defaults` (closed ports).
 */
export async function chooseStartMode({ env, fileEnv, defaults = { database: DEFAULT_DATABASE_URL, redis: DEFAULT_REDIS_URL } }) {
  const forced = env.CLARION_EMBEDDED === 'true';
  const database = await chooseDatabase();
  const queues = await chooseQueues();
  return { ...database, ...queues, forced };

  async function chooseDatabase() {
    if (forced) return { database: 'embedded', databaseWhy: 'CLARION_EMBEDDED=true' };
    if (env.DATABASE_URL) return { database: 'external', databaseUrl: env.DATABASE_URL, databaseWhy: 'DATABASE_URL is set in the environment' };
    if (isEmbeddedUrl(fileEnv.DATABASE_URL, fileEnv[PASSWORD_VARIABLE]))
      return { database: 'embedded', databaseWhy: '.env names the embedded PostgreSQL of an earlier start' };
    if (fileEnv.DATABASE_URL && fileEnv.DATABASE_URL !== DEFAULT_DATABASE_URL) {
      return { database: 'external', databaseUrl: fileEnv.DATABASE_URL, databaseWhy: 'DATABASE_URL is set in .env' };
    }
    const at = hostPort(defaults.database, 5432);
    if (await answers(defaults.database, 5432)) return { database: 'external', databaseUrl: defaults.database, databaseWhy: `PostgreSQL answers at ${at}` };
    return { database: 'embedded', databaseWhy: `no DATABASE_URL is configured and nothing answers at ${at}` };
  }

  async function chooseQueues() {
    if (forced) return { queues: 'postgres', queuesWhy: 'CLARION_EMBEDDED=true' };
    const backend = env.QUEUE_BACKEND ?? fileEnv.QUEUE_BACKEND;
    if (backend) return { queues: backend, queuesWhy: 'QUEUE_BACKEND is set' };
    if (env.REDIS_URL) return { queues: 'redis', redisUrl: env.REDIS_URL, queuesWhy: 'REDIS_URL is set in the environment' };
    if (fileEnv.REDIS_URL && fileEnv.REDIS_URL !== DEFAULT_REDIS_URL)
      return { queues: 'redis', redisUrl: fileEnv.REDIS_URL, queuesWhy: 'REDIS_URL is set in .env' };
    const at = hostPort(defaults.redis, 6379);
    if (await answers(defaults.redis, 6379)) return { queues: 'redis', redisUrl: defaults.redis, queuesWhy: `Redis answers at ${at}` };
    return { queues: 'postgres', queuesWhy: `no REDIS_URL is configured and nothing answers at ${at}` };
  }
}

/**
 * `npm test`'s choice: the same rules for the test servers (TEST_DATABASE_URL, TEST_REDIS_URL and
 * the default addresses; tests never read .env).
 */
export async function chooseTestMode({ env, defaults = { database: 'postgresql://postgres@127.0.0.1:5432/clarion_test', redis: DEFAULT_REDIS_URL } }) {
  const testEnv = {
    CLARION_EMBEDDED: env.CLARION_EMBEDDED,
    DATABASE_URL: env.TEST_DATABASE_URL,
    REDIS_URL: env.TEST_REDIS_URL,
    QUEUE_BACKEND: env.QUEUE_BACKEND,
  };
  const mode = await chooseStartMode({ env: testEnv, fileEnv: {}, defaults });
  return {
    ...mode,
    databaseWhy: mode.databaseWhy.replace('DATABASE_URL', 'TEST_DATABASE_URL'),
    queuesWhy: mode.queuesWhy.replace('REDIS_URL', 'TEST_REDIS_URL'),
  };
}

/** The one line both commands print. */
export function describeMode(mode, embeddedWhere) {
  const database = mode.database === 'embedded' ? `embedded PostgreSQL (${embeddedWhere})` : `PostgreSQL at ${withoutCredentials(mode.databaseUrl)}`;
  const queues =
    mode.queues === 'redis'
      ? `queues on Redis${mode.redisUrl ? ` at ${withoutCredentials(mode.redisUrl)}` : ''}`
      : `queues on ${mode.queues === 'postgres' ? 'PostgreSQL' : mode.queues}`;
  const why = mode.forced ? mode.databaseWhy : `${mode.databaseWhy}; ${mode.queuesWhy}`;
  return `Mode: ${database}, ${queues} (${why}).`;
}

function hostPort(urlString, defaultPort) {
  const url = new URL(urlString);
  return `${url.hostname}:${url.port || defaultPort}`;
}

/**
 * Writes the embedded server's settings into .env: the password when it is new, and DATABASE_URL
 * (so `npm run admin:create` and the other commands reach the same server) unless .env names
 * another database someone chose, which is left as it is.
 */
export function writeEmbeddedSettings(file, { password, databaseUrl }) {
  let text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const current = parseEnv(text);
  if (current[PASSWORD_VARIABLE] !== password) {
    text = setLine(
      text,
      PASSWORD_VARIABLE,
      password,
      '# The embedded PostgreSQL that npm start runs from .data/postgres (README "Run it"): its superuser\n# password, generated once. The data folder opens only with it: keep the two together.\n',
    );
  }
  const chosenElsewhere = current.DATABASE_URL && current.DATABASE_URL !== DEFAULT_DATABASE_URL && !isEmbeddedUrl(current.DATABASE_URL, password);
  if (!chosenElsewhere && current.DATABASE_URL !== databaseUrl) text = setLine(text, 'DATABASE_URL', databaseUrl, '');
  fs.writeFileSync(file, text, { mode: 0o600 });
  fs.chmodSync(file, 0o600); // it holds a password now, whatever its mode was
}

function setLine(text, name, value, comment) {
  const line = new RegExp(`^${name}=.*$`, 'm');
  if (line.test(text)) return text.replace(line, () => `${name}=${value}`);
  return `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${text === '' ? '' : '\n'}${comment}${name}=${value}\n`;
}
