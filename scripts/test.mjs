#!/usr/bin/env node
// `npm test`: everything the suite needs, then the suite. Installs dependencies when missing,
// generates the Prisma client, type-checks, and runs jest (whose global set-up creates and migrates
// the test database). Extra arguments go to jest, e.g. `npm test -- tests/integration/supporters`.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

// Prisma's query compiler is loaded with a dynamic import(), which jest runs only with VM modules on.
const NODE_OPTIONS = [process.env.NODE_OPTIONS, '--experimental-vm-modules', '--disable-warning=ExperimentalWarning'].filter(Boolean).join(' ');

function run(label, command, args) {
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test', NODE_OPTIONS } });
  if (result.status !== 0) {
    console.error(`\n${label} failed.`);
    process.exit(result.status ?? 1);
  }
  console.log(`${label}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

if (!fs.existsSync(path.join(root, 'node_modules', '.package-lock.json'))) run('npm ci', npm, ['ci', '--no-audit', '--no-fund']);
if (!fs.existsSync(path.join(root, 'src', 'generated', 'prisma', 'client.ts'))) run('prisma generate', process.execPath, ['scripts/prisma.mjs', 'generate']);
run('Type-check', process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', 'tsconfig.json']);
// Lint (typescript-eslint and the module graph: eslint.config.mjs, README "How it is built") and
// the build (some tests run the compiled worker as a child process, to kill it mid-send) at once.
await runTogether([
  ['Lint', process.execPath, [path.join(root, 'node_modules', 'eslint', 'bin', 'eslint.js'), '.']],
  ['Build', process.execPath, ['scripts/build.mjs']],
  // Formatting is Prettier's (.prettierrc.json); `npm run format` applies it.
  ['Format', process.execPath, [path.join(root, 'node_modules', 'prettier', 'bin', 'prettier.cjs'), '--check', '--log-level', 'warn', 'src/**/*.ts', 'workers/**/*.ts', 'tests/**/*.ts', 'prisma/**/*.ts']],
]);
runQuietly('Tests', process.execPath, [path.join(root, 'node_modules', 'jest', 'bin', 'jest.js'), ...process.argv.slice(2)]);

/** Runs independent steps side by side (each is CPU-bound and single-threaded); any failure stops the run. */
async function runTogether(steps) {
  const results = await Promise.all(steps.map(([label, command, args]) => new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test', NODE_OPTIONS } });
    child.on('close', (status) => {
      if (status === 0) console.log(`${label}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      resolve({ label, status });
    });
  })));
  const failed = results.find((result) => result.status !== 0);
  if (failed) {
    console.error(`\n${failed.label} failed.`);
    process.exit(failed.status ?? 1);
  }
}

/**
 * Runs must be quiet (issue 14): a process warning printed by any test process (jest's workers,
 * the workers tests start as children) fails the run, after it finished, naming the warning. A
 * deprecation is often a real bug: pg's "client is already executing a query" was Prisma loading
 * a query's relations concurrently inside a transaction.
 */
function runQuietly(label, command, args) {
  const started = Date.now();
  const warnings = [];
  const child = spawn(command, args, { cwd: root, stdio: ['inherit', 'pipe', 'pipe'], env: { ...process.env, NODE_ENV: 'test', NODE_OPTIONS } });
  const watch = (stream, out) => {
    let rest = '';
    stream.on('data', (chunk) => {
      out.write(chunk);
      const lines = (rest + chunk.toString('utf8')).split('\n');
      rest = lines.pop();
      for (const line of lines) if (/^\(node:\d+\) (\[\w+\] )?\w*Warning: /.test(line)) warnings.push(line);
    });
  };
  watch(child.stdout, process.stdout);
  watch(child.stderr, process.stderr);
  child.on('close', (status) => {
    if (status !== 0) {
      console.error(`\n${label} failed.`);
      process.exit(status ?? 1);
    }
    if (warnings.length > 0) {
      console.error(`\n${label} passed but printed process warnings; runs must be quiet (fix the cause):\n${[...new Set(warnings)].join('\n')}`);
      process.exit(1);
    }
    console.log(`${label}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });
}
