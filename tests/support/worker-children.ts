import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

/**
 * Compiled workers run as child processes, so a test can SIGKILL one mid-send: what the worker
 * printed is kept for the failure message, and every child still running is killed when the test
 * file (or its process) ends.
 */
export class WorkerChildren {
  readonly log: string[] = [];
  private readonly running = new Set<ChildProcess>();
  private readonly killNow = () => {
    for (const child of this.running) child.kill('SIGKILL');
  };
  private readonly script: string;

  /** `worker` is a file of dist/workers, e.g. `letters.worker.js`. */
  constructor(worker: string) {
    this.script = path.join(ROOT, 'dist', 'workers', worker);
    process.once('exit', this.killNow);
  }

  /** `npm test` builds first; a direct `jest` run builds here when dist/ is missing or older than the sources. */
  buildIfStale(): void {
    const built = fs.existsSync(this.script) ? fs.statSync(this.script).mtimeMs : 0;
    if (built > newestSource([path.join(ROOT, 'src'), path.join(ROOT, 'workers')])) return;
    const result = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`node scripts/build.mjs failed:\n${result.stdout}\n${result.stderr}`);
  }

  /** Starts the worker with the test's database, Redis and secrets, plus `env`. */
  start(name: string, env: Record<string, string>): ChildProcess {
    const inherited: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATABASE_URL: process.env.DATABASE_URL,
      REDIS_URL: process.env.REDIS_URL,
      SECRET_KEY: process.env.SECRET_KEY,
      ENCRYPTION_KEYS: process.env.ENCRYPTION_KEYS,
      PUBLIC_BASE_URL: process.env.PUBLIC_BASE_URL,
      // A run with QUEUE_BACKEND=postgres (embedded mode) runs its children on the same backend.
      ...(process.env.QUEUE_BACKEND ? { QUEUE_BACKEND: process.env.QUEUE_BACKEND } : {}),
    };
    const child = spawn(process.execPath, [this.script], { cwd: ROOT, env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.running.add(child);
    const capture = (chunk: Buffer) => {
      this.log.push(`[${name}] ${chunk.toString()}`);
    };
    child.stdout?.on('data', capture);
    child.stderr?.on('data', capture);
    child.once('exit', (code, signal) => {
      this.running.delete(child);
      if (signal !== 'SIGKILL') this.log.push(`[${name}] exited: code ${code}, signal ${signal}\n`);
    });
    return child;
  }

  async kill(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async killAll(): Promise<void> {
    await Promise.all([...this.running].map((child) => this.kill(child)));
    process.off('exit', this.killNow);
  }

  /** The last lines the workers printed, for a failure message. */
  tail(lines = 30): string {
    return this.log.join('').split('\n').slice(-lines).join('\n');
  }
}

function newestSource(dirs: string[]): number {
  let newest = 0;
  const visit = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (entry.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(full).mtimeMs);
    }
  };
  for (const dir of dirs) if (fs.existsSync(dir)) visit(dir);
  return newest;
}
