/**
 * One HTTP request to a webhook target, made defensively: the SSRF guard on the address
 * connected to, no redirects followed (node:http never follows them; a 3xx is an answer like any
 * other), one deadline for connecting, sending and answering, and at most `maxBodyBytes` of the
 * answer read: a target that streams forever or never answers costs one socket for a bounded time.
 */
import http from 'node:http';
import https from 'node:https';
import type { lookup as dnsLookup } from 'node:dns';
import { addressProblem, guardedLookup, literalAddress, TargetRefused, type Resolver } from './targets.js';

export interface TargetGuard {
  allowPrivate: boolean;
  /** Injected in tests; the system resolver otherwise. */
  resolver?: Resolver;
}

export interface TargetRequest {
  url: URL;
  method: 'POST' | 'OPTIONS';
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  maxBodyBytes?: number;
}

export interface TargetAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The first maxBodyBytes of the answer, for the delivery log. */
  body: string;
  latencyMs: number;
}

export type FailureKind = 'refused' | 'timeout' | 'network';

export class TargetFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
    readonly latencyMs: number,
  ) {
    super(message);
    this.name = 'TargetFailure';
  }
}

const agents = { http: new http.Agent({ keepAlive: true, maxSockets: 256 }), https: new https.Agent({ keepAlive: true, maxSockets: 256 }) };

export function callTarget(req: TargetRequest, guard: TargetGuard): Promise<TargetAnswer> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const literal = literalAddress(req.url);
  if (literal !== undefined) {
    const problem = addressProblem(literal, guard.allowPrivate);
    if (problem) return Promise.reject(new TargetFailure('refused', problem, 0));
  }
  const maxBody = req.maxBodyBytes ?? 4096;
  const secure = req.url.protocol === 'https:';
  return new Promise<TargetAnswer>((resolve, reject) => {
    let settled = false;
    const fail = (kind: FailureKind, message: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(new TargetFailure(kind, message, elapsed()));
    };
    const headers: Record<string, string> = { 'user-agent': 'tekton-events-webhooks', ...req.headers };
    if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
    const request = (secure ? https : http).request({
      method: req.method,
      protocol: req.url.protocol,
      hostname: literal ?? req.url.hostname,
      port: req.url.port || (secure ? 443 : 80),
      path: `${req.url.pathname}${req.url.search}`,
      headers,
      agent: secure ? agents.https : agents.http,
      lookup: guardedLookup(guard.allowPrivate, guard.resolver) as unknown as typeof dnsLookup,
      servername: literal === undefined ? req.url.hostname : undefined,
    });
    const timer = setTimeout(() => {
      fail('timeout', `no answer within ${req.timeoutMs} ms`);
      request.destroy();
    }, req.timeoutMs);
    request.on('error', (err: NodeJS.ErrnoException) => {
      if (err instanceof TargetRefused || err.code === 'ETARGETREFUSED') fail('refused', err.message);
      else fail('network', `${err.code ?? 'error'}: ${err.message}`);
    });
    request.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8').slice(0, maxBody), latencyMs: elapsed() });
      };
      res.on('data', (chunk: Buffer) => {
        if (size < maxBody) chunks.push(chunk.subarray(0, maxBody - size));
        size += chunk.length;
        // Enough read: the rest of the answer is not wanted, and its socket is not reused.
        if (size >= maxBody) {
          done();
          res.destroy();
        }
      });
      res.on('end', done);
      res.on('error', () => done());
      res.on('close', done);
    });
    request.end(req.body);
  });
}
