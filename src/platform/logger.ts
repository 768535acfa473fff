import pino, { type Logger } from 'pino';

/**
 * Supporters can be at risk: no email, name, IP or token may reach a log. Request logging keeps
 * only the method, the route pattern (not the raw URL, which can carry tokens) and the status.
 * The redaction list is a second line of defence for objects logged by mistake.
 */
export const REDACTED_PATHS = [
  'email', '*.email', 'name', '*.name', 'ip', '*.ip', 'token', '*.token', 'password', '*.password',
  'req.headers', 'req.remoteAddress', 'req.url', 'body', '*.body', 'to', '*.to', 'replyTo', '*.replyTo',
];

export function createLogger(level: string, bindings: Record<string, unknown> = {}, destination?: NodeJS.WritableStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'clarion', ...bindings },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}

export type { Logger };
