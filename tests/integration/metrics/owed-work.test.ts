// @queue-backends both: npm test runs this file on Redis and on PostgreSQL queues (scripts/test.mjs).
import { randomUUID } from 'node:crypto';
import { createCampaign } from '../../support/fixtures';
import { startTestApi, type TestApi } from '../../support/harness';

/** Issue 13: an operator sees owed work that is overdue, by kind and age, before supporters do. */
const TOKEN = 'owed-work-admin-token-0123456789abcdef';
let api: TestApi;

beforeAll(async () => {
  api = await startTestApi({ ADMIN_API_TOKEN: TOKEN, LOG_LEVEL: 'silent' });
});
afterAll(async () => api.close());

async function owedRow(minutesAgo: number, completed = false) {
  const at = new Date(Date.now() - minutesAgo * 60_000);
  await api.platform.db.outboxEvent.create({
    data: {
      queue: 'email',
      jobName: 'supporters.send.confirmation',
      payload: { attemptId: randomUUID(), variant: 'new' },
      dedupeKey: `confirm-${randomUUID()}`,
      createdAt: at,
      relayedAt: at,
      checkAt: new Date(Date.now() + 3600_000),
      completedAt: completed ? new Date() : null,
    },
  });
}

describe('overdue owed work', () => {
  it('is counted by job name and age on /metrics and in the campaign figures; done and fresh work is not', async () => {
    await owedRow(10);
    await owedRow(10);
    await owedRow(90);
    await owedRow(10, true); // done
    await owedRow(0); // not due long enough to be overdue
    const text = await (await fetch(`${api.url}/metrics`)).text();
    expect(text).toContain('clarion_owed_jobs_overdue{kind="supporters.send.confirmation",age="5-15m"} 2');
    expect(text).toContain('clarion_owed_jobs_overdue{kind="supporters.send.confirmation",age="1h+"} 1');
    expect(text).toContain('clarion_owed_jobs_overdue{kind="letters.release.held",age="1-5m"} 0');
    expect(text).toMatch(/clarion_owed_jobs_oldest_seconds\{kind="supporters.send.confirmation"\} 5[34]\d\d/);

    const campaign = await createCampaign(api.platform.db);
    const answer = await fetch(`${api.url}/api/admin/campaigns/${campaign.slug}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(answer.status).toBe(200);
    const metrics = (await answer.json()) as { owedWork: unknown };
    expect(metrics.owedWork).toEqual([
      { kind: 'supporters.send.confirmation', overdue: 3, oldestSeconds: expect.any(Number), byAge: { '1-5m': 0, '5-15m': 2, '15-60m': 0, '1h+': 1 } },
    ]);
  });
});
