import { loadConfig } from '../src/platform/config';
import { createPlatform } from '../src/platform/context';
import { onShutdown } from '../src/platform/process';
import { checkRedisPolicyWhenConnected } from '../src/platform/redis-policy';
import { startWorkers, stopAll, type WorkerParts } from '../src/worker-runtime';

/** Shared by the entry points in this folder: start the named parts, stop them on SIGTERM. */
export function runWorkerProcess(role: string, parts: WorkerParts): void {
  const platform = createPlatform(loadConfig(), role);
  // Refused in production when Redis may evict jobs (redis-policy.ts); the workers start meanwhile.
  checkRedisPolicyWhenConnected(platform.redis, platform.config, platform.logger).catch((error: unknown) => {
    platform.logger.fatal({ reason: error instanceof Error ? error.message : String(error) }, 'refusing to run');
    process.exit(78);
  });
  const workers = startWorkers(platform, parts);
  platform.logger.info({ parts: Object.keys(parts).filter((part) => parts[part as keyof typeof parts]) }, 'workers started');
  onShutdown(platform.logger, [() => stopAll(platform, workers)]);
}
