import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import { SmtpRecorder } from '../../support/smtp-recorder';

describe('SmtpRecorder', () => {
  let recorder: SmtpRecorder;
  let transport: Transporter;

  const send = (mail: SendMailOptions = {}) =>
    transport.sendMail({ from: '"Clarion" <noreply@clarion.test>', to: 'ada@example.org', subject: 'Hello', text: 'Hi there', ...mail });

  beforeEach(async () => {
    recorder = await SmtpRecorder.start();
    transport = nodemailer.createTransport({ host: '127.0.0.1', port: recorder.port, secure: false, ignoreTLS: true });
  });

  afterEach(async () => {
    transport.close();
    await recorder.stop();
  });

  it('listens on a real local port and exposes an smtp:// URL for it', () => {
    expect(recorder.port).toBeGreaterThan(0);
    expect(recorder.url).toBe(`smtp://127.0.0.1:${recorder.port}`);
  });

  it('records the envelope, raw MIME and parsed fields of a received message', async () => {
    await send({
      subject: 'Please confirm',
      to: '"Ada Lovelace" <ada@example.org>',
      replyTo: 'campaigns@clarion.test',
      html: '<p>Confirm</p>',
      headers: { 'List-Unsubscribe': '<https://clarion.test/u/1>', 'X-Campaign': 'kz' },
      envelope: { from: 'bounce@clarion.test', to: ['ada@example.org'] },
    });

    expect(recorder.messages).toHaveLength(1);
    const [message] = recorder.messages;
    expect(message).toMatchObject({
      envelope: { from: 'bounce@clarion.test', to: ['ada@example.org'] },
      subject: 'Please confirm',
      from: '"Clarion" <noreply@clarion.test>',
      to: '"Ada Lovelace" <ada@example.org>',
      replyTo: 'campaigns@clarion.test',
      html: '<p>Confirm</p>',
    });
    expect(message?.text.trim()).toBe('Hi there');
    expect(message?.messageId).toMatch(/^<.+>$/);
    expect(message?.raw).toMatch(/^Subject: Please confirm$/m);
    expect(message?.headers.get('list-unsubscribe')).toBe('<https://clarion.test/u/1>');
    expect(message?.headers.get('x-campaign')).toBe('kz');
    expect(recorder.acceptedCount).toBe(1);
    expect(recorder.rejected).toBe(0);
  });

  it('resolves waitFor with a message that arrives later', async () => {
    const waiting = recorder.waitFor((m) => m.subject === 'Later');

    await send({ subject: 'Sooner' });
    await send({ subject: 'Later' });

    await expect(waiting).resolves.toMatchObject({ subject: 'Later' });
  });

  it('resolves waitFor immediately with a message received before the call', async () => {
    await send({ subject: 'Already here' });

    await expect(recorder.waitFor((m) => m.subject === 'Already here', 50)).resolves.toMatchObject({ subject: 'Already here' });
  });

  it('rejects waitFor with a message naming what was received when nothing matches in time', async () => {
    await send({ subject: 'Something else' });

    await expect(recorder.waitFor((m) => m.subject === 'Never', 100)).rejects.toThrow(
      /no matching message within 100ms \(received 1: "Something else" to ada@example.org/,
    );
  });

  it('resolves waitForCount once enough messages arrived, and rejects on timeout', async () => {
    const waiting = recorder.waitForCount(2);
    await send();
    await send();

    await expect(waiting).resolves.toHaveLength(2);
    await expect(recorder.waitForCount(3, 100)).rejects.toThrow(/expected 3 message\(s\) within 100ms, received 2/);
  });

  it('makes the next send fail with 451 when scripted, then accepts the one after', async () => {
    recorder.respondWith([{ code: 451 }]);

    await expect(send({ subject: 'Deferred' })).rejects.toMatchObject({ responseCode: 451 });
    await expect(send({ subject: 'Retried' })).resolves.toMatchObject({ accepted: ['ada@example.org'] });

    expect(recorder.rejected).toBe(1);
    expect(recorder.acceptedCount).toBe(1);
    expect(recorder.messages.map((m) => m.subject)).toEqual(['Retried']);
  });

  it('makes the next send fail permanently with 550 and a custom message, then accepts the one after', async () => {
    recorder.respondWith([{ code: 550, message: 'No such mailbox' }]);

    const failure = send({ subject: 'Bounced' });
    await expect(failure).rejects.toMatchObject({ responseCode: 550 });
    await expect(failure).rejects.toThrow(/No such mailbox/);
    await send({ subject: 'Delivered' });

    expect(recorder.rejected).toBe(1);
    expect(recorder.messages.map((m) => m.subject)).toEqual(['Delivered']);
  });

  it('consumes scripted responses one per message, in order', async () => {
    recorder.respondWith([{ code: 451 }, { code: 250, message: 'queued as 42' }, { code: 554 }]);

    await expect(send()).rejects.toMatchObject({ responseCode: 451 });
    await expect(send()).resolves.toMatchObject({ response: expect.stringContaining('queued as 42') });
    await expect(send()).rejects.toMatchObject({ responseCode: 554 });
    await expect(send()).resolves.toBeDefined();

    expect(recorder.rejected).toBe(2);
    expect(recorder.acceptedCount).toBe(2);
  });

  it('forgets messages, the rejected count and queued responses on clear', async () => {
    recorder.respondWith([{ code: 451 }]);
    await send().catch(() => undefined);
    await send();
    recorder.respondWith([{ code: 550 }]);

    recorder.clear();

    expect(recorder.messages).toEqual([]);
    expect(recorder.rejected).toBe(0);
    await expect(send()).resolves.toBeDefined();
    expect(recorder.acceptedCount).toBe(1);
  });

  it('rejects pending waits when stopped', async () => {
    const waiting = recorder.waitFor(() => false);

    await recorder.stop();

    await expect(waiting).rejects.toThrow(/stopped/);
    recorder = await SmtpRecorder.start(); // afterEach stops it again
  });
});
