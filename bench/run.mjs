#!/usr/bin/env node
// `npm run bench [-- signing|oracle|letters|mailings|webhooks|metrics|export|queues ...]`: Clarion under load on this machine, each
// figure beside a ceiling measured in the same run. See README "Performance".
import fs from 'node:fs';
import path from 'node:path';
import { buildIfStale } from './lib/build.mjs';
import { connect, deleteRedisKeys, dropDatabase, prepareDatabase, seed, serverVersions } from './lib/database.mjs';
import { cpuBusyReader, machine } from './lib/machine.mjs';
import { printReport } from './lib/report.mjs';
import { benchDatabaseUrl, queuePrefix, redisUrl, resultsDir, runId, settings } from './lib/settings.mjs';
import { startSink } from './lib/sink.mjs';
import { clarionEnv } from './lib/stack.mjs';
import { exportPart } from './parts/export.mjs';
import { lettersPart } from './parts/letters.mjs';
import { mailingsPart } from './parts/mailings.mjs';
import { metricsPart } from './parts/metrics.mjs';
import { oraclePart } from './parts/oracle.mjs';
import { queuesPart } from './parts/queues.mjs';
import { loadSignatures } from './parts/dataset.mjs';
import { signingPart } from './parts/signing.mjs';
import { webhooksPart } from './parts/webhooks.mjs';

const PARTS = ['signing', 'oracle', 'letters', 'mailings', 'webhooks', 'metrics', 'export', 'queues'];

async function main() {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((p) => !PARTS.includes(p));
  if (unknown.length > 0) {
    console.error(`Unknown part ${unknown.join(', ')}. Parts: ${PARTS.join(', ')}.`);
    process.exit(2);
  }
  const parts = asked.length > 0 ? PARTS.filter((p) => asked.includes(p)) : PARTS;
  const startedAt = new Date();
  const busyBefore = cpuBusyReader();
  await new Promise((r) => setTimeout(r, 2000));
  const report = { runId, startedAt: startedAt.toISOString(), parts, settings, machine: { ...machine(), busyPercentBeforeRun: busyBefore() }, results: {}, errors: {} };
  const busyDuring = cpuBusyReader();

  console.log(`▸ Clarion benchmark ${runId}: ${parts.join(', ')}`);
  report.build = buildIfStale();
  const databaseUrl = benchDatabaseUrl();
  console.log(`▸ Preparing ${new URL(databaseUrl).pathname.slice(1)} (reset, migrate, seed) and Redis prefix ${queuePrefix}`);
  await prepareDatabase(databaseUrl);
  seed(clarionEnv({ databaseUrl, smtpPort: 25 }));
  const pool = connect(databaseUrl);
  Object.assign(report.machine, await serverVersions(pool, redisUrl));
  const sink = await startSink();
  const context = { databaseUrl, pool, sink };

  const run = async (name, fn) => {
    const t0 = Date.now();
    console.log(`\n▸ ${name}`);
    try {
      report.results[name] = await fn();
    } catch (error) {
      console.error(`  ✗ ${name} failed: ${error.stack ?? error}`);
      report.errors[name] = String(error.message ?? error);
    }
    console.log(`  (${name}: ${Math.round((Date.now() - t0) / 1000)} s)`);
  };

  try {
    if (parts.includes('signing')) await run('signing', () => signingPart(context));
    if (parts.includes('oracle')) await run('oracle', () => oraclePart(context));
    if (parts.includes('letters')) await run('letters', () => lettersPart(context));
    if (parts.includes('mailings')) await run('mailings', () => mailingsPart(context));
    if (parts.includes('webhooks')) await run('webhooks', () => webhooksPart(context));
    if (parts.includes('queues')) await run('queues', () => queuesPart(context));
    if (parts.includes('metrics') || parts.includes('export')) {
      await run('dataset', () => loadSignatures(context));
      if (!report.errors.dataset) {
        if (parts.includes('metrics')) await run('metrics', () => metricsPart({ ...context, dataset: report.results.dataset }));
        if (parts.includes('export')) await run('export', () => exportPart({ ...context, dataset: report.results.dataset }));
      }
    }
  } finally {
    await sink.stop();
    await pool.end();
    report.redisKeysDeleted = await deleteRedisKeys(redisUrl, queuePrefix).catch(() => null);
    if (!settings.keepDatabase) await dropDatabase(databaseUrl).catch((e) => console.error(`  ! could not drop the bench database: ${e.message}`));
  }

  report.finishedAt = new Date().toISOString();
  report.minutes = Math.round(((Date.now() - startedAt.getTime()) / 60_000) * 10) / 10;
  report.machine.busyPercentDuringRun = busyDuring();
  report.machine.loadAverageAtEnd = machine().loadAverage;
  fs.mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `${runId}.json`);
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  printReport(report);
  console.log(`\nResults: ${path.relative(process.cwd(), file)}`);
  if (Object.keys(report.errors).length > 0) process.exitCode = 1;
}

main().catch((error) => {
  console.error(`\n✗ ${error.stack ?? error}`);
  process.exit(1);
});
