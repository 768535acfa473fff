#!/usr/bin/env node
// Compiles TypeScript to dist/ and copies what the compiled code reads at run time (templates,
// static files, the seed statement) beside it, so dist/ runs on its own.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// From scratch: a file moved in src/ must not live on in dist/, where Node would still find it
// (a stale `letters/delivery.js` shadows the `letters/delivery/` folder that replaced it).
fs.rmSync(path.join(root, 'dist'), { recursive: true, force: true });
const tsc = spawnSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

const ASSET = /\.(hbs|css|js|svg|png|ico|txt|json|csv)$/;
function copyAssets(fromDir, toDir) {
  if (!fs.existsSync(fromDir)) return;
  for (const entry of fs.readdirSync(fromDir, { withFileTypes: true })) {
    const from = path.join(fromDir, entry.name);
    const to = path.join(toDir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'generated') copyAssets(from, to);
    } else if (ASSET.test(entry.name) && !entry.name.endsWith('.d.ts')) {
      fs.mkdirSync(toDir, { recursive: true });
      fs.copyFileSync(from, to);
    }
  }
}
copyAssets(path.join(root, 'src'), path.join(root, 'dist', 'src'));
copyAssets(path.join(root, 'prisma', 'seed'), path.join(root, 'dist', 'prisma', 'seed'));
