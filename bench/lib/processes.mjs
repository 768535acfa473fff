// The processes under test: the compiled API and worker, started as production starts them, and a
// sampler that reads their resident memory and CPU time from /proc every 250 ms.
import { fork, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { root } from './settings.mjs';
import { round } from './stats.mjs';

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Starts `node <script>`; stderr is kept (last lines) to explain a crash; stdout (pino logs) is discarded. */
export function startNode(name, script, env, { cpuProfileDir } = {}) {
  const args = cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`, `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`] : [];
  const child = spawn(process.execPath, [...args, path.join(root, script)], { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr = (stderr + chunk).slice(-4000); });
  child.on('exit', (code, signal) => {
    if (!child.stopping) console.error(`  ! the ${name} exited (${signal ?? code}) during the run:\n${stderr}`);
  });
  return { name, child, pid: child.pid, stderr: () => stderr };
}

export async function waitForHttp(url, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** SIGTERM, as a process manager stops it; the process drains and exits (and writes its CPU profile). */
export function stop(proc, timeoutMs = 30_000) {
  const { child } = proc;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  child.stopping = true;
  return new Promise((resolve) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); }, timeoutMs);
    child.once('exit', () => { clearTimeout(timer); resolve(); });
    child.kill('SIGTERM');
  });
}

/** A child process of the bench itself (SMTP sink, load generator, ceilings) speaking over IPC. */
export function forkHelper(script, args = [], env = process.env) {
  const child = fork(path.join(root, 'bench', 'children', script), args, { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const messages = [];
  const waiters = [];
  child.on('message', (message) => {
    const waiter = waiters.findIndex((w) => w.type === message.type);
    if (waiter >= 0) waiters.splice(waiter, 1)[0].resolve(message);
    else messages.push(message);
  });
  const next = (type, timeoutMs = 15 * 60_000) => {
    const queued = messages.findIndex((m) => m.type === type);
    if (queued >= 0) return Promise.resolve(messages.splice(queued, 1)[0]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${script}: no "${type}" within ${timeoutMs / 1000} s`)), timeoutMs);
      const onExit = (code) => reject(new Error(`${script} exited (${code}) before "${type}"`));
      child.once('exit', onExit);
      waiters.push({ type, resolve: (m) => { clearTimeout(timer); child.off('exit', onExit); resolve(m); } });
    });
  };
  return { child, pid: child.pid, next, send: (message) => child.send(message) };
}

const TICKS = 100; // USER_HZ on Linux

function readRssMb(pid) {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    return kb ? Number(kb) / 1024 : null;
  } catch {
    return null;
  }
}

/** User + system CPU seconds a process has used so far. */
export function cpuSeconds(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return null;
  }
}

/** Samples RSS of the named processes every 250 ms; `window()` summarises one stretch of the run. */
export class MemorySampler {
  constructor(processes) {
    this.processes = processes; // { api: pid, worker: pid }
    this.samples = [];
    this.timer = setInterval(() => this.sample(), 250);
    this.timer.unref();
    this.sample();
  }

  sample() {
    const at = Date.now();
    const row = { at };
    for (const [name, pid] of Object.entries(this.processes)) row[name] = readRssMb(pid);
    this.samples.push(row);
  }

  mark() {
    this.sample();
    const cpu = Object.fromEntries(Object.entries(this.processes).map(([name, pid]) => [name, cpuSeconds(pid)]));
    return { at: Date.now(), cpu };
  }

  /** Start, peak and end RSS of each process between two marks, CPU seconds used, and the series. */
  window(from, to) {
    this.sample();
    const rows = this.samples.filter((s) => s.at >= from.at && s.at <= to.at + 300);
    const summary = {};
    for (const [name, pid] of Object.entries(this.processes)) {
      const values = rows.map((r) => r[name]).filter((v) => v !== null);
      const cpuAfter = to.cpu[name] ?? cpuSeconds(pid);
      summary[name] = {
        startMb: round(values[0]), peakMb: round(Math.max(...values)), endMb: round(values.at(-1)),
        cpuSeconds: from.cpu[name] !== null && cpuAfter !== null ? round(cpuAfter - from.cpu[name]) : null,
      };
    }
    return summary;
  }

  series(name, from, to) {
    return this.samples.filter((s) => s.at >= from.at && s.at <= to.at && s[name] !== null).map((s) => [s.at - from.at, round(s[name])]);
  }

  stop() {
    clearInterval(this.timer);
  }
}
