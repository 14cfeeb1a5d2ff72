/**
 * The functions-framework targets as Knative runs them, one per service: each answers
 * GET /healthz itself (the probes' path), and cleanup is a target of its own.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { closeServer } from '../helpers/server.js';

const CLEANUP_TOKEN = 'targets-test-cleanup-token-01';
let db: TestDb;
const servers: Server[] = [];

beforeAll(async () => {
  db = await createTestDb();
  // functions/index.ts reads its configuration when it is imported
  Object.assign(process.env, { DATABASE_URL: db.url, CLEANUP_TOKEN, INGEST_TOKEN: 'targets-test-ingest-token-01', QUERY_TOKEN: 'targets-test-query-token-012' });
  await import('../../functions/index.js');
});
afterAll(async () => {
  await Promise.all(servers.map(closeServer));
  await db.drop();
});

async function target(name: string): Promise<string> {
  const { getTestServer } = await import('@google-cloud/functions-framework/testing');
  const server = getTestServer(name);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('functions-framework targets', () => {
  it.each(['ingest', 'query', 'cleanup', 'healthz', 'timeline'])('%s answers GET /healthz when the database answers', async (name) => {
    const res = await fetch(`${await target(name)}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('cleanup runs as its own target and still wants its token', async () => {
    const url = await target('cleanup');
    expect((await fetch(url, { method: 'POST' })).status).toBe(401);
    const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${CLEANUP_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ deleted_results: 0, more: false });
  });

  it('ingest still refuses a GET on any other path', async () => {
    expect((await fetch(`${await target('ingest')}/anything`)).status).toBe(405);
  });
});
