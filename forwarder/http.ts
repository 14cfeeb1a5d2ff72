/**
 * The forwarder's own small HTTP server: `/healthz` (the process is alive), `/readyz` (every
 * informer has listed: until then Events may still be waiting for their runs), `/metrics`
 * (Prometheus text).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Forwarder } from './start.js';

export interface OpsServer {
  port: number;
  close(): Promise<void>;
}

export function startOpsServer(fwd: Pick<Forwarder, 'isReady' | 'metrics'>, port: number, host = '0.0.0.0'): Promise<OpsServer> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (path === '/readyz') {
      const ready = fwd.isReady();
      res.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' }).end(ready ? 'ready\n' : 'caches not synced yet\n');
    } else if (path === '/metrics') {
      fwd.metrics.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': fwd.metrics.registry.contentType }).end(text),
        (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(err.message),
      );
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: /healthz, /readyz, /metrics\n');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}
