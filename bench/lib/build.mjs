// Builds dist/ when any TypeScript source is newer than it, as `npm run build` would.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { root } from './settings.mjs';

function newestMtime(dir) {
  if (!fs.existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full));
    else newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

export function buildIfStale() {
  const marker = path.join(root, 'dist', 'src', 'server.js');
  const built = fs.existsSync(marker) ? fs.statSync(marker).mtimeMs : 0;
  const source = Math.max(...['src', 'workers', 'prisma/seed.ts', 'prisma/seed'].map((p) => {
    const full = path.join(root, p);
    return fs.existsSync(full) && fs.statSync(full).isFile() ? fs.statSync(full).mtimeMs : newestMtime(full);
  }));
  if (built >= source) return 'up to date';
  console.log('▸ dist/ is older than the sources: building (node scripts/build.mjs)');
  const result = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('the build failed: fix it before benchmarking (a tree that does not type-check is not what production runs)');
  return 'built';
}
