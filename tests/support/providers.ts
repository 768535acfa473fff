import { createHmac, createSign, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

/**
 * What a provider does on its side: SNS signs messages with a certificate it serves over https,
 * and confirms subscriptions at a URL it serves; Mailgun signs a timestamp and a token. The
 * certificate here is a test one for 127.0.0.1 (certs/), trusted by this process's https agent.
 */
export interface FakeSnsSide {
  host: string;
  certUrl: string;
  subscribeUrl(token: string): string;
  /** Paths of the GETs the server received (the subscription handshake). */
  requests: string[];
  sign(fields: Record<string, string>): string;
  close(): Promise<void>;
}

/**
 * A self-signed certificate for 127.0.0.1 (valid until 2126), made once with openssl and kept in
 * the repository, so the suite needs no openssl on the machine (issue 19: Node alone). It is for
 * this test server only and trusted only by this process's https agent.
 */
function selfSignedCertificate(): { key: string; cert: string } {
  const dir = path.join(__dirname, 'certs');
  return { key: fs.readFileSync(path.join(dir, 'sns-test.key.pem'), 'utf8'), cert: fs.readFileSync(path.join(dir, 'sns-test.cert.pem'), 'utf8') };
}

const SUBSCRIPTION_KEYS = ['Message', 'MessageId', 'Subject', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
const NOTIFICATION_KEYS = ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'];

export async function startFakeSnsSide(): Promise<FakeSnsSide> {
  const { key, cert } = selfSignedCertificate();
  const requests: string[] = [];
  const server = https.createServer({ key, cert }, (req, res) => {
    requests.push(req.url ?? '');
    if (req.url === '/SimpleNotificationService-test.pem') res.writeHead(200, { 'content-type': 'text/plain' }).end(cert);
    else if (req.url?.startsWith('/subscribe')) res.writeHead(200, { 'content-type': 'text/xml' }).end('<ConfirmSubscriptionResponse/>');
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const previousCa = https.globalAgent.options.ca;
  https.globalAgent.options.ca = cert;
  return {
    host,
    certUrl: `https://${host}/SimpleNotificationService-test.pem`,
    subscribeUrl: (token) => `https://${host}/subscribe?Token=${token}`,
    requests,
    sign(fields) {
      const keys = fields.Type === 'SubscriptionConfirmation' ? SUBSCRIPTION_KEYS : NOTIFICATION_KEYS;
      const signer = createSign('RSA-SHA256');
      for (const name of keys) if (name in fields) signer.update(`${name}\n${fields[name]}\n`, 'utf8');
      return signer.sign(key, 'base64');
    },
    async close() {
      https.globalAgent.options.ca = previousCa;
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A signed SNS message as SNS posts it (SignatureVersion 2). */
export function snsMessage(
  side: FakeSnsSide,
  fields: { Type: string; TopicArn: string; Message: string; Timestamp?: string; SubscribeURL?: string; Token?: string },
): Record<string, string> & { Message: string } {
  const unsigned: Record<string, string> & { Message: string } = {
    Type: fields.Type,
    MessageId: randomBytes(16).toString('hex'),
    TopicArn: fields.TopicArn,
    Message: fields.Message,
    Timestamp: fields.Timestamp ?? new Date().toISOString(),
    SignatureVersion: '2',
    SigningCertURL: side.certUrl,
    ...(fields.SubscribeURL ? { SubscribeURL: fields.SubscribeURL } : {}),
    ...(fields.Token ? { Token: fields.Token } : {}),
  };
  return { ...unsigned, Signature: side.sign(unsigned) };
}

/** An SES event notification's Message (JSON text). */
export function sesEvent(kind: 'Bounce' | 'Complaint', options: { source: string; recipient: string; bounceType?: 'Permanent' | 'Transient' }): string {
  const mail = { timestamp: new Date().toISOString(), source: options.source, messageId: randomBytes(8).toString('hex'), destination: [options.recipient] };
  return JSON.stringify(
    kind === 'Bounce'
      ? {
          notificationType: 'Bounce',
          bounce: { bounceType: options.bounceType ?? 'Permanent', bounceSubType: 'General', bouncedRecipients: [{ emailAddress: options.recipient }] },
          mail,
        }
      : { notificationType: 'Complaint', complaint: { complainedRecipients: [{ emailAddress: options.recipient }], complaintFeedbackType: 'abuse' }, mail },
  );
}

/** A Mailgun webhook call, signed with the key (or not, when no key is given). */
export function mailgunCall(signingKey: string, eventData: Record<string, unknown>, options: { timestamp?: number; token?: string } = {}) {
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const token = options.token ?? randomBytes(25).toString('hex');
  const signature = createHmac('sha256', signingKey)
    .update(timestamp + token)
    .digest('hex');
  return { signature: { timestamp, token, signature }, 'event-data': { id: randomBytes(8).toString('hex'), timestamp: Number(timestamp), ...eventData } };
}
