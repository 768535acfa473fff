import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { buildApi } from './api';
import { loadConfig } from './platform/config';
import { closePlatform, createPlatform, redisOf } from './platform/context';
import { answerClientErrors } from './platform/http/client-errors';
import { onShutdown } from './platform/process';
import { migrateQueueSchema } from './platform/queue-backend';
import { checkRedisPolicyWhenConnected } from './platform/redis-policy';

/** The API process: `node dist/src/server.js`. */
async function main(): Promise<void> {
  const config = loadConfig();
  // Queues on PostgreSQL need BullMQ's schema before any Queue is built (idempotent, fast when current).
  if (config.QUEUE_BACKEND === 'postgres') await migrateQueueSchema(config.DATABASE_URL);
  const platform = createPlatform(config, 'api');
  const redis = redisOf(platform);
  if (redis) await checkRedisPolicyWhenConnected(redis, config, platform.logger);
  const server = buildApi(platform).listen(config.PORT, config.HOST);
  await once(server, 'listening');
  answerClientErrors(server);
  // Keep-alive longer than a typical proxy's, so the proxy never reuses a socket we just closed.
  server.keepAliveTimeout = 65_000;
  const { port } = server.address() as AddressInfo;
  platform.logger.info({ port, url: config.PUBLIC_BASE_URL }, 'API listening');
  onShutdown(platform.logger, [
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
    () => closePlatform(platform),
  ]);
}

main().catch((error: unknown) => {
  console.error('API failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
