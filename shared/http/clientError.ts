/**
 * Requests Node's HTTP parser refuses (a malformed request line, bad header bytes, framing
 * errors, oversized headers) never reach a handler; Node answers them with a bare 400 and no
 * body. This answers them as every other error leaves the functions: application/problem+json.
 */
import type { Socket } from 'node:net';
import { HttpError, problemResponse } from './problem.js';

const TITLE: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

export function answerClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  // Nothing to answer on a connection the peer already dropped.
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  // An answer is already on its way (a request refused before its body was read, whose body
  // then turned out malformed): a second one would garble it. Let the first finish, then close.
  const current = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (current?.headersSent) {
    socket.end();
    return;
  }
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const out = problemResponse(new HttpError(status, `malformed HTTP request (${err.code ?? 'parse error'})`));
  const body = Buffer.from(out.body);
  socket.end(
    `HTTP/1.1 ${status} ${TITLE[status]}\r\ncontent-type: ${out.headers['content-type']}\r\n` +
      `content-length: ${body.length}\r\nconnection: close\r\n\r\n${body.toString('utf8')}`,
  );
}
