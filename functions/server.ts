/**
 * One HTTP server for every function, as `npm start` and the tests run them: `POST /ingest`,
 * the query API under `/apis/…`, `/healthz` and `/readyz`, `POST /cleanup`, the run timelines
 * under `/v1/…/timeline`, the pages under `/ui`, and the webhooks: `/v1/subscriptions…` and `/dispatch…`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Handler } from '../shared/http/core.js';
import { HttpError } from '../shared/http/problem.js';
import { nodeListener } from '../shared/http/node.js';
import { answerClientError } from '../shared/http/clientError.js';
import { withProblems } from '../shared/http/core.js';
import { API_PREFIX } from './query/routes.js';
import { isTimelinePath } from './timeline/routes.js';
import { isUiPath } from './ui/routes.js';
import type { Functions } from './runtime.js';
import type { Gate } from '../shared/http/node.js';
import type { Config } from '../shared/config.js';
import { SUBSCRIPTIONS_PREFIX } from './subscriptions/routes.js';
import { DISPATCH_PATH } from './dispatch/handler.js';

/** The timeline, the pages and the webhooks are optional, so a caller that serves only the Results API can leave them out. */
export function routeAll(
  fns: Pick<Functions, 'ingest' | 'query' | 'health' | 'cleanup'> & Partial<Pick<Functions, 'timeline' | 'ui' | 'subscriptions' | 'dispatch'>>,
): Handler {
  return withProblems(async (req) => {
    if (req.path === '/ingest' || req.path === '/ingest/') return fns.ingest(req);
    if (req.path.startsWith(API_PREFIX)) return fns.query(req);
    if (req.path === '/healthz' || req.path === '/readyz') return fns.health(req);
    if (req.path === '/cleanup') return fns.cleanup(req);
    if (fns.timeline && isTimelinePath(req.path)) return fns.timeline(req);
    if (fns.ui && isUiPath(req.path)) return fns.ui(req);
    if (fns.subscriptions && (req.path === SUBSCRIPTIONS_PREFIX || req.path.startsWith(`${SUBSCRIPTIONS_PREFIX}/`))) return fns.subscriptions(req);
    if (fns.dispatch && (req.path === DISPATCH_PATH || req.path.startsWith(`${DISPATCH_PATH}/`))) return fns.dispatch(req);
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

export interface Listening {
  server: Server;
  url: string;
  /**
   * Shuts the server down in order: stop taking connections, let every request in flight get
   * its answer (ingest answers only after its commit, so nothing is cut off mid-commit), close
   * each connection as its last answer leaves, and resolve. Requests still running after
   * `graceMs` are cut off. The caller stops the pool and Postgres after this.
   */
  close(graceMs?: number): Promise<void>;
}

export async function listen(
  handler: Handler,
  maxBodyBytes: number,
  port: number,
  /** null: every interface, IPv6 and IPv4 where the host has them (as in a container) */
  host: string | null = '127.0.0.1',
  limits: ServerLimits = {},
): Promise<Listening> {
  const listener = nodeListener(handler, maxBodyBytes, { gate: limits.gate, bodyIdleTimeoutMs: limits.bodyIdleTimeoutMs });
  const headersTimeout = limits.headersTimeoutMs ?? 10_000;
  const requestTimeout = Math.max(limits.requestTimeoutMs ?? 30_000, headersTimeout);
  let inFlight = 0;
  let closing = false;
  let drained: (() => void) | undefined;
  const server = createServer(
    {
      headersTimeout,
      requestTimeout,
      // Node checks both timeouts on this interval (default 30 s, which would double them).
      connectionsCheckingInterval: Math.min(1_000, headersTimeout),
    },
    (req, res) => {
      inFlight++;
      // Once closing, each connection ends with the answer it is serving: keep-alive clients
      // must not keep the server open by sending more.
      if (closing) res.shouldKeepAlive = false;
      res.once('close', () => {
        if (--inFlight === 0 && drained) drained();
      });
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
    server.listen(port, host ?? undefined, () => resolve());
  });
  const { port: actual } = server.address() as AddressInfo;
  const close = async (graceMs = 10_000): Promise<void> => {
    closing = true;
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    if (inFlight > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => (drained = resolve)),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs))),
      ]);
      clearTimeout(timer);
    }
    server.closeAllConnections();
    await stopped;
  };
  return { server, url: `http://${host ?? 'localhost'}:${actual}`, close };
}
