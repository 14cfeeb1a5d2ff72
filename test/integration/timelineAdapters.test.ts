/**
 * The timeline function behind its deployment adapters: the functions-framework target
 * (Cloud Functions, Knative) and the Vercel handler answer the same timeline as the local server.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { INGEST_TOKEN, QUERY_TOKEN, closeServer } from '../helpers/server.js';
import { sampleBatch, SAMPLE } from '../../sample/failedPipelineRun.js';
import { EventsClient } from '../../shared/client/index.js';

let db: TestDb;
const servers: Server[] = [];

const listenOn = (s: Server) => new Promise<string>((r) => s.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${(s.address() as AddressInfo).port}`)));

beforeAll(async () => {
  db = await createTestDb();
  Object.assign(process.env, { DATABASE_URL: db.url, INGEST_TOKEN, QUERY_TOKEN });
});
afterAll(async () => {
  await Promise.all(servers.map(closeServer));
  await db.drop();
});

async function loadSample(): Promise<void> {
  const ingest = await import('../../api/ingest.js');
  const server = createServer((req, res) => void ingest.default(req as never, res as never));
  servers.push(server);
  const res = await fetch(await listenOn(server), {
    method: 'POST',
    headers: { 'content-type': 'application/cloudevents-batch+json', authorization: `Bearer ${INGEST_TOKEN}` },
    body: JSON.stringify(sampleBatch()),
  });
  expect(res.status).toBe(200);
}

async function headline(url: string): Promise<string> {
  const t = await new EventsClient({ server: url, token: QUERY_TOKEN }).timeline(SAMPLE.namespace, 'PipelineRun', SAMPLE.pipelineRun.name);
  return t.diagnosis.headline;
}

describe('timeline adapters', () => {
  beforeAll(loadSample);

  it('serves the timeline as the functions-framework target "timeline"', async () => {
    await import('../../functions/index.js');
    const { getTestServer } = await import('@google-cloud/functions-framework/testing');
    const server = getTestServer('timeline');
    servers.push(server);
    expect(await headline(await listenOn(server))).toMatch(/^build-image: step-build was OOMKilled \(exit 137\)/);
  });

  it('serves the timeline as a Vercel function with the body parser off', async () => {
    const timeline = await import('../../api/timeline.js');
    expect(timeline.config).toEqual({ api: { bodyParser: false } });
    const server = createServer((req, res) => void timeline.default(req as never, res as never));
    servers.push(server);
    expect(await headline(await listenOn(server))).toMatch(/^build-image: step-build was OOMKilled \(exit 137\)/);
  });
});
