// An SMTP server that accepts every message and keeps nothing but a count (and, on request, one
// message to model the ceiling's messages on). Runs in its own process, as a mail relay would.
import { SMTPServer } from 'smtp-server';

let received = 0;
let firstAt = null;
let lastAt = null;
let bytes = 0;
let keepNext = false;

const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['AUTH', 'STARTTLS'],
  logger: false,
  size: 10 * 1024 * 1024,
  // Connections of a pooled client stay open for many messages; never close them for idling.
  socketTimeout: 10 * 60_000,
  onData(stream, _session, callback) {
    const keep = keepNext ? [] : null;
    if (keep) keepNext = false;
    stream.on('data', (chunk) => { bytes += chunk.length; keep?.push(chunk); });
    stream.on('end', () => {
      received += 1;
      lastAt = Date.now();
      firstAt ??= lastAt;
      if (keep) process.send({ type: 'sample', raw: Buffer.concat(keep).toString('utf8') });
      callback(null, 'Queued');
    });
  },
});

server.listen(0, '127.0.0.1', () => process.send({ type: 'listening', port: server.server.address().port }));

process.on('message', (message) => {
  if (message.type === 'reset') {
    received = 0; firstAt = null; lastAt = null; bytes = 0;
    keepNext = Boolean(message.keepSample);
    process.send({ type: 'reset-done' });
  } else if (message.type === 'count') {
    process.send({ type: 'count', received, firstAt, lastAt, bytes });
  } else if (message.type === 'stop') {
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  }
});
process.on('disconnect', () => process.exit(0));
