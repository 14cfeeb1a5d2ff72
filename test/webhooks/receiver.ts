/**
 * A webhook receiver on 127.0.0.1 for tests: it answers the CloudEvents handshake (or refuses
 * it), records every delivery, and answers each as scripted: a status (with headers), or
 * `hang` (holds the request open until closed).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer } from '../helpers/server.js';

export interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
  at: number;
  /** the status answered, or 'hang' */
  answered: number | 'hang';
}

export type Answer = { status: number; headers?: Record<string, string> } | 'hang';

export interface Receiver {
  url: string;
  received: Received[];
  /** Requests being held open (`hang`). */
  held: () => number;
  /** Answers for `path`, used in order; the last one repeats. Default: 200. */
  script(path: string, answers: Answer[]): void;
  /** Refuse the handshake on `path` (answer 405 without WebHook-Allowed-Origin). */
  refuseHandshake(path: string): void;
  /** Release every held request, answered `status` (503 unless said) */
  release(status?: number): void;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const scripts = new Map<string, Answer[]>();
  const refused = new Set<string>();
  const holding = new Set<ServerResponse>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (req.method === 'OPTIONS') {
      if (refused.has(path)) {
        res.writeHead(405).end();
        return;
      }
      const origin = req.headers['webhook-request-origin'];
      res.writeHead(200, origin ? { 'webhook-allowed-origin': String(origin), allow: 'POST' } : {}).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : String(v);
      const list = scripts.get(path);
      const answer: Answer = list && list.length > 0 ? (list.length > 1 ? list.shift()! : list[0]!) : { status: 200 };
      received.push({ path, headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now(), answered: answer === 'hang' ? 'hang' : answer.status });
      if (answer === 'hang') {
        holding.add(res);
        res.on('close', () => holding.delete(res));
        return;
      }
      res.writeHead(answer.status, answer.headers ?? {}).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    held: () => holding.size,
    script: (path, answers) => scripts.set(path, [...answers]),
    refuseHandshake: (path) => refused.add(path),
    release(status = 503) {
      for (const res of holding) res.writeHead(status).end();
      holding.clear();
    },
    async close() {
      for (const res of holding) res.destroy();
      await closeServer(server);
    },
  };
}
