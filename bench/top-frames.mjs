#!/usr/bin/env node
// Summarises a V8 .cpuprofile (from BENCH_CPU_PROF=1): the functions with the most self time, and
// the same grouped by package, so a report can say where the time goes.
// Usage: node bench/top-frames.mjs <file.cpuprofile> [top=20]
import fs from 'node:fs';

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('Usage: node bench/top-frames.mjs <file.cpuprofile> [top]');
  process.exit(2);
}
const top = Number(topArg ?? 20);
const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfMicros = new Map();
const deltas = profile.timeDeltas ?? [];
profile.samples.forEach((id, i) => selfMicros.set(id, (selfMicros.get(id) ?? 0) + (deltas[i] ?? 0)));
const total = [...selfMicros.values()].reduce((a, b) => a + b, 0);

const frames = new Map();
const packages = new Map();
for (const [id, micros] of selfMicros) {
  const { callFrame } = byId.get(id);
  const where = callFrame.url ? `${callFrame.url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, '')}:${callFrame.lineNumber + 1}` : '';
  const key = `${callFrame.functionName || '(anonymous)'} ${where}`.trim();
  frames.set(key, (frames.get(key) ?? 0) + micros);
  const pkg = !callFrame.url ? callFrame.functionName || '(native)'
    : callFrame.url.includes('/node_modules/') ? callFrame.url.replace(/^.*\/node_modules\/((@[^/]+\/)?[^/]+).*$/, '$1')
      : callFrame.url.startsWith('node:') ? 'node:internal' : callFrame.url.includes('/dist/') ? 'clarion (dist)' : callFrame.url;
  packages.set(pkg, (packages.get(pkg) ?? 0) + micros);
}
const show = (title, map) => {
  console.log(`\n${title} (of ${(total / 1e6).toFixed(1)} s sampled)`);
  for (const [key, micros] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((micros / total) * 100).toFixed(1).padStart(5)} %  ${key}`);
  }
};
show('Self time by function', frames);
show('Self time by package', packages);
