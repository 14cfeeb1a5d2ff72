/**
 * One HTTP server for every function, as `npm start` and the tests run them: `POST /ingest`,
 * the query API under `/apis/…`, `/healthz` and `/readyz`, and `POST /cleanup`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Handler } from '../shared/http/core.js';
import { HttpError } from '../shared/http/problem.js';
import { nodeListener } from '../shared/http/node.js';
import { answerClientError } from '../shared/http/clientError.js';
import { withProblems } from '../shared/http/core.js';
import { API_PREFIX } from './query/routes.js';
import type { Functions } from './runtime.js';
import type { Gate } from '../shared/http/node.js';
import type { Config } from '../shared/config.js';

export function routeAll(fns: Pick<Functions, 'ingest' | 'query' | 'health' | 'cleanup'>): Handler {
  return withProblems(async (req) => {
    if (req.path === '/ingest' || req.path === '/ingest/') return fns.ingest(req);
    if (req.path.startsWith(API_PREFIX)) return fns.query(req);
    if (req.path === '/healthz' || req.path === '/readyz') return fns.health(req);
    if (req.path === '/cleanup') return fns.cleanup(req);
    throw new HttpError(404, `no such path: ${req.path}`);
  });
}

/** How the local server protects itself from slow and numerous clients (defaults: shared/config.ts). */
export interface ServerLimits {
  gate?: Gate;
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  bodyIdleTimeoutMs?: number;
  maxConnections?: number;
}

/** The limits a configuration asks for, with the gate of its functions. */
export function serverLimits(config: Config, gate?: Gate): ServerLimits {
  return {
    gate,
    headersTimeoutMs: config.HTTP_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: config.HTTP_REQUEST_TIMEOUT_MS,
    bodyIdleTimeoutMs: config.HTTP_BODY_IDLE_TIMEOUT_MS,
    maxConnections: config.HTTP_MAX_CONNECTIONS,
  };
}

export async function listen(
  handler: Handler,
  maxBodyBytes: number,
  port: number,
  host = '127.0.0.1',
  limits: ServerLimits = {},
): Promise<{ server: Server; url: string }> {
  const listener = nodeListener(handler, maxBodyBytes, { gate: limits.gate, bodyIdleTimeoutMs: limits.bodyIdleTimeoutMs });
  const headersTimeout = limits.headersTimeoutMs ?? 10_000;
  const requestTimeout = Math.max(limits.requestTimeoutMs ?? 30_000, headersTimeout);
  const server = createServer(
    {
      headersTimeout,
      requestTimeout,
      // Node checks both timeouts on this interval (default 30 s, which would double them).
      connectionsCheckingInterval: Math.min(1_000, headersTimeout),
    },
    (req, res) => {
      void listener(req, res);
    },
  );
  // More than this many open connections: new ones are closed on arrival, so a flood of idle or
  // slow clients is bounded in sockets and buffers instead of in the process' memory.
  server.maxConnections = limits.maxConnections ?? 1_000;
  server.keepAliveTimeout = 65_000;
  server.on('clientError', answerClientError);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const { port: actual } = server.address() as AddressInfo;
  return { server, url: `http://${host}:${actual}` };
}
