/** A proxy in front of the ingest function that a test can take down (connections reset) or make answer 503. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Proxy {
  url: string;
  mode: 'up' | 'down' | '503';
  /** requests that were not passed on */
  refused: number;
  close(): Promise<void>;
}

export async function startProxy(target: string): Promise<Proxy> {
  const proxy: Proxy = { url: '', mode: 'up', refused: 0, close: async () => undefined };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (proxy.mode === 'down') {
        proxy.refused++;
        req.socket.destroy();
        return;
      }
      if (proxy.mode === '503') {
        proxy.refused++;
        res.writeHead(503, { 'retry-after': '1', 'content-type': 'application/problem+json' }).end('{"title":"Service Unavailable","status":503}');
        return;
      }
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => k !== 'host' && k !== 'content-length' && k !== 'connection')) as Record<string, string>;
      fetch(new URL(req.url ?? '/', target), { method: req.method, headers, body: Buffer.concat(chunks) }).then(
        async (r) => {
          const body = Buffer.from(await r.arrayBuffer());
          const hop = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'content-encoding']);
          res.writeHead(r.status, Object.fromEntries([...r.headers].filter(([k]) => !hop.has(k)))).end(body);
        },
        () => req.socket.destroy(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}
