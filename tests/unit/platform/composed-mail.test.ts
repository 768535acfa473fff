import { createHash, generateKeyPairSync } from 'node:crypto';
import nodemailer from 'nodemailer';
import { composeHere, MailComposerThread } from '../../../src/platform/mail-composer-thread';
import { sendComposed, type ComposedMessage, type Transporter } from '../../../src/platform/mailer';

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

describe('MailComposerThread (MIME built on a thread of its own)', () => {
  const thread = new MailComposerThread();
  afterAll(() => thread.close());

  it('builds the same bytes as the calling thread, for many messages at once', async () => {
    const messages = Array.from({ length: 20 }, (_, i) => ({ ...message, to: `s${i}@example.org`, messageId: `<mailing-${i}@clarion.example>` }));
    const [here, there] = await Promise.all([Promise.all(messages.map((m) => composeHere.compose(m))), Promise.all(messages.map((m) => thread.compose(m)))]);
    expect(there.map((raw) => withNamedBoundaries(raw.toString('utf8')))).toEqual(here.map((raw) => withNamedBoundaries(raw.toString('utf8'))));
    expect(Buffer.isBuffer(there[0])).toBe(true);
  });

  it('fails a message it cannot build with a code, never quoting the message', async () => {
    const error = await thread.compose({ ...message, from: 'айгерим@example.kz', otp: 'not-a-code' } as never).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).not.toContain('example.kz');
    expect((error as { code?: string }).code).toBeDefined();
  });

  it('fails what a closed thread held, and starts a new one for the next message', async () => {
    const held = thread.compose(message);
    await thread.close();
    await expect(held).rejects.toThrow(/mail composer thread/);
    const raw = await thread.compose(message);
    expect(raw.toString('utf8')).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
  });
});
