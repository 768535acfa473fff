import { createHash, generateKeyPairSync } from 'node:crypto';
import nodemailer from 'nodemailer';
import { MailSenderThread } from '../../../src/platform/mail-sender-thread';
import { createMailer, mailerOptions, sendComposed, type ComposedMessage, type Transporter } from '../../../src/platform/mailer';
import { describeSmtpError } from '../../../src/platform/smtp-errors';
import { SmtpRecorder } from '../../support/smtp-recorder';

/**
 * `sendComposed` must hand the server exactly what `sendMail` would have written for the same
 * fields: it only changes how the bytes reach the socket. nodemailer's stream transport (CRLF, as on the wire) returns
 * the bytes a transport would send; MIME boundaries are random per message, so they are renamed
 * in order before comparing.
 */
function withNamedBoundaries(raw: string): string {
  const names = new Map<string, string>();
  return raw.replace(/--_NmP-[0-9a-f]+-Part_\d+/g, (b) => {
    if (!names.has(b)) names.set(b, `--boundary-${names.size + 1}`);
    return names.get(b)!;
  });
}

const message: ComposedMessage = {
  from: { name: 'Campaign «Kazakhstan» – UN Watch', address: 'campaign@clarion.example' },
  to: 'айгерим@example.kz',
  replyTo: 'supporter@example.org',
  subject: 'Ұлттық қауіпсіздік: Bloody January, 200+ dead, 10,000 arrested',
  text: 'Dear Excellency,\n.\nA line that starts with a dot, and ünïcödé.\n' + 'long '.repeat(60),
  html: '<p>Dear Excellency,</p>\n<p>«Real, verifiable change»</p>',
  messageId: '<mailing-1@clarion.example>',
  date: new Date('2026-12-07T12:00:00Z'),
  headers: { 'List-Unsubscribe': '<https://clarion.example/unsubscribe/t?lang=kk>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
  envelope: { from: 'bounces+m-0123-abc@bounce.clarion.example', to: 'айгерим@example.kz' },
};

async function bytesOf(transport: Transporter, send: (t: Transporter) => Promise<{ message?: unknown; envelope?: unknown }>) {
  const info = await send(transport);
  return { raw: withNamedBoundaries((info.message as Buffer).toString('utf8')), envelope: info.envelope };
}

describe('sendComposed (the message built in memory, then sent in one piece)', () => {
  it('sends the same bytes and envelope as sendMail', async () => {
    const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
    const viaSendMail = await bytesOf(transport, (t) => t.sendMail(message));
    const viaComposed = await bytesOf(transport, (t) => sendComposed(t, message));
    expect(viaComposed.raw).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(viaComposed).toEqual(viaSendMail);
  });

  it('is still signed with DKIM by the transport, over the body it sends', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const dkim = { domainName: 'clarion.example', keySelector: 'test2026', privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
    const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows', dkim });
    const info = await sendComposed(transport, message);
    const raw = (info.message as Buffer).toString('utf8');
    const header = /^DKIM-Signature: (.*(?:\r?\n[ \t].*)*)/m.exec(raw)?.[1] ?? '';
    expect(header).toMatch(/h=[^;]*\bfrom\b[^;]*\bmessage-id\b[^;]*\blist-unsubscribe-post\b/);
    const bodyHash = /\bbh=([^;]+);/.exec(header.replace(/\r?\n[ \t]+/g, ''))?.[1];
    const body = raw.slice(raw.indexOf('\r\n\r\n') + 4);
    expect(bodyHash).toBe(createHash('sha256').update(relaxedBody(body)).digest('base64'));
  });
});

/** RFC 6376 3.4.4: whitespace runs become one space, none at a line's end, no empty lines at the end. */
function relaxedBody(body: string): string {
  const lines = body.split('\r\n').map((line) => line.replace(/[ \t]+/g, ' ').replace(/ $/, ''));
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.length === 0 ? '' : `${lines.join('\r\n')}\r\n`;
}

describe('MailSenderThread (each message built and sent from a thread that owns the SMTP pool)', () => {
  let recorder: SmtpRecorder;
  let thread: MailSenderThread;
  beforeAll(async () => {
    recorder = await SmtpRecorder.start();
    thread = new MailSenderThread(mailerOptions(recorder.url, 2));
  });
  afterAll(async () => {
    await thread.close();
    await recorder.stop();
  });
  beforeEach(() => recorder.clear());

  it('delivers the same bytes and envelope as sendComposed on the calling thread, for many messages at once', async () => {
    const here = createMailer(recorder.url, 2);
    const messages = Array.from({ length: 20 }, (_, i) => ({
      ...message,
      to: `s${i}@example.org`,
      messageId: `<mailing-${i}@clarion.example>`,
      envelope: { from: message.envelope.from, to: `s${i}@example.org` },
    }));
    try {
      await Promise.all(messages.map((m) => sendComposed(here, { ...m, headers: { ...m.headers, 'X-Path': 'here' } })));
      const sent = await Promise.all(messages.map((m) => thread.send({ ...m, headers: { ...m.headers, 'X-Path': 'there' } })));
      expect(sent.every((s) => /^250\b/.test(s.response))).toBe(true);
    } finally {
      here.close();
    }
    const byPath = (path: string) =>
      recorder.messages
        .filter((m) => m.headers.get('x-path') === path)
        .sort((a, b) => a.messageId.localeCompare(b.messageId))
        .map((m) => ({ envelope: m.envelope, raw: withNamedBoundaries(m.raw.replace(/^X-Path: \w+\r\n/m, '')) }));
    expect(byPath('there')).toHaveLength(20);
    expect(byPath('there')).toEqual(byPath('here'));
  });

  it("answers a refusal with the server's code and command, which describeSmtpError reads as permanent", async () => {
    recorder.respondWith([{ code: 550, message: 'mailbox <s1@example.org> unavailable' }]);
    const error = await thread.send(message).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).not.toContain('example');
    const failure = describeSmtpError(error);
    expect(failure).toEqual(expect.objectContaining({ permanent: true, code: 550 }));
    expect(failure.message).not.toContain('s1@example.org');
  });

  it('fails a message it cannot build without quoting it in the error, and goes on sending', async () => {
    // build() reads an attachment's path and fails; nodemailer's message names the path, here an address.
    const unbuildable = { ...message, attachments: [{ filename: 'a.txt', path: '/nonexistent/айгерим@example.kz' }] };
    const error = await thread.send(unbuildable).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).not.toContain('example.kz');
    expect((error as { code?: string }).code).toBe('ENOENT');
    expect(describeSmtpError(error)).toEqual(expect.objectContaining({ permanent: false }));
    expect(describeSmtpError(error).message).not.toContain('example.kz');
    await expect(thread.send(message)).resolves.toEqual({ response: expect.stringMatching(/^250\b/) });
  });

  it('fails what a closed thread held, and starts a new one for the next message', async () => {
    recorder.setAcceptDelay(500);
    const held = thread.send(message);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await thread.close();
    await expect(held).rejects.toThrow(/mail sender thread closed/);
    recorder.setAcceptDelay(0);
    await expect(thread.send(message)).resolves.toEqual({ response: expect.stringMatching(/^250\b/) });
    const last = await recorder.waitFor((m) => m.messageId === '<mailing-1@clarion.example>' && m.headers.has('list-unsubscribe-post'));
    expect(last.envelope.from).toBe(message.envelope.from);
  });
});
