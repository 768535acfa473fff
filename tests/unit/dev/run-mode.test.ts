import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseEnv } from 'node:util';

/** How `npm start` and `npm test` choose their servers (scripts/run-mode.mjs), against real open and closed ports. */
const ROOT = path.resolve(__dirname, '..', '..', '..');

interface Mode {
  database: string;
  databaseUrl?: string;
  databaseWhy: string;
  queues: string;
  queuesWhy: string;
}
type Env = Record<string, string | undefined>;
interface RunMode {
  DEFAULT_DATABASE_URL: string;
  DEFAULT_REDIS_URL: string;
  chooseStartMode(options: { env: Env; fileEnv: Env; defaults?: { database: string; redis: string } }): Promise<Mode>;
  chooseTestMode(options: { env: Env; defaults?: { database: string; redis: string } }): Promise<Mode>;
  describeMode(mode: Mode, where: string): string;
  writeEmbeddedSettings(file: string, settings: { password: string; databaseUrl: string }): void;
}

let runMode: RunMode;
let listener: net.Server;
let open: number;
let closed: number;
let answering: { database: string; redis: string };
let silent: { database: string; redis: string };

beforeAll(async () => {
  runMode = await import(pathToFileURL(path.join(ROOT, 'scripts', 'run-mode.mjs')).href);
  listener = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  open = (listener.address() as net.AddressInfo).port;
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closed = (probe.address() as net.AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve)); // nothing listens there any more
  answering = { database: `postgresql://postgres@127.0.0.1:${open}/clarion`, redis: `redis://127.0.0.1:${open}` };
  silent = { database: `postgresql://postgres@127.0.0.1:${closed}/clarion`, redis: `redis://127.0.0.1:${closed}` };
});

afterAll(() => listener.close());

describe('npm start chooses', () => {
  it('the embedded PostgreSQL and queues on PostgreSQL with CLARION_EMBEDDED=true, even where both answer and DATABASE_URL is set', async () => {
    const mode = await runMode.chooseStartMode({ env: { CLARION_EMBEDDED: 'true', DATABASE_URL: answering.database }, fileEnv: {}, defaults: answering });
    expect(mode).toMatchObject({ database: 'embedded', queues: 'postgres', databaseWhy: 'CLARION_EMBEDDED=true' });
  });

  it('the servers at the default addresses when they answer and nothing is configured (as before)', async () => {
    const mode = await runMode.chooseStartMode({ env: {}, fileEnv: {}, defaults: answering });
    expect(mode).toMatchObject({ database: 'external', databaseUrl: answering.database, queues: 'redis' });
    expect(runMode.describeMode(mode, '.data/postgres')).toBe(
      `Mode: PostgreSQL at postgresql://127.0.0.1:${open}/clarion, queues on Redis at redis://127.0.0.1:${open} (PostgreSQL answers at 127.0.0.1:${open}; Redis answers at 127.0.0.1:${open}).`,
    );
  });

  it('the embedded PostgreSQL and queues on PostgreSQL when nothing is configured and nothing answers', async () => {
    const mode = await runMode.chooseStartMode({ env: {}, fileEnv: {}, defaults: silent });
    expect(mode).toMatchObject({ database: 'embedded', queues: 'postgres' });
    expect(runMode.describeMode(mode, '.data/postgres')).toBe(
      `Mode: embedded PostgreSQL (.data/postgres), queues on PostgreSQL (no DATABASE_URL is configured and nothing answers at 127.0.0.1:${closed}; no REDIS_URL is configured and nothing answers at 127.0.0.1:${closed}).`,
    );
  });

  it('treats a fresh .env (the defaults of .env.example) as nothing configured', async () => {
    const example = parseEnv(fs.readFileSync(path.join(ROOT, '.env.example'), 'utf8'));
    expect(example.DATABASE_URL).toBe(runMode.DEFAULT_DATABASE_URL);
    expect(example.REDIS_URL).toBe(runMode.DEFAULT_REDIS_URL);
    expect(await runMode.chooseStartMode({ env: {}, fileEnv: example, defaults: silent })).toMatchObject({ database: 'embedded', queues: 'postgres' });
  });

  it('a database and Redis that someone configured, whether they answer or not', async () => {
    const fromShell = await runMode.chooseStartMode({ env: { DATABASE_URL: silent.database, REDIS_URL: silent.redis }, fileEnv: {}, defaults: silent });
    expect(fromShell).toMatchObject({
      database: 'external',
      databaseUrl: silent.database,
      databaseWhy: 'DATABASE_URL is set in the environment',
      queues: 'redis',
    });
    const other = 'postgresql://clarion:secret-value@db.example.org:5432/clarion';
    const fromFile = await runMode.chooseStartMode({
      env: {},
      fileEnv: { DATABASE_URL: other, REDIS_URL: 'redis://cache.example.org:6379' },
      defaults: silent,
    });
    expect(fromFile).toMatchObject({
      database: 'external',
      databaseWhy: 'DATABASE_URL is set in .env',
      queues: 'redis',
      queuesWhy: 'REDIS_URL is set in .env',
    });
    expect(runMode.describeMode(fromFile, '.data/postgres')).not.toContain('secret-value');
  });

  it('the embedded PostgreSQL again when .env names the one an earlier start wrote, even where PostgreSQL now answers', async () => {
    const fileEnv = { EMBEDDED_POSTGRES_PASSWORD: 'generated-password', DATABASE_URL: 'postgresql://postgres:generated-password@127.0.0.1:41234/clarion' };
    expect(await runMode.chooseStartMode({ env: {}, fileEnv, defaults: answering })).toMatchObject({ database: 'embedded', queues: 'redis' });
  });

  it('the queue backend QUEUE_BACKEND names', async () => {
    expect(await runMode.chooseStartMode({ env: { QUEUE_BACKEND: 'postgres' }, fileEnv: {}, defaults: answering })).toMatchObject({
      database: 'external',
      queues: 'postgres',
    });
  });
});

