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
  if (result.status === 0) return 'built';
  // tsc still emits JavaScript on type errors; a tree being edited by others may not type-check.
  if (built === 0) throw new Error('the build failed and there is no dist/ to run');
  console.warn('  ! the build reported errors (see above); running what tsc emitted into dist/');
  copyAssets(path.join(root, 'src'), path.join(root, 'dist', 'src'));
  copyAssets(path.join(root, 'prisma', 'seed'), path.join(root, 'dist', 'prisma', 'seed'));
  return 'built with type errors';
}

/** What scripts/build.mjs copies after a clean compile (it stops before this when tsc reports errors). */
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
