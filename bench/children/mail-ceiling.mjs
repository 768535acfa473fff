// The letters' and mailings' ceiling: pooled nodemailer (the pool size Clarion's worker uses) sending `count`
// copies of a letter Clarion rendered (parsed back from the sink) with the worker's number of
// messages in flight, and nothing else: no queue, no database, no rendering.
// Input: one JSON argument { port, poolSize, inFlight, count, raw }. Output: IPC "result".
import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';

const { port, poolSize, inFlight, count, raw } = JSON.parse(process.argv[2]);
const sample = await simpleParser(raw);
const message = {
  from: sample.from?.value[0] ?? { name: 'Bench', address: 'campaign@bench.example' },
  replyTo: sample.replyTo?.value[0]?.address,
  to: sample.to?.value.map((a) => a.address) ?? ['mission@bench.example'],
  subject: sample.subject ?? 'Letter',
  text: sample.text ?? '',
  html: sample.html || undefined,
  // The unsubscribe headers Clarion's message carried (updates, reminders), as written.
  headers: Object.fromEntries(sample.headerLines.filter((h) => h.key === 'list-unsubscribe' || h.key === 'list-unsubscribe-post')
    .map((h) => [h.line.slice(0, h.line.indexOf(':')), h.line.slice(h.line.indexOf(':') + 1).replace(/\r?\n\s+/g, ' ').trim()])),
};
const transport = nodemailer.createTransport({ pool: true, maxConnections: poolSize, host: '127.0.0.1', port, secure: false, ignoreTLS: true });

const started = Date.now();
const cpuBefore = process.cpuUsage();
let next = 0;
let failed = 0;
await Promise.all(Array.from({ length: inFlight }, async () => {
  while (next < count) {
    const i = next;
    next += 1;
    try {
      await transport.sendMail({ ...message, messageId: `<ceiling-${i}-${started}@bench.example>` });
    } catch {
      failed += 1;
    }
  }
}));
const seconds = (Date.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
transport.close();
process.send({ type: 'result', sent: count - failed, failed, startedAt: started, seconds, bytes: raw.length, cpuSeconds: (cpu.user + cpu.system) / 1e6 });
