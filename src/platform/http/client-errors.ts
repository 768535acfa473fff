import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * Requests Node's HTTP parser refuses before Express sees them (headers over the 16 KB limit, a
 * request line it cannot parse) get a problem document like every other error, instead of
 * Node's bare status line. Nothing of the request is echoed.
 */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable || (socket as Duplex & { _httpMessage?: unknown })._httpMessage) {
      socket.destroy();
      return;
    }
    const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
    const status = tooLarge ? 431 : 400;
    const title = tooLarge ? 'Request header fields too large' : 'The request could not be read';
    const body = JSON.stringify({
      type: `urn:clarion:problem:${tooLarge ? 'headers_too_large' : 'malformed_request'}`,
      title,
      status,
      code: tooLarge ? 'headers_too_large' : 'malformed_request',
    });
    socket.end(
      `HTTP/1.1 ${status} ${title}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
