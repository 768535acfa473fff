/**
 * Issue #15: "a mailing to about 1,000 supporters reaches exactly the confirmed, consenting,
 * not-suppressed ones, once each, across a worker SIGKILL".
 *
 * The update is sent only by the compiled mailings worker (dist/workers/mailings.worker.js) as a
 * child process, so it can really be killed; the API, the relay with the mailing sweeper, and the
 * SMTP recorder run here. The rule under test (mailings/delivery.ts): a recipient claimed by a
 * worker that died stays `sending` until its lease runs out, then it is sent again with the same
 * Message-ID. So every eligible supporter gets the update, nobody else does, and only a recipient
 * that was `sending` at the kill may get it twice.
 */
import type { RunningWorkers } from '../../../src/worker-runtime';
import { logIn, makeAccount, makeToken } from '../../support/admin';
import { createCampaign } from '../../support/fixtures';
import { eventually, LogCollector, startTestApi, startTestWorkers, type TestApi } from '../../support/harness';
import { mailingMessages, seedSupporters, type SupporterKind } from '../../support/mailings';
import { SmtpRecorder } from '../../support/smtp-recorder';
import { WorkerChildren } from '../../support/worker-children';

const LEASE_SECONDS = '5';
/** The server's pause before answering each message, so the kill lands with messages in flight. */
const ACCEPT_DELAY_MS = 50;
const KILL_AFTER = 150;

let smtp: SmtpRecorder;
let api: TestApi;
let workers: RunningWorkers | undefined;
const workerChildren = new WorkerChildren('mailings.worker.js');
const logs = new LogCollector();
beforeAll(async () => {
  workerChildren.buildIfStale();
  smtp = await SmtpRecorder.start();
  api = await startTestApi(
    { SMTP_URL: smtp.url, RATE_LIMIT_ENABLED: 'false', MAILINGS_SEND_LEASE_SECONDS: LEASE_SECONDS, MAILINGS_PER_MINUTE: '100000', LOG_LEVEL: 'warn' },
    { logStream: logs },
  );
  // The relay (with the mailing sweeper) here; mailings only in the child.
  workers = startTestWorkers(api, { relay: true, email: false, letters: false, mailings: false });
}, 120_000);

afterAll(async () => {
  await workerChildren.killAll();
  await workers?.stop();
  await api?.close();
  await smtp?.stop();
});

describe('a mailings worker killed mid-send', () => {
  it('reaches every eligible supporter and nobody else once restarted; only recipients being sent at the kill may get a second copy, with the same Message-ID', async () => {
    const campaign = await createCampaign(api.platform.db);
    const kinds: SupporterKind[] = [];
    for (let i = 0; i < 1000; i++) {
      const r = i % 20;
      kinds.push(r < 14 ? 'eligible' : r < 16 ? 'unconfirmed' : r < 18 ? 'no_consent' : r === 18 ? 'suppressed' : 'unsubscribed');
    }
    const seeded = await seedSupporters(api.platform, campaign, kinds);
    const eligible = new Set(seeded.filter((s) => s.kind === 'eligible').map((s) => s.email));
    expect(eligible.size).toBe(700);

    const owner = await makeAccount(api.platform.db, 'owner');
    const editor = {
      authorization: `Bearer ${(await makeToken(api.url, await logIn(api.url, owner.email, owner.password), 'editor')).token}`,
      'content-type': 'application/json',
    };
    const created = await fetch(`${api.url}/api/admin/campaigns/${campaign.slug}/mailings`, {
      method: 'POST',
      headers: editor,
      body: JSON.stringify({ subject: 'An update', text: 'Dear {{supporter.name}}, thank you.' }),
    });
    const { id } = (await created.json()) as { id: string };
    expect((await fetch(`${api.url}/api/admin/mailings/${id}/send`, { method: 'POST', headers: { authorization: editor.authorization } })).status).toBe(202);
    await eventually(async () => (await api.platform.db.outboxEvent.count({ where: { relayedAt: null } })) === 0, 10_000, 'outbox relayed');

    smtp.setAcceptDelay(ACCEPT_DELAY_MS);
    const first = startMailingsWorker('first');
    await eventually(() => mailingMessages(smtp, id).length >= KILL_AFTER || first.exitCode !== null, 30_000, `${KILL_AFTER} messages at the server`).catch(
      (error: Error) => {
        throw withDiagnostics(error);
      },
    );
    if (first.exitCode !== null) throw withDiagnostics(new Error('the first worker exited before it was killed'));
    await workerChildren.kill(first);
    const killedAt = Date.now();
    const sendingAtKill = new Set(
      (await api.platform.db.mailingRecipient.findMany({ where: { mailingId: id, status: 'sending' }, select: { id: true } })).map((r) => r.id),
    );
    const receivedAtKill = mailingMessages(smtp, id).length;
    expect(receivedAtKill).toBeLessThan(eligible.size / 2);

    startMailingsWorker('restarted');
    await eventually(
      async () => (await api.platform.db.mailing.findUnique({ where: { id }, select: { status: true } }))?.status === 'done',
      90_000,
      'mailing done after the restart',
    ).catch((error: Error) => {
      throw withDiagnostics(error);
    });

    const messages = mailingMessages(smtp, id);
    const received = new Map<string, number>();
    for (const m of messages) received.set(m.envelope.to[0]!, (received.get(m.envelope.to[0]!) ?? 0) + 1);
    const byMessageId = new Map<string, number>();
    for (const m of messages) byMessageId.set(m.messageId, (byMessageId.get(m.messageId) ?? 0) + 1);
    const duplicates = [...byMessageId.entries()].filter(([, n]) => n > 1).map(([messageId]) => /^<mailing-([0-9a-f-]{36})@/.exec(messageId)?.[1]);
    const rows = await api.platform.db.mailingRecipient.groupBy({ by: ['status'], where: { mailingId: id }, _count: { _all: true } });
    console.log(
      `mailings worker-crash: ${eligible.size} eligible of ${seeded.length}; killed after ${receivedAtKill} received (${sendingAtKill.size} sending); ` +
        `${messages.length} messages, ${duplicates.length} duplicates; done ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill; rows ${JSON.stringify(rows.map((r) => [r.status, r._count._all]))}`,
    );

    expect([...received.keys()].filter((email) => !eligible.has(email))).toEqual([]); // nobody else
    expect([...eligible].filter((email) => !received.has(email))).toEqual([]); // every eligible one
    expect(rows.map((r) => [r.status, r._count._all])).toEqual([['sent', 700]]);
    expect(duplicates.filter((recipientId) => !recipientId || !sendingAtKill.has(recipientId))).toEqual([]); // copies only of what was in flight
    expect(duplicates.length).toBeLessThanOrEqual(sendingAtKill.size);
  }, 180_000);
});

function withDiagnostics(error: Error): Error {
  error.message += `\nwarnings here:\n${logs.lines
    .slice(-10)
    .map((l) => JSON.stringify(l))
    .join('\n')}\nworker output:\n${workerChildren.tail()}`;
  return error;
}

function startMailingsWorker(name: string) {
  return workerChildren.start(name, {
    QUEUE_PREFIX: api.platform.config.QUEUE_PREFIX,
    SMTP_URL: smtp.url,
    SMTP_POOL_SIZE: '4',
    MAILINGS_SEND_LEASE_SECONDS: LEASE_SECONDS,
    MAILINGS_PER_MINUTE: '100000',
  });
}
