import nodemailer, { type SendMailOptions } from 'nodemailer';
import { escapeHtml, startMailCatcher, type MailCatcher } from '../../../src/dev/mail-catcher';

type ApiMessage = {
  id: number;
  receivedAt: string;
  envelope: { from: string; to: string[] };
  from: string;
  to: string;
  replyTo: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
  raw?: string;
};

describe('dev mail catcher', () => {
  let catcher: MailCatcher;
  let base: string;

  const send = (mail: SendMailOptions) =>
    nodemailer
      .createTransport({ host: '127.0.0.1', port: catcher.smtpPort, secure: false, ignoreTLS: true })
      .sendMail({ from: '"Clarion" <noreply@clarion.test>', to: 'ada@example.org', ...mail });

  const getJson = async <T>(path: string): Promise<{ status: number; body: T }> => {
    const res = await fetch(base + path);
    return { status: res.status, body: (await res.json()) as T };
  };

  const getText = async (path: string) => {
    const res = await fetch(base + path);
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text(), headers: res.headers };
  };

  beforeEach(async () => {
    catcher = await startMailCatcher({ smtpPort: 0, httpPort: 0 });
    base = `http://127.0.0.1:${catcher.httpPort}`;
  });

  afterEach(async () => {
    await catcher.close();
  });

  it('binds real ports when asked for port 0', () => {
    expect(catcher.smtpPort).toBeGreaterThan(0);
    expect(catcher.httpPort).toBeGreaterThan(0);
    expect(catcher.smtpPort).not.toBe(catcher.httpPort);
  });

  it('lists a received message in the JSON API, newest first and without the raw source', async () => {
    await send({ subject: 'First', text: 'one' });
    await send({ subject: 'Second', text: 'two', replyTo: 'campaigns@clarion.test', envelope: { from: 'bounce@clarion.test', to: ['ada@example.org'] } });

    const { status, body } = await getJson<ApiMessage[]>('/api/messages');

    expect(status).toBe(200);
    expect(body.map((m) => m.subject)).toEqual(['Second', 'First']);
    const [newest] = body;
    expect(newest).toMatchObject({
      subject: 'Second',
      from: '"Clarion" <noreply@clarion.test>',
      to: 'ada@example.org',
      replyTo: 'campaigns@clarion.test',
      envelope: { from: 'bounce@clarion.test', to: ['ada@example.org'] },
      text: expect.stringContaining('two'),
    });
    expect(newest?.messageId).toMatch(/^<.+>$/);
    expect(newest?.receivedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(newest).not.toHaveProperty('raw');
  });

  it('returns one message with its raw source from the JSON API, and 404 for an unknown id', async () => {
    await send({ subject: 'Hello', text: 'Body text', html: '<p>Body html</p>' });
    const [listed] = (await getJson<ApiMessage[]>('/api/messages')).body;

    const { status, body } = await getJson<ApiMessage>(`/api/messages/${listed?.id}`);
    expect(status).toBe(200);
    expect(body.html).toContain('<p>Body html</p>');
    expect(body.raw).toContain('Subject: Hello');

    expect((await getJson('/api/messages/9999')).status).toBe(404);
    expect((await getJson('/api/messages/not-a-number')).status).toBe(404);
  });

  it('serves the raw MIME source as text/plain', async () => {
    await send({ subject: 'Raw please', text: 'plain body' });
    const [listed] = (await getJson<ApiMessage[]>('/api/messages')).body;

    const raw = await getText(`/messages/${listed?.id}/raw`);

    expect(raw.status).toBe(200);
    expect(raw.type).toMatch(/^text\/plain/);
    expect(raw.body).toMatch(/^Subject: Raw please$/m);
    expect(raw.body).toMatch(/^MIME-Version: 1.0$/m);
    expect(raw.body).toContain('plain body');
  });

  it('shows received messages on the auto-refreshing HTML list page', async () => {
    await send({ subject: 'Please confirm your signature', text: 'x' });

    const list = await getText('/');

    expect(list.status).toBe(200);
    expect(list.type).toMatch(/^text\/html/);
    expect(list.body).toContain('<meta http-equiv="refresh" content="5">');
    expect(list.body).toContain('Please confirm your signature');
    expect(list.body).toContain('ada@example.org');
    expect(list.body).toMatch(/href="\/messages\/\d+"/);
    expect(list.headers.get('content-security-policy')).toContain("script-src 'none'");
  });

  it('shows the unsubscribe headers a mail client builds its button from, unfolded, and none when absent', async () => {
    const url = `https://clarion.test/unsubscribe/${'t'.repeat(90)}?lang=en`;
    await send({ subject: 'Update', text: 'x', headers: { 'List-Unsubscribe': `<${url}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } });
    await send({ subject: 'Confirm', text: 'x' });
    const [plain, update] = (await getJson<ApiMessage[]>('/api/messages')).body;

    const page = (await getText(`/messages/${update?.id}`)).body;
    expect(page).toContain(`<dt>List-Unsubscribe</dt><dd>&lt;${url}&gt;</dd>`);
    expect(page).toContain('<dt>List-Unsubscribe-Post</dt><dd>List-Unsubscribe=One-Click</dd>');
    expect((await getText(`/messages/${plain?.id}`)).body).not.toContain('List-Unsubscribe');
  });

  it('escapes a script tag in the subject on the list and message pages', async () => {
    await send({ subject: '<script>alert(1)</script>', text: 'x' });
    const [listed] = (await getJson<ApiMessage[]>('/api/messages')).body;

    const list = await getText('/');
    const page = await getText(`/messages/${listed?.id}`);

    for (const html of [list.body, page.body]) {
      expect(html).not.toContain('<script>alert(1)</script>');
      expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    }
  });

  it('shows the HTML part only inside a sandboxed srcdoc iframe, escaped into the attribute', async () => {
    const evilHtml = '<p class="x">Hi & welcome</p><script>alert("pwned")</script>" onload="alert(2)';
    await send({ subject: 'HTML mail', text: 'Confirm: https://clarion.test/confirm?t=abc&x=1.', html: evilHtml });
    const [listed] = (await getJson<ApiMessage[]>('/api/messages')).body;

    const page = await getText(`/messages/${listed?.id}`);

    expect(page.status).toBe(200);
    expect(page.body).not.toContain('<script>alert("pwned")</script>');
    const iframe = page.body.match(/<iframe [^>]*>/)?.[0] ?? '';
    expect(iframe).toMatch(/\bsandbox="[^"]*"/);
    expect(iframe).not.toContain('allow-scripts');
    expect(iframe).not.toContain('allow-same-origin');
    expect(iframe).toContain(`srcdoc="${escapeHtml(evilHtml)}"`);
    // The text part's link is clickable, without the sentence's trailing full stop.
    expect(page.body).toContain('<a href="https://clarion.test/confirm?t=abc&amp;x=1" target="_blank"');
    expect(page.body).toContain('ada@example.org');
  });

  it('answers 404 for a message page that does not exist', async () => {
    expect((await getText('/messages/42')).status).toBe(404);
    expect((await getText('/messages/42/raw')).status).toBe(404);
  });

  it('clears all messages on DELETE /api/messages', async () => {
    await send({ subject: 'Soon gone', text: 'x' });

    const res = await fetch(`${base}/api/messages`, { method: 'DELETE' });

    expect(res.status).toBe(204);
    expect((await getJson<ApiMessage[]>('/api/messages')).body).toEqual([]);
    expect((await getText('/')).body).toContain('No messages yet');
  });

  it('keeps only the newest maxMessages messages', async () => {
    await catcher.close();
    catcher = await startMailCatcher({ smtpPort: 0, httpPort: 0, maxMessages: 2 });
    base = `http://127.0.0.1:${catcher.httpPort}`;

    for (const subject of ['one', 'two', 'three']) await send({ subject, text: subject });

    const { body } = await getJson<ApiMessage[]>('/api/messages');
    expect(body.map((m) => m.subject)).toEqual(['three', 'two']);
    expect(body.map((m) => m.id)).toEqual([3, 2]);
  });

  it('rejects start-up when a port is taken, without leaving the SMTP server open', async () => {
    await expect(startMailCatcher({ smtpPort: 0, httpPort: catcher.httpPort })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});

describe('escapeHtml', () => {
  it('escapes the five HTML-significant characters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });
});
