// The unauthenticated flood and the slow bodies of bench/soak.ts, in a worker thread so their
// client-side work does not delay the soak's own measurements. Only ever 127.0.0.1; every loop
// stops at `until` (a Date.now() value). Posts `{ flood: {...}, slow: {...} }` when done.
import net from 'node:net';
import { setInterval, clearInterval } from 'node:timers';
import { parentPort, workerData } from 'node:worker_threads';

const { port, token, until, floodConnections, slowConnections } = workerData;
const MB = Buffer.alloc(1024 * 1024, 0x61);
const stats = { flood: { requests: 0, refused401: 0, other: 0 }, slow: { connections: 0, answered408: 0, other: 0 } };

/** One raw request on its own connection; resolves with the status line's code (0: none). */
function raw(head, body, trickle) {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    let answer = '';
    let timer;
    const done = () => {
      clearInterval(timer);
      sock.destroy();
      resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0));
    };
    sock.setTimeout(60_000, done);
    sock.on('data', (c) => {
      answer += c.toString('latin1');
      if (answer.includes('\r\n\r\n')) done();
    });
    sock.on('error', done);
    sock.on('close', done);
    sock.on('connect', () => {
      sock.write(head);
      if (body) sock.write(body, () => undefined);
      if (trickle) timer = setInterval(() => (Date.now() < until ? sock.write('x') : done()), 1_000);
    });
  });
}

async function flood() {
  while (Date.now() < until) {
    stats.flood.requests++;
    const status = await raw(`POST /ingest HTTP/1.1\r\nHost: x\r\nContent-Type: application/cloudevents-batch+json\r\nContent-Length: ${MB.length}\r\n\r\n`, MB, false);
    if (status === 401) stats.flood.refused401++;
    else stats.flood.other++;
  }
}

async function slow() {
  while (Date.now() < until) {
    stats.slow.connections++;
    const status = await raw(`POST /ingest HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/cloudevents-batch+json\r\nContent-Length: 100000\r\n\r\n[`, null, true);
    if (status === 408) stats.slow.answered408++;
    else stats.slow.other++;
  }
}

await Promise.all([...Array.from({ length: floodConnections }, flood), ...Array.from({ length: slowConnections }, slow)]);
parentPort.postMessage(stats);
