import { randomUUID } from 'node:crypto';
import { open, SEALED } from '../../../src/modules/supporters/personal-data';
import { createCampaign, signingBody, type TestCampaign } from '../../support/fixtures';
import { eventually, LogCollector, postJson, type TestApi, startTestStack, type TestStack } from '../../support/harness';
import type { SmtpRecorder } from '../../support/smtp-recorder';

let smtp: SmtpRecorder;
let api: TestApi;
let stack: TestStack;
let campaign: TestCampaign;
const logs = new LogCollector();

beforeAll(async () => {
  // Every level, so a leak at debug or trace shows too; the proxy header gives the client a
  // distinctive address (loopback is a trusted proxy by default).
  stack = await startTestStack({ RATE_LIMIT_ENABLED: 'true', LOG_LEVEL: 'trace', EMAIL_RETRY_BASE_MS: '200' }, { logStream: logs });
  ({ smtp, api } = stack);
  campaign = await createCampaign(api.platform.db);
});

afterAll(() => stack.stop());

/** Values unlike anything else in a row or a log line, so a match can only be a leak. */
function personalValues() {
  const marker = randomUUID().slice(0, 8);
  return {
    email: `zhanar.${marker}@example.org`,
    name: `Zhanar Privacytest${marker}`,
    city: `Ust-Kamenogorsk${marker}`,
    comment: `My brother ${marker} was detained in January.`,
    ip: `203.0.113.${(parseInt(marker.slice(0, 2), 16) % 200) + 10}`,
  };
}

const SQL_ROWS = {
  supporters: (id: string) => api.platform.db.$queryRaw<Array<{ row: string }>>`SELECT row_to_json(t)::text AS row FROM supporters t WHERE id = ${id}::uuid`,
  signatures: (id: string) => api.platform.db.$queryRaw<Array<{ row: string }>>`SELECT row_to_json(t)::text AS row FROM signatures t WHERE id = ${id}::uuid`,
  attempts: (id: string) =>
    api.platform.db.$queryRaw<Array<{ row: string }>>`SELECT row_to_json(t)::text AS row FROM signing_attempts t WHERE signature_id = ${id}::uuid`,
  outbox: () => api.platform.db.$queryRaw<Array<{ row: string }>>`SELECT row_to_json(t)::text AS row FROM outbox_events t`,
};

function expectNoneOf(text: string, values: Record<string, string>, where: string): void {
  const found = Object.entries(values).filter(([, value]) => text.toLowerCase().includes(value.toLowerCase()));
  if (found.length > 0) throw new Error(`${where} contains ${found.map(([what]) => what).join(', ')}`);
}

describe('personal data at rest', () => {
  it('stores no email, name, city, comment or IP in clear, and the cipher gives them back', async () => {
    const person = personalValues();
    const body = signingBody(campaign, { email: person.email, name: person.name, city: person.city, comment: person.comment });
    const answer = await postJson(`${api.url}/api/campaigns/${campaign.slug}/signatures`, body, { 'x-forwarded-for': person.ip });
    expect(answer.status).toBe(202);

    const signature = await api.platform.db.signature.findFirstOrThrow({
      where: { campaignId: campaign.id },
      orderBy: { createdAt: 'desc' },
      include: { supporter: true },
    });
    const rows = [
      ...(await SQL_ROWS.supporters(signature.supporterId)),
      ...(await SQL_ROWS.signatures(signature.id)),
      ...(await SQL_ROWS.attempts(signature.id)),
      ...(await SQL_ROWS.outbox()),
    ];
    expect(rows.length).toBeGreaterThanOrEqual(4);
    for (const { row } of rows) expectNoneOf(row, person, `the row ${row.slice(0, 60)}…`);
    // The row is found again by the hash of the network, not the address.
    expect(signature.ipHash).not.toBeNull();

    expect(open(api.platform, signature.supporter.emailEncrypted, SEALED.supporterEmail, signature.supporterId)).toBe(person.email);
    expect(open(api.platform, signature.supporter.nameEncrypted, SEALED.supporterName, signature.supporterId)).toBe(person.name);
    expect(open(api.platform, signature.cityEncrypted!, SEALED.signatureCity, signature.id)).toBe(person.city);
    expect(open(api.platform, signature.commentEncrypted!, SEALED.signatureComment, signature.id)).toBe(person.comment);
  });

  it('puts only ids in the jobs it leaves in the queue store (Redis, or PostgreSQL with QUEUE_BACKEND=postgres)', async () => {
    const person = personalValues();
    const body = signingBody(campaign, { email: person.email, name: person.name, city: person.city, comment: person.comment });
    await postJson(`${api.url}/api/campaigns/${campaign.slug}/signatures`, body, { 'x-forwarded-for': person.ip });
    await smtp.waitFor((m) => m.envelope.to.includes(person.email));

    const dump = await queueStoreDump();
    const text = dump.join('\n');
    expect(text).toContain('attemptId');
    expectNoneOf(text, person, 'the queue store');
  });
});