describe('npm test chooses', () => {
  it('by TEST_DATABASE_URL and TEST_REDIS_URL, the default test addresses and CLARION_EMBEDDED, never .env', async () => {
    expect(await runMode.chooseTestMode({ env: {}, defaults: answering })).toMatchObject({ database: 'external', queues: 'redis' });
    expect(await runMode.chooseTestMode({ env: {}, defaults: silent })).toMatchObject({ database: 'embedded', queues: 'postgres' });
    expect(await runMode.chooseTestMode({ env: { TEST_DATABASE_URL: silent.database }, defaults: silent })).toMatchObject({
      database: 'external',
      databaseWhy: 'TEST_DATABASE_URL is set in the environment',
    });
    expect(await runMode.chooseTestMode({ env: { CLARION_EMBEDDED: 'true' }, defaults: answering })).toMatchObject({
      database: 'embedded',
      queues: 'postgres',
    });
    expect(await runMode.chooseTestMode({ env: { DATABASE_URL: answering.database }, defaults: silent })).toMatchObject({ database: 'embedded' });
  });
});

describe('the embedded settings in .env', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clarion-run-mode-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('replaces the default DATABASE_URL, adds the password once, and follows a new port', () => {
    const file = path.join(dir, 'fresh.env');
    fs.copyFileSync(path.join(ROOT, '.env.example'), file);
    runMode.writeEmbeddedSettings(file, { password: 'pw-1', databaseUrl: 'postgresql://postgres:pw-1@127.0.0.1:40001/clarion' });
    runMode.writeEmbeddedSettings(file, { password: 'pw-1', databaseUrl: 'postgresql://postgres:pw-1@127.0.0.1:40002/clarion' });
    const text = fs.readFileSync(file, 'utf8');
    expect(parseEnv(text)).toMatchObject({ EMBEDDED_POSTGRES_PASSWORD: 'pw-1', DATABASE_URL: 'postgresql://postgres:pw-1@127.0.0.1:40002/clarion' });
    expect(text.match(/^EMBEDDED_POSTGRES_PASSWORD=/gm)).toHaveLength(1);
    expect(text.match(/^DATABASE_URL=/gm)).toHaveLength(1);
    expect(fs.statSync(file).mode & 0o077).toBe(0);
  });

  it('leaves a DATABASE_URL someone chose as it is', () => {
    const file = path.join(dir, 'chosen.env');
    fs.writeFileSync(file, 'DATABASE_URL=postgresql://clarion:x@db.example.org/clarion\n');
    runMode.writeEmbeddedSettings(file, { password: 'pw-2', databaseUrl: 'postgresql://postgres:pw-2@127.0.0.1:40003/clarion' });
    expect(parseEnv(fs.readFileSync(file, 'utf8'))).toEqual({
      DATABASE_URL: 'postgresql://clarion:x@db.example.org/clarion',
      EMBEDDED_POSTGRES_PASSWORD: 'pw-2',
    });
  });
});
