// Private PostgreSQL and Redis for the chaos suite, on free loopback ports, in temporary
// directories: the shared servers are never touched.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const PG_BIN = '/usr/lib/postgresql/15/bin';

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => { const { port } = server.address(); server.close(() => resolve(port)); });
  });
}

const asPostgres = (command, args, options = {}) => execFileSync('runuser', ['-u', 'postgres', '--', path.join(PG_BIN, command), ...args], { stdio: 'pipe', ...options });

export class PrivatePostgres {
  constructor(port) {
    this.port = port;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clarion-chaos-pg-'));
    fs.chownSync(this.dir, uid('postgres'), gid('postgres'));
    this.data = path.join(this.dir, 'data');
    this.url = `postgresql://postgres@127.0.0.1:${port}/clarion_chaos`;
  }

  init() {
    asPostgres('initdb', ['-D', this.data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    fs.appendFileSync(this.data + '/postgresql.conf', `\nlisten_addresses = '127.0.0.1'\nport = ${this.port}\nunix_socket_directories = '${this.dir}'\nmax_connections = 60\nshared_buffers = 64MB\n`);
  }

  start() { asPostgres('pg_ctl', ['-D', this.data, '-l', path.join(this.dir, 'log'), '-w', '-t', '60', 'start']); }
  stop(mode = 'fast') { try { asPostgres('pg_ctl', ['-D', this.data, '-m', mode, '-w', 'stop']); } catch { /* already stopped */ } }
  restart(mode = 'fast') { asPostgres('pg_ctl', ['-D', this.data, '-m', mode, '-l', path.join(this.dir, 'log'), '-w', '-t', '60', 'restart']); }
  destroy() { this.stop('immediate'); fs.rmSync(this.dir, { recursive: true, force: true }); }
}

export class PrivateRedis {
  constructor(port) {
    this.port = port;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clarion-chaos-redis-'));
    this.url = `redis://127.0.0.1:${port}`;
    this.child = undefined;
  }

  /** With AOF, as docker-compose runs it: a plain stop and start keeps the queues. */
  async start() {
    this.child = spawn('/usr/bin/redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--appendonly', 'yes', '--save', '', '--maxmemory-policy', 'noeviction'], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      if (await answers(this.port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('private Redis did not start');
  }

  async stop() {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    await new Promise((resolve) => { child.once('exit', resolve); child.kill('SIGKILL'); });
  }

  /** What a restart without persistence (or a failover to an empty replica) leaves: nothing. */
  async restartEmpty() {
    await this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
    fs.mkdirSync(this.dir);
    await this.start();
  }

  async destroy() { await this.stop(); fs.rmSync(this.dir, { recursive: true, force: true }); }
}

function answers(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.end(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

const uid = (user) => Number(execFileSync('id', ['-u', user]).toString().trim());
const gid = (user) => Number(execFileSync('id', ['-g', user]).toString().trim());