/** Everything the queue store holds for this API: its Redis keys and values, or BullMQ's rows and the shared values in PostgreSQL. */
async function queueStoreDump(): Promise<string[]> {
  const dump: string[] = [];
  if (api.platform.config.QUEUE_BACKEND === 'postgres') {
    for (const table of ['bullmq.job', 'bullmq.event', 'bullmq.job_log', 'shared_values']) {
      const rows = await api.platform.db.$queryRawUnsafe<Array<{ row: string }>>(`SELECT row_to_json(t)::text AS row FROM ${table} t`);
      dump.push(...rows.map((r) => r.row));
    }
    expect(dump.some((row) => row.includes('"queue":"email"'))).toBe(true);
    return dump;
  }
  const redis = api.platform.redis;
  const keys = await redis.keys(`${api.platform.config.QUEUE_PREFIX}:*`);
  expect(keys.some((key) => key.includes(':email:'))).toBe(true);
  for (const key of keys) {
    const type = await redis.type(key);
    if (type === 'hash') dump.push(JSON.stringify(await redis.hgetall(key)));
    else if (type === 'string') dump.push((await redis.get(key)) ?? '');
    else if (type === 'list') dump.push(JSON.stringify(await redis.lrange(key, '0', '-1')));
    else if (type === 'zset') dump.push(JSON.stringify(await redis.zrange(key, '0', '-1')));
    else if (type === 'stream') dump.push(JSON.stringify(await redis.call('XRANGE', key, '-', '+')));
    dump.push(key);
  }
  return dump;
}

describe('personal data in logs', () => {
  it('logs a whole sign, email and confirm cycle without an email, name, IP or token in it', async () => {
    const person = personalValues();
    const startedAt = logs.text.length;
    const body = signingBody(campaign, { email: person.email, name: person.name, city: person.city, comment: person.comment });
    const headers = { 'x-forwarded-for': person.ip, 'x-request-id': 'privacy-test-request' };

    const signed = await postJson(`${api.url}/api/campaigns/${campaign.slug}/signatures`, body, headers);
    expect(signed.status).toBe(202);
    const actionToken = (signed.json as { actionToken: string }).actionToken;
    // The same person again (a reminder email), and a mistake that is refused.
    await postJson(`${api.url}/api/campaigns/${campaign.slug}/signatures`, body, headers);
    expect((await postJson(`${api.url}/api/campaigns/${campaign.slug}/signatures`, { ...body, country: 'XX' }, headers)).status).toBe(400);

    const email = await smtp.waitFor((m) => m.envelope.to.includes(person.email) && m.subject.startsWith('Please confirm'));
    await smtp.waitFor((m) => m.envelope.to.includes(person.email) && m.subject.startsWith('Your confirmation link'));
    const link = /http:\/\/clarion\.test(\/confirm\/([A-Za-z0-9._-]+))/.exec(email.text)!;
    const token = link[2]!;
    expect((await fetch(`${api.url}${link[1]}`, { headers })).status).toBe(200);
    expect((await fetch(`${api.url}${link[1]}`, { method: 'POST', headers })).status).toBe(200);
    expect((await postJson(`${api.url}/api/confirmations`, { token }, headers)).json).toMatchObject({ status: 'already_confirmed' });
    expect((await fetch(`${api.url}/confirm/${token.slice(0, -3)}abc`, { headers })).status).toBe(400);

    // Wait for the workers' lines about both emails and the line of each of the seven requests
    // (a request's line is written when its answer has finished, which can be just after the
    // client has read it), then read everything this cycle logged.
    const count = (msg: string) => (logs.text.slice(startedAt).match(new RegExp(`"msg":"${msg}"`, 'g')) ?? []).length;
    await eventually(() => count('job done') >= 2 && count('request completed') >= 7, 5000, 'two "job done" and seven "request completed" lines');
    const cycle = logs.text.slice(startedAt);
    const lines = cycle
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    // The logs are not empty: requests and jobs are there, so a leak would have had a place to show.
    expect(lines.filter((line) => line.msg === 'request completed').length).toBeGreaterThanOrEqual(7);
    expect(lines.some((line) => (line.req as { id?: string } | undefined)?.id === 'privacy-test-request')).toBe(true);
    expect(lines.some((line) => line.msg === 'job done')).toBe(true);
    // Requests are logged by route pattern, never by the URL that carries the token.
    expect(new Set(lines.map((line) => line.route).filter(Boolean))).toEqual(
      new Set(['/api/campaigns/:slug/signatures', '/confirm/:token', '/api/confirmations']),
    );

    expectNoneOf(
      cycle,
      {
        ...person,
        // Parts of the address are identifying on their own.
        emailLocalPart: person.email.split('@')[0]!,
        loopback: '127.0.0.1',
        confirmationToken: token,
        tokenSignature: token.split('.')[2]!,
        actionToken,
      },
      'the log',
    );
  });

  it("logs a failed job by its id, name and error class, not by the error's text", async () => {
    // A mail provider's temporary refusal that quotes the recipient (addresses are scrubbed from
    // SMTP answers, a name is not), as a handler's error can quote anything it was working on.
    const person = personalValues();
    smtp.respondWith([{ code: 451, message: `4.7.1 Try again later for "${person.name}" <${person.email}> in ${person.city}` }]);
    const startedAt = logs.text.length;
    const signed = await postJson(
      `${api.url}/api/campaigns/${campaign.slug}/signatures`,
      signingBody(campaign, { email: person.email, name: person.name, city: person.city }),
    );
    expect(signed.status).toBe(202);

    const failed = await eventually(
      () =>
        logs.text
          .slice(startedAt)
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as Record<string, unknown>)
          .find((line) => line.msg === 'job failed'),
      10_000,
      'a "job failed" line',
    );
    expect(failed).toMatchObject({ job: expect.any(String), jobId: expect.any(String), error: { type: 'Error' } });
    expect(JSON.stringify(failed)).not.toContain('Try again later');
    // The retry delivers it; nothing of the person reached the log on the way.
    await smtp.waitFor((m) => m.envelope.to.includes(person.email), 30_000);
    expectNoneOf(logs.text.slice(startedAt), { ...person, emailLocalPart: person.email.split('@')[0]! }, 'the log');
  }, 60_000);
});
