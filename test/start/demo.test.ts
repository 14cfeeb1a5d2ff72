/**
 * `npm run demo`, fast: the failing PipelineRun played into the fake cluster is captured by the
 * real forwarder and shows up in the query API, Events and FAILURE summary included.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { INGEST_TOKEN, QUERY_TOKEN } from '../helpers/server.js';
import { until } from '../helpers/until.js';
import { eventLists, results } from '../forwarder/e2eHelpers.js';
import { SPAWN_TIMEOUT, killGroup, spawnStart, type StartChild } from './startProcess.js';

let db: TestDb;
let dir: string;
let child: StartChild | undefined;
beforeAll(async () => {
  db = await createTestDb();
  dir = await mkdtemp(path.join(tmpdir(), 'demo-'));
});
afterAll(async () => {
  await killGroup(child);
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('npm run demo', () => {
  it('plays a failing PipelineRun live; the forwarder captures it and the query API shows its Events and its FAILURE', async () => {
    // No KUBECONFIG and an empty HOME: the demo needs no cluster of yours.
    child = spawnStart(['--demo', '--demo-speed=20'], { HOME: dir, TEKTON_EVENTS_DATA: path.join(dir, 'data'), DATABASE_URL: db.url, PORT: '0', INGEST_TOKEN, QUERY_TOKEN, LOG_LEVEL: 'info' });
    const url = await child.url();
    const [, ns, name] = /the forwarder captures ([a-z0-9-]+)\/(build-and-deploy-[a-z0-9]{5})/.exec(child.stdout())!;
    expect(ns).toBe('ci');
    expect(child.stdout()).toContain(`${url}/ui/namespaces/ci/pipelineruns/${name}`);
    expect(child.stdout()).toContain(`${url}/v1/namespaces/ci/pipelineruns/${name}/timeline`);

    const [result] = await until(
      () => results(url, 'ci'),
      (rs) => rs.some((r) => (r['summary'] as { status?: string } | undefined)?.status === 'FAILURE'),
      'the PipelineRun failed in the query API',
      60_000,
    );
    expect(result!['summary']).toMatchObject({ type: 'tekton.dev/v1.PipelineRun', status: 'FAILURE', annotations: { reason: 'Failed' } });

    const lists = await until(
      () => eventLists(url, 'ci'),
      (ls) => [...ls.values()].flatMap((l) => l.items).some((e) => e.reason === 'Failed' && e.regarding.kind === 'PipelineRun'),
      'every Event stored',
    );
    const items = [...lists.values()].flatMap((l) => l.items);
    const build = items.filter((e) => e.regarding.taskName === 'build-image');
    expect(build.map((e) => e.reason)).toEqual(['Started', 'FailedScheduling', 'Scheduled', 'Pulling', 'Pulled', 'Created', 'Started', 'BackOff', 'Failed']);
    expect(build.find((e) => e.reason === 'FailedScheduling')?.series?.count).toBe(3);
    expect(build.find((e) => e.reason === 'BackOff')?.series?.count).toBe(2);
    expect(build.find((e) => e.reason === 'Failed')?.note).toContain('exited with code 137: OOMKilled');
    expect(items.filter((e) => e.regarding.taskName === 'fetch-source').map((e) => e.reason)).toEqual(['Started', 'Scheduled', 'Pulled', 'Created', 'Started', 'Succeeded']);
    expect(child.stdout()).toContain(`demo  played: ci/${name} failed`);

    child.ctrlC();
    expect(await child.exit).toBe(0);
    expect(child.stderr()).toBe('');
  }, SPAWN_TIMEOUT);
});
