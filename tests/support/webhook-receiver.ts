import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';

/**
 * A real HTTP receiver in the test process that verifies every delivery with the
 * `standardwebhooks` library's own `verify`, as a CRM would. `mode` says how it answers:
 * `up` 204, `down` 503 (still recording what came), `hang` never answers, `slow` answers 204
 * after `slowMs`.
 */
export interface ReceivedWebhook {
  id: string;
  headers: IncomingHttpHeaders;
  body: string;
  verified: boolean;
  /** What verify() returned: the parsed body, when verified. */
  payload: { type: string; timestamp: string; data: Record<string, any> } | null;
  /** When the receiver answered it (Date.now()), once it has. */
  answeredAt?: number;
}

export class WebhookReceiver {
  mode: 'up' | 'down' | 'hang' | 'slow' = 'up';
  slowMs = 2000;
  secret = '';
  /** Verified deliveries answered 2xx, in order of arrival. */
  readonly accepted: ReceivedWebhook[] = [];
  /** Every request, whatever the answer. */
  readonly seen: ReceivedWebhook[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server) {}

  static async start(): Promise<WebhookReceiver> {
    const server = createServer();
    const receiver = new WebhookReceiver(server);
    server.on('connection', (socket) => {
      receiver.sockets.add(socket);
      socket.on('close', () => receiver.sockets.delete(socket));
    });
    server.on('request', (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const received = receiver.verify(request.headers, body);
        receiver.seen.push(received);
        if (receiver.mode === 'hang') return;
        if (receiver.mode === 'down') return void response.writeHead(503).end();
        if (!received.verified) return void response.writeHead(401).end();
        const answer = () => {
          receiver.accepted.push(received);
          received.answeredAt = Date.now();
          response.writeHead(204).end();
        };
        if (receiver.mode === 'slow') setTimeout(answer, receiver.slowMs);
        else answer();
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    receiver.port = (server.address() as AddressInfo).port;
    return receiver;
  }

  private port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  /** Stops listening (connections are refused) while keeping the port, to listen on it again with `listenAgain`. */
  async closePort(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }

  async listenAgain(): Promise<void> {
    this.server.listen(this.port, '127.0.0.1');
    await once(this.server, 'listening');
  }

  verify(headers: IncomingHttpHeaders, body: string): ReceivedWebhook {
    const id = String(headers['webhook-id'] ?? '');
    try {
      const payload = new Webhook(this.secret).verify(body, headers as Record<string, string>) as ReceivedWebhook['payload'];
      return { id, headers, body, verified: true, payload };
    } catch {
      return { id, headers, body, verified: false, payload: null };
    }
  }

  acceptedOfType(type: string): ReceivedWebhook[] {
    return this.accepted.filter((w) => w.payload?.type === type);
  }

  /** Ends hanging requests (so workers waiting on them finish) and stops. */
  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    if (this.server.listening) await new Promise((resolve) => this.server.close(resolve));
  }
}
