/**
 * A database that stops answering (its processes SIGSTOPped: sockets open, nothing read) must
 * not hang requests: every call gives up at its bound with 503 + Retry-After, liveness still
 * answers, and once Postgres runs again the pools recover by themselves. A Postgres of its own,
 * so stopping it does not stop the other test files.
 */
import { execFileSync } from 'node:child_process';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config.js';
import { postmasterPid, startThrowawayPostgres, type EmbeddedServer } from '../../shared/db/embedded.js';
import { createPool } from '../../shared/db/pool.js';
import { migrate } from '../../shared/db/migrate.js';
import { buildFunctions, endPools, type Functions } from '../../functions/runtime.js';
import { listen, routeAll, serverLimits } from '../../functions/server.js';
import { closeServer, INGEST_TOKEN, QUERY_TOKEN } from '../helpers/server.js';
import { eventCe, newRun, query, send, storedEvent } from '../helpers/ce.js';
import { until } from '../helpers/until.js';

let postgres: EmbeddedServer;
let fns: Functions;
let server: Server;
let url: string;

/** The postmaster and every backend it forked. */
async function postgresProcesses(): Promise<number[]> {
  const pid = await postmasterPid(postgres.dataDir);
  if (!pid) throw new Error('no postmaster');
  const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((n) => n > 0);
  return [pid, ...children];
}

beforeAll(async () => {
  postgres = await startThrowawayPostgres('tekton-events-stopped-');
  const setup = createPool(postgres.url, 1);
  await migrate(setup);
  await setup.end();
  const config = loadConfig({
    DATABASE_URL: postgres.url,
    INGEST_TOKEN,
    QUERY_TOKEN,
    DB_TIMEOUT_MS: '1000',
    QUERY_TIMEOUT_MS: '1000',
    DB_CONNECT_TIMEOUT_MS: '1000',
    READY_TIMEOUT_MS: '500',
  });
  fns = await buildFunctions(config);
  ({ server, url } = await listen(routeAll(fns), config.MAX_BODY_BYTES, 0, '127.0.0.1', serverLimits(config, fns.gate)));
});

afterAll(async () => {
  if (server) await closeServer(server);
  if (fns) await endPools(fns.pools);
  await postgres?.stop();
});

const ingestOne = () => send(url, [eventCe(storedEvent({}), newRun('TaskRun', 'stopped'), null)]);

describe('a database that stops answering', () => {
  it('answers 503 + Retry-After within its bounds, keeps /healthz up, and recovers when Postgres runs again', async () => {
    // Warm pools: their idle connections are the ones that would hang.
    expect((await ingestOne()).status).toBe(200);
    expect((await query(url, '/ci/results')).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);

    const pids = await postgresProcesses();
    for (const pid of pids) process.kill(pid, 'SIGSTOP');
    try {
      const [ingest, list, ready, live] = await Promise.all([ingestOne(), query(url, '/ci/results'), fetch(`${url}/readyz`), fetch(`${url}/healthz`)]);
      expect(ingest.status).toBe(503);
      expect(ingest.headers.get('retry-after')).toBeTruthy();
      expect(list.status).toBe(503);
      expect(list.headers.get('retry-after')).toBeTruthy();
      expect(ready.status).toBe(503);
      expect(live.status).toBe(200);
      // New connections (the postmaster is stopped too) give up as well.
      const again = await ingestOne();
      expect(again.status).toBe(503);
    } finally {
      for (const pid of pids) process.kill(pid, 'SIGCONT');
    }
    await until(async () => (await ingestOne()).status, (s) => s === 200, 'ingest to work again');
    await until(async () => (await query(url, '/ci/results')).status, (s) => s === 200, 'queries to work again');
    await until(async () => (await fetch(`${url}/readyz`)).status, (s) => s === 200, 'readiness to come back');
  });
});
