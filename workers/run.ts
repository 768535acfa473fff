import { loadConfig } from '../src/platform/config';
import { createPlatform, redisOf } from '../src/platform/context';
import { onShutdown } from '../src/platform/process';
import { migrateQueueSchema } from '../src/platform/queue-backend';
import { checkRedisPolicyWhenConnected } from '../src/platform/redis-policy';
import { startWorkers, stopAll, type WorkerParts } from '../src/worker-runtime';

/** Shared by the entry points in this folder: start the named parts, stop them on SIGTERM. */
export function runWorkerProcess(role: string, parts: WorkerParts): void {
  const config = loadConfig();
  // Queues on PostgreSQL need BullMQ's schema before any Queue or Worker is built (idempotent).
  const ready = config.QUEUE_BACKEND === 'postgres' ? migrateQueueSchema(config.DATABASE_URL) : Promise.resolve(0);
  ready.then(
    () => {
      const platform = createPlatform(config, role);
      const redis = redisOf(platform);
      // Refused in production when Redis may evict jobs (redis-policy.ts); the workers start meanwhile.
      if (redis) {
        checkRedisPolicyWhenConnected(redis, platform.config, platform.logger).catch((error: unknown) => {
          platform.logger.fatal({ reason: error instanceof Error ? error.message : String(error) }, 'refusing to run');
          process.exit(78);
        });
      }
      const workers = startWorkers(platform, parts);
      platform.logger.info({ parts: Object.keys(parts).filter((part) => parts[part as keyof typeof parts]) }, 'workers started');
      onShutdown(platform.logger, [() => stopAll(platform, workers)]);
    },
    (error: unknown) => {
      console.error('Workers failed to start: the queue schema could not be migrated:', error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
