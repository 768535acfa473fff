import { loadConfig } from '../src/platform/config';
import { createPlatform } from '../src/platform/context';
import { onShutdown } from '../src/platform/process';
import { startWorkers, stopAll, type WorkerParts } from '../src/worker-runtime';

/** Shared by the entry points in this folder: start the named parts, stop them on SIGTERM. */
export function runWorkerProcess(role: string, parts: WorkerParts): void {
  const platform = createPlatform(loadConfig(), role);
  const workers = startWorkers(platform, parts);
  platform.logger.info({ parts: Object.keys(parts).filter((part) => parts[part as keyof typeof parts]) }, 'workers started');
  onShutdown(platform.logger, [() => stopAll(platform, workers)]);
}
