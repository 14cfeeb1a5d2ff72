/** A sink we control, on port 0: records what arrives and answers as each test scripts it. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  at: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** CloudEvent ids in the request (binary or batched) */
  ids: string[];
}

export type Answer = { status: number; headers?: Record<string, string>; body?: string } | 'hang';

export interface Sink {
  url: string;
  received: Received[];
  answer: (r: Received) => Answer | Promise<Answer>;
  /** answers every request left hanging with 200 */
  releaseHanging(): void;
  close(): Promise<void>;
}

export function idsOf(headers: http.IncomingHttpHeaders, body: string): string[] {
  if (headers['ce-id']) return [decodeURIComponent(String(headers['ce-id']))];
  if (String(headers['content-type']).startsWith('application/cloudevents-batch+json')) return (JSON.parse(body) as { id: string }[]).map((e) => e.id);
  if (String(headers['content-type']).startsWith('application/cloudevents+json')) return [(JSON.parse(body) as { id: string }).id];
  return [];
}

export async function startSink(): Promise<Sink> {
  const hanging: http.ServerResponse[] = [];
  const sink: Sink = {
    url: '',
    received: [],
    answer: () => ({ status: 200 }),
    releaseHanging() {
      for (const res of hanging.splice(0)) res.writeHead(200).end('{}');
    },
    close: async () => undefined,
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const r: Received = { at: Date.now(), headers: req.headers, body, ids: idsOf(req.headers, body) };
      sink.received.push(r);
      void Promise.resolve(sink.answer(r)).then((a) => {
        if (a === 'hang') hanging.push(res);
        else res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers }).end(a.body ?? '{}');
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  sink.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ingest`;
  sink.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return sink;
}
