/**
 * The pages behind their deployment adapters: the functions-framework target "ui" (Cloud
 * Functions, Knative) and the Vercel handler serve the same pages, headers and sign-in.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { INGEST_TOKEN, QUERY_TOKEN, closeServer } from '../helpers/server.js';
import { sampleBatches } from '../../sample/failedPipelineRun.js';
import { buildIngest } from '../../functions/runtime.js';
import { loadConfig } from '../../shared/config.js';
import { nodeListener } from '../../shared/http/node.js';

let db: TestDb;
const servers: Server[] = [];
const listenOn = (s: Server) => new Promise<string>((r) => s.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${(s.address() as AddressInfo).port}`)));
const PAGE = '/ui/namespaces/ci/pipelineruns/build-and-deploy-x7k2p';

beforeAll(async () => {
  db = await createTestDb();
  Object.assign(process.env, { DATABASE_URL: db.url, INGEST_TOKEN, QUERY_TOKEN });
  const ingest = createServer((req, res) => void nodeListener(buildIngest(loadConfig(), db.pool), 1 << 20)(req, res));
  servers.push(ingest);
  const url = await listenOn(ingest);
  for (const batch of sampleBatches()) {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/cloudevents-batch+json', authorization: `Bearer ${INGEST_TOKEN}` }, body: JSON.stringify(batch) });
    expect(res.status).toBe(200);
  }
});
afterAll(async () => {
  await Promise.all(servers.map(closeServer));
  await db.drop();
});

async function exercise(url: string): Promise<void> {
  const page = await fetch(`${url}${PAGE}`, { headers: { authorization: `Bearer ${QUERY_TOKEN}` } });
  expect(page.status).toBe(200);
  expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
  expect(await page.text()).toContain('step-build was OOMKilled');
  const login = await fetch(`${url}/ui/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: url },
    body: new URLSearchParams({ token: QUERY_TOKEN }).toString(),
    redirect: 'manual',
  });
  expect(login.status).toBe(303);
  expect(login.headers.get('set-cookie')).toContain('HttpOnly; SameSite=Strict');
}

describe('page adapters', () => {
  it('serves the pages as the functions-framework target "ui", which also answers /healthz', async () => {
    await import('../../functions/index.js');
    const { getTestServer } = await import('@google-cloud/functions-framework/testing');
    const server = getTestServer('ui');
    servers.push(server);
    const url = await listenOn(server);
    await exercise(url);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  it('serves the pages as a Vercel function with the body parser off', async () => {
    const ui = await import('../../api/ui.js');
    expect(ui.config).toEqual({ api: { bodyParser: false } });
    const server = createServer((req, res) => void ui.default(req as never, res as never));
    servers.push(server);
    await exercise(await listenOn(server));
  });
});
