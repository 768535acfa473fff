import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Router } from 'express';
import { closePlatform, createPlatform, type Platform } from '../../../src/platform/context';
import { createHttpApp } from '../../../src/platform/http/app';
import { LogCollector, testConfig } from '../../support/harness';

/**
 * A failed database call must not put what the request sent into the log: Prisma's message and
 * meta quote the driver's text, which quotes the value (`invalid input syntax for type uuid: "…"`).
 */
let platform: Platform;
const logs = new LogCollector();

beforeAll(() => {
  platform = createPlatform(testConfig({ LOG_LEVEL: 'trace' }), 'test-api', logs);
});
afterAll(() => closePlatform(platform));

const marker = () => `leak-${randomUUID().slice(0, 8)}@example.org`;

it('logs a failed raw query and a failed query-API call by codes, without their parameters', async () => {
  const values = [marker(), marker()];
  const raw = await platform.db.$queryRaw`SELECT ${values[0]}::uuid`.catch((error: unknown) => error);
  const orm = await platform.db.supporter.findFirst({ where: { id: values[1]! } }).catch((error: unknown) => error);
  platform.logger.error({ err: raw }, 'raw query failed');
  platform.logger.warn({ err: new Error('wrapped', { cause: orm }) }, 'query failed');

  const lines = logs.lines.filter((line) => line.msg === 'raw query failed' || line.msg === 'query failed');
  expect(lines).toHaveLength(2);
  expect(JSON.stringify(lines[0])).toContain('22P02');
  expect(JSON.stringify(lines[0])).toContain('P2010');
  for (const value of values) expect(logs.text).not.toContain(value.split('@')[0]);
});

it('an unhandled database error in a request is a 500 whose log lines name the codes and not the values', async () => {
  const router = Router();
  router.get('/fails', async (req) => {
    await platform.db.$queryRaw`SELECT ${String(req.query.value)}::uuid`;
  });
  const server = createHttpApp(platform, [router]).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const value = marker();
  const startedAt = logs.text.length;
  try {
    const answer = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/fails?value=${encodeURIComponent(value)}`);
    expect(answer.status).toBe(500);
    expect(await answer.text()).not.toContain(value);
    await new Promise((resolve) => setTimeout(resolve, 50)); // the request line is written after the answer
  } finally {
    server.close();
  }
  const written = logs.text.slice(startedAt);
  expect(written).toContain('"msg":"unhandled error"');
  expect(written).toContain('22P02');
  expect(written).not.toContain(value.split('@')[0]);
});
