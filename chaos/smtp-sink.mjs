// The chaos suite's mail server: records every message (recipient, Reply-To, Message-ID, text),
// and can be down (not listening) or answer 421 to every message, on command.
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export class ChaosSink {
  messages = [];
  mode = 'accept'; // 'accept' | '421'
  server = undefined;

  constructor(port) { this.port = port; }

  async start() {
    this.server = new SMTPServer({
      authOptional: true, disabledCommands: ['AUTH', 'STARTTLS'], logger: false, socketTimeout: 10 * 60_000,
      onData: (stream, _session, callback) => {
        const chunks = [];
        stream.on('data', (c) => chunks.push(c));
        stream.on('end', async () => {
          if (this.mode === '421') {
            const error = new Error('Service not available, try later');
            error.responseCode = 421;
            return callback(error);
          }
          const mail = await simpleParser(Buffer.concat(chunks));
          this.messages.push({
            to: (Array.isArray(mail.to) ? mail.to : [mail.to]).flatMap((a) => a?.value ?? []).map((v) => v.address?.toLowerCase()),
            replyTo: mail.replyTo?.value?.[0]?.address?.toLowerCase() ?? null,
            messageId: mail.messageId ?? '', subject: mail.subject ?? '', text: mail.text ?? '',
          });
          callback(null, 'Queued');
        });
      },
    });
    await new Promise((resolve, reject) => { this.server.once('error', reject); this.server.listen(this.port, '127.0.0.1', resolve); });
  }

  async stop() {
    if (!this.server) return;
    const server = this.server;
    this.server = undefined;
    await new Promise((resolve) => { server.close(resolve); setTimeout(resolve, 3000); });
  }
}
