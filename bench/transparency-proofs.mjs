#!/usr/bin/env node
// `node bench/transparency-proofs.mjs`: what the transparency log's core costs at a million leaves,
// in one process with no database: building the tree (as a sequencer appends batches), inclusion
// and consistency proofs from stored nodes and from tlog-tiles, their verification, and what the
// verify CLI does with every leaf (root, count). Not part of `npm test`; see
// src/modules/transparency/README.md "Cost". Figures are CPU ms per operation beside the cost of
// one SHA-256 node hash measured in the same run, so they can be compared across machines.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildIfStale } from './lib/build.mjs';
import { machine } from './lib/machine.mjs';
import { percentile, round } from './lib/stats.mjs';
import { resultsDir, root, runId } from './lib/settings.mjs';

// Memory figures need a collection before each reading.
if (typeof globalThis.gc !== 'function') {
  const again = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(again.status ?? 1);
}

const positive = (name, fallback) => {
  const n = Number(process.env[name] ?? fallback);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer`);
  return n;
};
const LEAVES = positive('BENCH_LOG_LEAVES', 1_000_000);
const CALLS = positive('BENCH_PROOF_CALLS', 2_000);
const BATCH = positive('BENCH_LOG_BATCH', 1_000);

buildIfStale();
const t = createRequire(import.meta.url)(path.join(root, 'dist', 'src', 'modules', 'transparency', 'index.js'));

const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const heapMb = () => {
  globalThis.gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return (heapUsed + arrayBuffers) / 1024 / 1024;
};

/** Runs fn `calls` times; wall p50/p95 per call and CPU ms per call over the whole run. */
async function perCall(calls, fn) {
  const times = [];
  const cpu0 = cpuMs();
  for (let i = 0; i < calls; i += 1) {
    const started = process.hrtime.bigint();
    await fn(i);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return { calls, p50Ms: round(percentile(times, 50), 3), p95Ms: round(percentile(times, 95), 3), cpuMsPerCall: round((cpuMs() - cpu0) / calls, 4) };
}

async function once(fn) {
  const cpu0 = cpuMs();
  const started = Date.now();
  const value = await fn();
  return { value, seconds: round((Date.now() - started) / 1000, 2), cpuSeconds: round((cpuMs() - cpu0) / 1000, 2) };
}

// Deterministic pseudo-random indices, so two runs ask for the same proofs.
const random = (() => {
  let state = createHash('sha256').update('transparency bench').digest().readUInt32BE(0);
  return (below) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return Math.floor((state / 2 ** 32) * below);
  };
})();

async function main() {
  const origin = 'bench.clarion.example/campaigns/kazakhstan';
  const logId = t.logIdOf(origin);
  const report = { runId, startedAt: new Date().toISOString(), settings: { leaves: LEAVES, calls: CALLS, batch: BATCH }, machine: machine() };

  // The ceiling-like unit: one interior node hash (SHA-256 of 65 bytes) on this machine, now.
  const left = randomBytes(32);
  const nodeHash = await perCall(200_000, () => t.hashChildren(left, left));
  report.nodeHash = { cpuUsPerHash: round(nodeHash.cpuMsPerCall * 1000, 3) };
  const unit = nodeHash.cpuMsPerCall;

  // 1M leaves: confirmations (54 bytes) with a revocation every 20th leaf, as the ledger would write them.
  const leavesRun = await once(() => {
    const leaves = new Array(LEAVES);
    const commitments = randomBytes(32 * LEAVES);
    for (let i = 0; i < LEAVES; i += 1) {
      leaves[i] = i % 20 === 19
        ? t.encodeLeaf({ type: 'revoked', logId, hour: 500_000 + Math.floor(i / 1000), reason: 'erased', revokes: i - 10 })
        : t.encodeLeaf({ type: 'confirmed', logId, hour: 500_000 + Math.floor(i / 1000), commitment: commitments.subarray(i * 32, (i + 1) * 32) });
    }
    return leaves;
  });
  const leaves = leavesRun.value;
  const hashesRun = await once(() => leaves.map((leaf) => t.hashLeaf(leaf)));
  const leafHashes = hashesRun.value;

  const heap0 = heapMb();
  const nodes = new t.MemoryNodeStore();
  const nodesBuild = await once(() => {
    for (let i = 0; i < LEAVES; i += BATCH) nodes.appendLeafHashes(leafHashes.slice(i, i + BATCH));
    return nodes.appendLeafHashes([]).root;
  });
  const heapNodes = heapMb();
  const tileStore = new t.MemoryTileStore();
  const tilesBuild = await once(async () => {
    let result;
    for (let i = 0; i < LEAVES; i += BATCH) result = await tileStore.appendLeafHashes(leafHashes.slice(i, i + BATCH));
    return result.root;
  });
  const heapTiles = heapMb();
  if (!nodesBuild.value.equals(tilesBuild.value)) throw new Error('the node store and the tile store disagree on the root');
  const rootHash = nodesBuild.value;
  report.build = {
    leafHashing: { seconds: hashesRun.seconds, cpuUsPerLeaf: round((hashesRun.cpuSeconds * 1e6) / LEAVES, 3) },
    nodeStore: { seconds: nodesBuild.seconds, cpuUsPerLeaf: round((nodesBuild.cpuSeconds * 1e6) / LEAVES, 3), memoryMb: round(heapNodes - heap0, 1) },
    tileStore: { seconds: tilesBuild.seconds, cpuUsPerLeaf: round((tilesBuild.cpuSeconds * 1e6) / LEAVES, 3), memoryMb: round(heapTiles - heapNodes, 1), tiles: tileStore.tileCount },
  };

  const tiles = new t.TiledNodeReader(tileStore);
  const indices = Array.from({ length: CALLS }, () => random(LEAVES));
  const proofs = [];
  const inclusionNodes = await perCall(CALLS, async (i) => {
    proofs[i] = await t.inclusionProof(nodes, indices[i], LEAVES);
  });
  const inclusionTiles = await perCall(CALLS, (i) => t.inclusionProof(tiles, indices[i], LEAVES));
  const inclusionVerify = await perCall(CALLS, (i) => {
    if (!t.verifyInclusion(indices[i], LEAVES, leafHashes[indices[i]], proofs[i], rootHash)) throw new Error('an inclusion proof failed');
  });
  const pathLength = proofs[0].length;

  const olderSizes = Array.from({ length: CALLS }, () => 1 + random(LEAVES - 1));
  const olderRoots = await Promise.all(olderSizes.slice(0, 50).map((size) => t.rootAt(nodes, size)));
  const consistency = [];
  const consistencyNodes = await perCall(CALLS, async (i) => {
    consistency[i] = await t.consistencyProof(nodes, olderSizes[i], LEAVES);
  });
  const consistencyTiles = await perCall(CALLS, (i) => t.consistencyProof(tiles, olderSizes[i], LEAVES));
  const consistencyVerify = await perCall(50, (i) => {
    if (!t.verifyConsistency(olderSizes[i], LEAVES, olderRoots[i], rootHash, consistency[i])) throw new Error('a consistency proof failed');
  });
  const rootFromTiles = await perCall(200, (i) => t.rootAt(tiles, olderSizes[i]));

  const row = (r, hashes) => ({ ...r, nodeHashes: hashes, ratioToHashes: hashes ? round(r.cpuMsPerCall / (hashes * unit), 2) : null });
  report.proofs = {
    inclusionFromNodes: row(inclusionNodes, null),
    inclusionFromTiles: row(inclusionTiles, null),
    inclusionVerify: row(inclusionVerify, pathLength),
    consistencyFromNodes: row(consistencyNodes, null),
    consistencyFromTiles: row(consistencyTiles, null),
    consistencyVerify: row(consistencyVerify, consistency[0].length * 2),
    rootFromTiles: row(rootFromTiles, null),
    pathLength,
  };

  // What the verify CLI does with the leaves it downloaded, and a checkpoint's signing and opening.
  const key = t.generateNoteKey('bench.clarion.example');
  const signer = t.parseSignerKey(key.signerKey);
  const tally = t.tallyLeaves(leaves, origin);
  const note = t.signCheckpoint({ origin, size: LEAVES, rootHash }, signer);
  const heapBefore = heapMb();
  const fullVerify = await once(() => t.verifyLog({ logKey: key.verifierKey, origin, checkpoint: note, leaves, publicCount: tally.count }));
  if (!fullVerify.value.ok) throw new Error(`the bench log did not verify: ${JSON.stringify(fullVerify.value.failures)}`);
  const rootOfLeaves = await once(() => t.rootOfLeaves(leaves));
  const tallyRun = await once(() => t.tallyLeaves(leaves, origin));
  const verifier = t.parseVerifierKey(key.verifierKey);
  report.verifier = {
    verifyLog: { seconds: fullVerify.seconds, cpuSeconds: fullVerify.cpuSeconds, heapAfterMb: round(heapMb() - heapBefore, 1), count: tally.count },
    rootOfLeaves: { seconds: rootOfLeaves.seconds, cpuSeconds: rootOfLeaves.cpuSeconds },
    tally: { seconds: tallyRun.seconds, cpuSeconds: tallyRun.cpuSeconds },
    signCheckpoint: await perCall(500, () => t.signCheckpoint({ origin, size: LEAVES, rootHash }, signer)),
    openCheckpoint: await perCall(500, () => t.openCheckpoint(note, { logKey: verifier, origin })),
  };

  report.finishedAt = new Date().toISOString();
  fs.mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `transparency-${runId}.json`);
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  print(report);
  console.log(`\nWritten to ${path.relative(root, file)}`);
}

function print(r) {
  const m = r.machine;
  console.log(`Transparency log core, ${r.settings.leaves.toLocaleString('en')} leaves (batches of ${r.settings.batch}), ${r.settings.calls} calls per figure`);
  console.log(`${m.cores} cores (${m.cpuModel}), Node ${m.node}, load ${m.loadAverage.join(' ')}; one node hash: ${r.nodeHash.cpuUsPerHash} µs CPU\n`);
  console.log('| build                  | seconds | CPU µs / leaf | memory MB |');
  console.log('|------------------------|---------|---------------|-----------|');
  console.log(`| leaf hashes            | ${r.build.leafHashing.seconds} | ${r.build.leafHashing.cpuUsPerLeaf} | – |`);
  console.log(`| node store (all nodes) | ${r.build.nodeStore.seconds} | ${r.build.nodeStore.cpuUsPerLeaf} | ${r.build.nodeStore.memoryMb} |`);
  console.log(`| tile store (${r.build.tileStore.tiles} tiles) | ${r.build.tileStore.seconds} | ${r.build.tileStore.cpuUsPerLeaf} | ${r.build.tileStore.memoryMb} |`);
  console.log(`\n| operation at ${r.settings.leaves.toLocaleString('en')} leaves | p50 ms | p95 ms | CPU ms / op | node hashes | CPU / (hashes × 1 hash) |`);
  console.log('|-----------------------------------|--------|--------|-------------|-------------|-------------------------|');
  for (const [name, p] of Object.entries(r.proofs)) {
    if (typeof p !== 'object') continue;
    console.log(`| ${name} | ${p.p50Ms} | ${p.p95Ms} | ${p.cpuMsPerCall} | ${p.nodeHashes ?? '–'} | ${p.ratioToHashes ?? '–'} |`);
  }
  const v = r.verifier;
  console.log(`\nverifyLog over every leaf: ${v.verifyLog.seconds} s (${v.verifyLog.cpuSeconds} s CPU; root ${v.rootOfLeaves.cpuSeconds} s, count ${v.tally.cpuSeconds} s), count ${v.verifyLog.count}`);
  console.log(`checkpoint: sign ${v.signCheckpoint.cpuMsPerCall} ms, open and verify ${v.openCheckpoint.cpuMsPerCall} ms CPU`);
}

await main();
