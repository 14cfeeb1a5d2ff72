/**
 * Clients that cost the server before they are even authorised: bodies sent without a token,
 * bodies on GET, bodies trickled byte by byte, and more connections than the server takes.
 * Raw sockets, so the test controls exactly what is sent and when.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Socket } from 'node:net';
import { startTestServer, type TestServer, INGEST_TOKEN } from '../helpers/server.js';
import { until } from '../helpers/until.js';

let srv: TestServer;
let port: number;

beforeAll(async () => {
  srv = await startTestServer({ HTTP_BODY_IDLE_TIMEOUT_MS: '300', HTTP_MAX_CONNECTIONS: '20' });
  port = Number(new URL(srv.url).port);
});
afterAll(() => srv.close());

interface Conn {
  socket: Socket;
  /** everything received so far */
  text(): string;
  closed(): boolean;
}

function open(): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let closed = false;
    const socket = connect(port, '127.0.0.1', () => resolve({ socket, text: () => Buffer.concat(chunks).toString('latin1'), closed: () => closed }));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', () => (closed = true));
    socket.on('error', () => undefined);
    socket.once('error', reject);
  });
}

const status = (text: string) => Number(/^HTTP\/1\.1 (\d{3}) /.exec(text)?.[1] ?? 0);

describe('HTTP limits', () => {
  it('answers 401 to a POST without a token before reading its body', async () => {
    const c = await open();
    // A megabyte announced, not one byte of it sent: the answer cannot have waited for it.
    c.socket.write('POST /ingest HTTP/1.1\r\nHost: x\r\nContent-Type: application/cloudevents-batch+json\r\nContent-Length: 1000000\r\n\r\n');
    const answer = await until(c.text, (t) => t.includes('\r\n\r\n'), 'an answer');
    expect(status(answer)).toBe(401);
    expect(answer.toLowerCase()).toContain('connection: close');
    await until(c.closed, Boolean, 'the server to close the connection');
  });

  it('answers 401 to a wrong token before reading the body too', async () => {
    const c = await open();
    c.socket.write('POST /ingest HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer not-the-token-0123456789\r\nContent-Length: 1000000\r\n\r\n');
    expect(status(await until(c.text, (t) => t.includes('\r\n\r\n'), 'an answer'))).toBe(401);
    c.socket.destroy();
  });

  it('refuses a large body on GET without reading it (a small one is what Results clients send)', async () => {
    const c = await open();
    c.socket.write('GET /apis/results.tekton.dev/v1alpha2/parents/ci/results HTTP/1.1\r\nHost: x\r\nContent-Length: 500000\r\n\r\n');
    const answer = await until(c.text, (t) => t.includes('\r\n\r\n'), 'an answer');
    expect(status(answer)).toBe(413);
    expect(answer).toContain('a GET request may carry at most 4096 bytes of body');
    c.socket.destroy();
    // chunked, so nothing is announced: cut off at the same limit while reading
    const d = await open();
    d.socket.write(`GET /apis/results.tekton.dev/v1alpha2/parents/ci/results HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2000\r\n${'x'.repeat(0x2000)}\r\n`);
    expect(status(await until(d.text, (t) => t.includes('\r\n\r\n'), 'an answer'))).toBe(413);
    d.socket.destroy();
  });

  it('answers 408 to a body that stops arriving, and closes the connection', async () => {
    const c = await open();
    c.socket.write(`POST /ingest HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${INGEST_TOKEN}\r\nContent-Type: application/cloudevents-batch+json\r\nContent-Length: 100\r\n\r\n[{"spec`);
    const answer = await until(c.text, (t) => t.includes('\r\n\r\n'), 'an answer', 20_000);
    expect(status(answer)).toBe(408);
    expect(answer).toContain('HTTP_BODY_IDLE_TIMEOUT_MS');
    await until(c.closed, Boolean, 'the server to close the connection');
  });

  it('closes connections over HTTP_MAX_CONNECTIONS on arrival and keeps serving the others', async () => {
    const held: Conn[] = [];
    try {
      for (let i = 0; i < 20; i++) held.push(await open());
      // The server counts a connection once it has accepted it: wait until all 20 are in.
      await until(async () => (await new Promise<number>((r) => srv.server.getConnections((_e, n) => r(n)))), (n) => n >= 20, 'the connections to be accepted');
      const extra = await open();
      await until(extra.closed, Boolean, 'the extra connection to be closed');
      expect(extra.text()).toBe('');
      held[0]!.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      expect(status(await until(held[0]!.text, (t) => t.includes('\r\n\r\n'), 'an answer on a held connection'))).toBe(200);
    } finally {
      for (const c of held) c.socket.destroy();
    }
  });
});
