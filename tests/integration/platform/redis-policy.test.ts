/**
 * Issue 13: at start the service checks that Redis cannot evict jobs; it warns, and refuses in
 * production unless REDIS_ALLOW_EVICTION is set. Private Redis servers on other loopback ports
 * (the shared one is left alone), one with an evicting policy and one with CONFIG disabled.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { checkRedisPolicy } from '../../../src/platform/redis-policy';
import { createLogger } from '../../../src/platform/logger';
import { LogCollector } from '../../support/harness';

const servers: ChildProcess[] = [];
const clients: Redis[] = [];
const dirs: string[] = [];

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

async function privateRedis(...args: string[]): Promise<Redis> {
  const port = await freePort();
  const child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...args], {
    stdio: 'ignore',
  });
  servers.push(child);
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => 50 });
  client.on('error', () => undefined);
  clients.push(client);
  for (let i = 0; i < 100 && client.status !== 'ready'; i++) {
    await client.connect().catch(() => new Promise((resolve) => setTimeout(resolve, 50)));
  }
  return client;
}

afterAll(async () => {
  for (const client of clients) client.disconnect();
  for (const server of servers) server.kill('SIGKILL');
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

// The check needs Redis servers of its own; a machine with only Node (issue 19) has none to start.
const REDIS_SERVER = process.env.REDIS_SERVER_PATH ?? '/usr/bin/redis-server';
const describeWithRedisServer = fs.existsSync(REDIS_SERVER) ? describe : describe.skip;

describeWithRedisServer('the Redis eviction check', () => {
  it('warns outside production and refuses in production when Redis may evict keys, unless told to allow it', async () => {
    const redis = await privateRedis('--maxmemory-policy', 'allkeys-lru');
    const logs = new LogCollector();
    const logger = createLogger('info', {}, logs);
    await checkRedisPolicy(redis, { NODE_ENV: 'development', REDIS_ALLOW_EVICTION: false }, logger);
    expect(logs.text).toContain('maxmemory-policy is \\"allkeys-lru\\"');
    expect(logs.text).toContain('without AOF');
    await expect(checkRedisPolicy(redis, { NODE_ENV: 'production', REDIS_ALLOW_EVICTION: false }, logger)).rejects.toThrow(/REDIS_ALLOW_EVICTION/);
    await expect(checkRedisPolicy(redis, { NODE_ENV: 'production', REDIS_ALLOW_EVICTION: true }, logger)).resolves.toBeUndefined();
  }, 20_000);

  it('accepts noeviction with AOF silently, and tolerates CONFIG being disabled', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clarion-redis-'));
    dirs.push(dir);
    const good = await privateRedis('--maxmemory-policy', 'noeviction', '--appendonly', 'yes', '--dir', dir);
    const logs = new LogCollector();
    await checkRedisPolicy(good, { NODE_ENV: 'production', REDIS_ALLOW_EVICTION: false }, createLogger('info', {}, logs));
    expect(logs.text).toBe('');

    const locked = await privateRedis('--rename-command', 'CONFIG', '""');
    await checkRedisPolicy(locked, { NODE_ENV: 'production', REDIS_ALLOW_EVICTION: false }, createLogger('info', {}, logs));
    expect(logs.text).toContain('could not read the Redis configuration');
  }, 20_000);
});
