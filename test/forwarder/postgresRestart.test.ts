/**
 * Postgres restarted mid-load: a dedicated embedded Postgres (not the suite's shared one) is
 * stopped while the forwarder streams Events into the ingest function and started again on the
 * same data directory and port. The ingest function answers 503 meanwhile; the forwarder retries;
 * every Event ends up stored once.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startForwarder, type Forwarder } from '../../forwarder/start.js';
import { loadConfig } from '../../shared/config.js';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../shared/db/embedded.js';
import { migrate } from '../../shared/db/migrate.js';
import { createPool } from '../../shared/db/pool.js';
import { buildFunctions } from '../../functions/runtime.js';
import { listen, routeAll } from '../../functions/server.js';
import { startFakeKube, type FakeKube } from '../../devtools/fakeKube/server.js';
import { closeServer, INGEST_TOKEN, QUERY_TOKEN } from '../helpers/server.js';
import { emitEvents, expectAllStoredOnce, forwarderConfig, standaloneRun, storedEvents, type Created } from './e2eHelpers.js';
import { until } from '../helpers/until.js';

let dir: string;
let postgres: EmbeddedServer;
let pool: pg.Pool;
let server: Server;
let url: string;
let kube: FakeKube;
let fwd: Forwarder | undefined;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'forwarder-pg-restart-'));
  // as root, Postgres runs as `postgres` and must be able to enter the directory
  await chmod(dir, 0o755);
  postgres = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), persistent: true });
  pool = createPool(postgres.url, 10);
  await migrate(pool);
  const config = loadConfig({ DATABASE_URL: postgres.url, INGEST_TOKEN, QUERY_TOKEN });
  ({ server, url } = await listen(routeAll(await buildFunctions(config, pool)), config.MAX_BODY_BYTES, 0));
  kube = await startFakeKube();
});

afterAll(async () => {
  await fwd?.kill();
  await kube?.close();
  if (server) await closeServer(server);
  await pool?.end();
  await postgres?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('Postgres restarted under load', () => {
  it('ends with every Event stored once', async () => {
    const ns = 'pg-restart';
    const { pod } = standaloneRun(kube, ns, 'restart');
    const created: Created = new Map();
    fwd = startForwarder(forwarderConfig(`${url}/ingest`, { namespaces: [ns] }), { kubeConfig: kube.kubeConfig() });
    await fwd.ready;

    let streaming = true;
    const load = (async () => {
      for (let i = 0; streaming || i < 10; i++) {
        emitEvents(kube, pod, 10, created, `load ${i}`);
        await sleep(20);
      }
    })();
    await until(() => storedEvents(url, ns), (items) => items.length >= 30, 'the first Events stored');

    await postgres.stop();
    const retried = async () => (await fwd!.metrics.retried.get()).values.reduce((s, v) => s + v.value, 0);
    await until(retried, (n) => n >= 1, 'the forwarder retrying while Postgres is down');
    postgres = await startEmbeddedPostgres({ dataDir: postgres.dataDir, persistent: true, port: postgres.port });
    streaming = false;
    await load;

    await expectAllStoredOnce(url, ns, created, 90_000);
    expect(created.size).toBeGreaterThanOrEqual(100);
    expect((await fwd.metrics.rejected.get()).values[0]?.value ?? 0).toBe(0);
  });
});
