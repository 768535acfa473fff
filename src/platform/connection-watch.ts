import type { Redis } from 'ioredis';
import type { Logger } from './logger';

/**
 * Logs a Redis outage once, at warn, when the client first fails, and once at info when it is
 * ready again; the reconnect attempts in between go to debug. The listener also keeps ioredis
 * from printing "[ioredis] Unhandled error event" around the JSON log: it prints that for any
 * client that has no 'error' listener.
 */
export function watchRedisConnection(client: Redis, logger: Logger, name: string): void {
  let downSince: number | undefined;
  client.on('error', (error: Error) => {
    if (downSince === undefined) {
      downSince = Date.now();
      logger.warn({ connection: name, reason: reasonOf(error) }, 'Redis unreachable; reconnecting');
    } else {
      logger.debug({ connection: name, reason: reasonOf(error) }, 'Redis still unreachable');
    }
  });
  client.on('ready', () => {
    if (downSince === undefined) return;
    logger.info({ connection: name, downForMs: Date.now() - downSince }, 'Redis reachable again');
    downSince = undefined;
  });
}

/** Errors that only say the connection is down; the connection's watcher has logged the outage. */
export function isConnectionError(error: unknown): boolean {
  const text = error instanceof Error ? `${(error as NodeJS.ErrnoException).code ?? ''} ${error.name} ${error.message}` : String(error);
  return /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENOTFOUND|Connection is closed|Stream isn't writeable|MaxRetriesPerRequest|enableOfflineQueue|getaddrinfo|socket hang up|Command timed out|LOADING/i.test(
    text,
  );
}

function reasonOf(error: Error): string {
  return (error as NodeJS.ErrnoException).code ?? error.message.slice(0, 120);
}
