/**
 * One HTTP server for every function, as `npm start` and the tests run them: `POST /ingest`,
 * the query API under `/apis/…`, `/healthz`, `POST /cleanup`, the run timelines under `/v1/…/timeline`
 * and the pages under `/ui`.
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

/** The timeline and the pages are optional, so a caller that serves only the Results API can leave them out. */
export function routeAll(fns: Pick<Functions, 'ingest' | 'query' | 'health' | 'cleanup'> & Partial<Pick<Functions, 'timeline' | 'ui'>>): Handler {
  return withProblems(async (req) => {
    if (req.path === '/ingest' || req.path === '/ingest/') return fns.ingest(req);
    if (req.path.startsWith(API_PREFIX)) return fns.query(req);
    if (req.path === '/healthz') return fns.health(req);
    if (req.path === '/cleanup') return fns.cleanup(req);
    if (fns.timeline && isTimelinePath(req.path)) return fns.timeline(req);
    if (fns.ui && isUiPath(req.path)) return fns.ui(req);
    throw new HttpError(404, `no such path: ${req.path}`);
  });
}

export async function listen(handler: Handler, maxBodyBytes: number, port: number, host = '127.0.0.1'): Promise<{ server: Server; url: string }> {
  const listener = nodeListener(handler, maxBodyBytes);
  const server = createServer((req, res) => {
    void listener(req, res);
  });
  server.keepAliveTimeout = 65_000;
  server.on('clientError', answerClientError);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const { port: actual } = server.address() as AddressInfo;
  return { server, url: `http://${host}:${actual}` };
}
