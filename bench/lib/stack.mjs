// Clarion as production runs it: the compiled API and worker with NODE_ENV=production, pointed at
// the bench database, this run's Redis prefix and the SMTP sink. Signing limits, the form's fill
// time and per-delegation caps are lifted because every request of the run comes from 127.0.0.1.
import fs from 'node:fs';
import path from 'node:path';
import { freePort, MemorySampler, startNode, stop, waitForHttp } from './processes.mjs';
import { queuePrefix, redisUrl, resultsDir, runId, runSecrets, settings } from './settings.mjs';

export function clarionEnv({ databaseUrl, smtpPort, port }) {
  return {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port ?? 0),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port ?? 3000}`,
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: queuePrefix,
    SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    SECRET_KEY: runSecrets.secretKey,
    ENCRYPTION_KEYS: runSecrets.encryptionKeys,
    ADMIN_API_TOKEN: runSecrets.adminToken,
    // Production refuses to start without it (README "What production refuses").
    METRICS_TOKEN: runSecrets.metricsToken,
    LOG_LEVEL: settings.logLevel,
    // Every signing comes from one address: the per-network and per-domain limits would refuse
    // nearly all of it. The HTML form's minimum fill time applies only to form posts with
    // `form_started`, which the bench does not send.
    RATE_LIMIT_ENABLED: 'false',
    LETTERS_CAP_DISABLED: 'true',
  };
}

/** `env`: more variables for both processes; `workerEnv`: for the worker only (e.g. a memory probe). */
export async function startStack({ databaseUrl, smtpPort, worker = true, label, env: extra = {}, workerEnv = {} }) {
  const port = await freePort();
  const env = { ...clarionEnv({ databaseUrl, smtpPort, port }), ...extra };
  const profileDir = settings.cpuProfile ? path.join(resultsDir, 'profiles', runId) : undefined;
  if (profileDir) fs.mkdirSync(profileDir, { recursive: true });
  const api = startNode(`api-${label}`, 'dist/src/server.js', env, { cpuProfileDir: profileDir });
  const workerProc = worker ? startNode(`worker-${label}`, 'dist/workers/index.js', { ...env, ...workerEnv }, { cpuProfileDir: profileDir }) : null;
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/readyz`);
  const sampler = new MemorySampler({ api: api.pid, ...(workerProc ? { worker: workerProc.pid } : {}) });
  return {
    url,
    env,
    api,
    worker: workerProc,
    sampler,
    adminHeaders: { authorization: `Bearer ${runSecrets.adminToken}` },
    metricsHeaders: { authorization: `Bearer ${runSecrets.metricsToken}` },
    async stop() {
      sampler.stop();
      await Promise.all([stop(api), workerProc ? stop(workerProc) : undefined]);
    },
  };
}
