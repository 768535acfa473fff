import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { buildApi } from '../../src/api';
import { answerClientErrors } from '../../src/platform/http/client-errors';
import { parseConfig, type Config } from '../../src/platform/config';
import { closePlatform, createPlatform, redisOf, type Platform } from '../../src/platform/context';
import { SmtpRecorder } from './smtp-recorder';
import { startWorkers, type RunningWorkers, type WorkerParts } from '../../src/worker-runtime';

/**
 * A real API on a loopback port, against the real test database and Redis, with its own Redis key
 * prefix so test files never see each other's queues or rate-limit counters.
 */
export interface TestApi {
  platform: Platform;
  url: string;
  close(): Promise<void>;
}

export function testConfig(overrides: Record<string, string> = {}): Config {
  return parseConfig({ ...process.env, QUEUE_PREFIX: `t-${randomUUID().slice(0, 8)}`, ...overrides });
}

/**
 * Fresh secrets production accepts (tests' fixed ones are refused there). The encryption key is new
 * too: data sealed by this file's other APIs cannot be read by a production one started with these.
 */
export function productionSecrets(): Record<string, string> {
  return {
    SECRET_KEY: randomBytes(32).toString('base64url'),
    ENCRYPTION_KEYS: `p1:${randomBytes(32).toString('base64')}`,
    METRICS_TOKEN: randomBytes(32).toString('base64url'),
  };
}

export interface TestApiOptions {
  /** Where the platform's logger writes (e.g. a `LogCollector`), instead of stdout. */
  logStream?: NodeJS.WritableStream;
  /** The port to listen on (0: any free one); for a test whose PUBLIC_BASE_URL must name this server. */
  port?: number;
}

export async function startTestApi(overrides: Record<string, string> = {}, options: TestApiOptions = {}): Promise<TestApi> {
  const platform = createPlatform(testConfig(overrides), 'test-api', options.logStream);
  // The request-path Redis client refuses commands until it is connected; wait for it (a test
  // with an unreachable Redis goes on after a moment).
  await redisReady(platform, 500);
  const server: Server = buildApi(platform).listen(options.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  answerClientErrors(server);
  const { port } = server.address() as AddressInfo;
  return {
    platform,
    url: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await closePlatform(platform);
    },
  };
}

async function redisReady(platform: Platform, timeoutMs: number): Promise<void> {
  const redis = redisOf(platform);
  if (!redis || redis.status === 'ready') return; // QUEUE_BACKEND=postgres: no Redis client
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    once(redis, 'ready').catch(() => undefined),
    new Promise((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    }),
  ]);
  clearTimeout(timer);
}

/** What most integration tests need: a recording SMTP server, an API that mails through it, and the relay and workers. */
export interface TestStack {
  smtp: SmtpRecorder;
  api: TestApi;
  workers: RunningWorkers;
  stop(): Promise<void>;
}

export async function startTestStack(overrides: Record<string, string> = {}, options: TestApiOptions = {}): Promise<TestStack> {
  const smtp = await SmtpRecorder.start();
  const api = await startTestApi({ SMTP_URL: smtp.url, ...overrides }, options);
  const stack: TestStack = {
    smtp,
    api,
    workers: startTestWorkers(api),
    // The workers a test put in place of the first ones (after stopping those) are stopped too.
    async stop() {
      await stack.workers.stop();
      await api.close();
      await smtp.stop();
    },
  };
  return stack;
}

/** Relay and workers in this process, sharing the API's configuration (and so its queue prefix). */
export function startTestWorkers(api: TestApi, parts: WorkerParts = { relay: true, email: true, letters: true }): RunningWorkers {
  return startWorkers(api.platform, parts);
}

/** A log destination that keeps everything written to it, to assert on what reached the logs. */
export class LogCollector extends Writable {
  private readonly chunks: string[] = [];

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: () => void): void {
    this.chunks.push(chunk.toString());
    callback();
  }

  get text(): string {
    return this.chunks.join('');
  }

  get lines(): Array<Record<string, unknown>> {
    return this.text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}

/** Polls `check` every 25 ms until it returns a truthy value (which is returned) or `timeoutMs` passes. */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 10_000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: text ? safeJson(text) : undefined };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
