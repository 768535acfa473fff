import pino, { type Logger } from 'pino';

/**
 * Supporters can be at risk: no email, name, IP or token may reach a log. Request logging keeps
 * only the method, the route pattern (not the raw URL, which can carry tokens) and the status.
 * The redaction list is a second line of defence for objects logged by mistake.
 */
export const REDACTED_PATHS = [
  'email',
  '*.email',
  'name',
  '*.name',
  'ip',
  '*.ip',
  'token',
  '*.token',
  'password',
  '*.password',
  'req.headers',
  'req.remoteAddress',
  'req.url',
  'body',
  '*.body',
  'to',
  '*.to',
  'replyTo',
  '*.replyTo',
];

/**
 * Database errors quote what was sent: Prisma's message renders the call's arguments or the
 * driver's text (`invalid input syntax for type uuid: "<what the admin typed>"`), and its `meta`
 * carries the same text again. Such an error is logged by class and codes only, with its stack
 * frames but without the message, wherever it is logged (as `err` or as the cause of another).
 */
function isDatabaseError(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const name = (error as { name?: unknown }).name;
  if (typeof name === 'string' && (name.startsWith('PrismaClient') || name === 'DriverAdapterError')) return true;
  // pg's DatabaseError: a SQLSTATE code beside a severity.
  const { code, severity } = error as { code?: unknown; severity?: unknown };
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && typeof severity === 'string';
}

function causesOf(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let at: unknown = error; at && typeof at === 'object' && chain.length < 10; at = (at as { cause?: unknown }).cause) chain.push(at);
  return chain;
}

/** What a database error may say in a log: which error, which codes, where in our code. */
function withheldDatabaseError(error: object): Record<string, unknown> {
  const e = error as {
    name?: string;
    code?: unknown;
    clientVersion?: unknown;
    stack?: unknown;
    meta?: { driverAdapterError?: { cause?: { originalCode?: unknown; code?: unknown; kind?: unknown } } };
  };
  const cause = e.meta?.driverAdapterError?.cause;
  const sqlState = cause?.originalCode ?? cause?.code ?? (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) ? e.code : undefined);
  const frames =
    typeof e.stack === 'string'
      ? e.stack
          .split('\n')
          .filter((line) => /^\s+at /.test(line))
          .join('\n')
      : undefined;
  return {
    type: e.name ?? 'Error',
    message: `${e.name ?? 'Error'}${typeof e.code === 'string' ? ` ${e.code}` : ''} (message withheld: database errors quote request values)`,
    ...(typeof e.code === 'string' ? { code: e.code } : {}),
    ...(typeof sqlState === 'string' ? { sqlState } : {}),
    ...(typeof cause?.kind === 'string' ? { kind: cause.kind } : {}),
    ...(frames ? { stack: frames } : {}),
  };
}

/** pino's error serializer, except that database errors (or errors caused by one) say only their codes. */
export function serializeError(error: unknown): unknown {
  const database = causesOf(error).find(isDatabaseError);
  if (database) {
    const outer = error as { name?: string };
    return error === database
      ? withheldDatabaseError(database)
      : { type: outer.name ?? 'Error', message: 'caused by a database error', cause: withheldDatabaseError(database as object) };
  }
  return error instanceof Error ? pino.stdSerializers.err(error) : error;
}

export function createLogger(level: string, bindings: Record<string, unknown> = {}, destination?: NodeJS.WritableStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    serializers: { err: serializeError },
    base: { service: 'clarion', ...bindings },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}

export type { Logger };
