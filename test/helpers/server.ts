/** The functions on one real HTTP server on port 0, over a test database. */
import type { Server } from 'node:http';
import { loadConfig } from '../../shared/config.js';
import { buildFunctions, type Functions } from '../../functions/runtime.js';
import { listen, routeAll, serverLimits } from '../../functions/server.js';
import { createTestDb, type TestDb } from './db.js';

export const INGEST_TOKEN = 'test-ingest-token-0123456789';
export const QUERY_TOKEN = 'test-query-token-0123456789';

export interface TestServer {
  url: string;
  db: TestDb;
  fns: Functions;
  server: Server;
  close(): Promise<void>;
}

export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const db = await createTestDb();
  const config = loadConfig({ DATABASE_URL: db.url, INGEST_TOKEN, QUERY_TOKEN, ...env });
  const fns = await buildFunctions(config, db.pool);
  const { server, url } = await listen(routeAll(fns), config.MAX_BODY_BYTES, 0, '127.0.0.1', serverLimits(config, fns.gate));
  return {
    url,
    db,
    fns,
    server,
    async close() {
      await closeServer(server);
      await db.drop();
    },
  };
}

export function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
