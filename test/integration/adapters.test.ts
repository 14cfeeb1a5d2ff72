/**
 * The same functions behind the deployment adapters: functions-framework targets (Cloud
 * Functions, Knative) and the Vercel handlers. Each must read raw CloudEvents bodies itself.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { INGEST_TOKEN, QUERY_TOKEN, closeServer } from '../helpers/server.js';
import { API, eventCe, newRun, storedEvent } from '../helpers/ce.js';

let db: TestDb;
const servers: Server[] = [];

async function serve(listener: (req: never, res: never) => unknown): Promise<string> {
  const server = createServer((req, res) => void listener(req as never, res as never));
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  db = await createTestDb();
  Object.assign(process.env, { DATABASE_URL: db.url, INGEST_TOKEN, QUERY_TOKEN });
});
afterAll(async () => {
  await Promise.all(servers.map(closeServer));
  await db.drop();
});

async function exercise(ingestUrl: string, queryUrl: string): Promise<void> {
  const pr = newRun('PipelineRun', 'adapter');
  const tr = newRun('TaskRun', 'adapter-build');
  const batch = [eventCe(storedEvent({}), tr, pr), eventCe(storedEvent({}), pr, null)];
  const res = await fetch(ingestUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/cloudevents-batch+json', authorization: `Bearer ${INGEST_TOKEN}` },
    body: JSON.stringify(batch),
  });
  expect(res.status).toBe(200);
  const records = await fetch(`${queryUrl}${API}/ci/results/${pr.uid}/records`, { headers: { authorization: `Bearer ${QUERY_TOKEN}` } });
  expect(records.status).toBe(200);
  // each run's EventList and run record
  expect(((await records.json()) as { records: unknown[] }).records).toHaveLength(4);
  const bad = await fetch(ingestUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/cloudevents+json', authorization: `Bearer ${INGEST_TOKEN}` },
    body: '{"specversion":"0.3"}',
  });
  expect(bad.status).toBe(400);
  expect(bad.headers.get('content-type')).toBe('application/problem+json');
}

describe('deployment adapters', () => {
  it('serve ingest and query as functions-framework http targets, batches included', async () => {
    await import('../../functions/index.js');
    const { getTestServer } = await import('@google-cloud/functions-framework/testing');
    const ingest = getTestServer('ingest');
    const query = getTestServer('query');
    servers.push(ingest, query);
    const listenOn = (s: Server) => new Promise<string>((r) => s.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${(s.address() as AddressInfo).port}`)));
    await exercise(await listenOn(ingest), await listenOn(query));
  });

  it('serve ingest and query as Vercel functions with the body parser off', async () => {
    const ingest = await import('../../api/ingest.js');
    const query = await import('../../api/query.js');
    expect(ingest.config).toEqual({ api: { bodyParser: false } });
    await exercise(await serve(ingest.default), await serve(query.default));
  });
});
