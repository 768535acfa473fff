// Preloaded into a process under test (NODE_OPTIONS=--require): appends its own memory to
// BENCH_MEMORY_FILE as "ms kind rss heapUsed heapTotal external" (bytes). The heap cannot be read
// from outside the process. Two kinds of line:
//   s  every 250 ms, as it is (heapUsed then includes garbage not yet collected);
//   g  every 2 s right after a full collection the probe asks for: what is still live. A leak
//      shows as a rising `g` line; garbage V8 has not collected yet does not. The collection costs
//      the process a few per cent of a core, so throughput measured with the probe is if anything low.
'use strict';
const fs = require('node:fs');
const v8 = require('node:v8');
const vm = require('node:vm');

const file = process.env.BENCH_MEMORY_FILE;
if (file) {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc');
  const write = (kind) => {
    const m = process.memoryUsage();
    try {
      fs.appendFileSync(file, `${Date.now()} ${kind} ${m.rss} ${m.heapUsed} ${m.heapTotal} ${m.external}\n`);
    } catch { /* the bench cleans up; a lost sample is only a gap */ }
  };
  write('s');
  setInterval(() => write('s'), 250).unref();
  setInterval(() => { gc(); write('g'); }, 2000).unref();
}
