#!/usr/bin/env node
// Runs Prisma's CLI the way it works on machines that cannot download Prisma's Rust engines:
// the engine path variables must name an existing file so the CLI skips its download check;
// the JavaScript schema engine (prisma.config.ts) does the real work. Usage: node scripts/prisma.mjs <args>
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const placeholder = path.join(root, 'prisma', 'engine', 'PLACEHOLDER');

export function runPrisma(args, env = process.env, quiet = false) {
  const result = spawnSync(process.execPath, [path.join(root, 'node_modules', 'prisma', 'build', 'index.js'), ...args], {
    cwd: root,
    stdio: quiet ? ['ignore', 'ignore', 'inherit'] : 'inherit',
    env: {
      ...env,
      PRISMA_QUERY_ENGINE_LIBRARY: placeholder,
      PRISMA_SCHEMA_ENGINE_BINARY: placeholder,
      PRISMA_HIDE_UPDATE_MESSAGE: '1',
      CHECKPOINT_DISABLE: '1',
    },
  });
  return result.status ?? 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exit(runPrisma(process.argv.slice(2)));
}
