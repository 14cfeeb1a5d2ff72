/**
 * Least privilege, with real connections as each role after `infra apply`: the functions work
 * when each connects as its own role (ingest, query incl. DELETE of a result, cleanup as admin),
 * and what a role is not meant to do fails with permission denied (SQLSTATE 42501).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import type { Server } from 'node:http';
import { loadConfig } from '../../shared/config.js';
import { createPool } from '../../shared/db/pool.js';
import { buildCleanup, buildIngest, buildQuery, buildTimeline } from '../../functions/runtime.js';
import { createHealthHandler } from '../../functions/health.js';
import { listen, routeAll } from '../../functions/server.js';
import { roleUrl, type InfraConfig } from '../../infra/config.js';
import { apply } from '../../infra/commands.js';
import { closeServer, INGEST_TOKEN, QUERY_TOKEN } from '../helpers/server.js';
import { eventCe, newRun, query, send, statusCe, storedEvent } from '../helpers/ce.js';
import { destroyAll, infraConfig } from './helpers.js';

const CLEANUP_TOKEN = 'roles-test-cleanup-token-0123';

describe('database roles', () => {
  let config: InfraConfig;
  const pools = {} as Record<'ingest' | 'query' | 'admin', pg.Pool>;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    config = await infraConfig();
    await apply(config);
    for (const kind of ['ingest', 'query', 'admin'] as const) {
      pools[kind] = createPool(roleUrl(config.adminUrl, config.database, config.roles[kind]), 4);
    }
    const fnConfig = loadConfig({ INGEST_TOKEN, QUERY_TOKEN, CLEANUP_TOKEN, RETENTION_DAYS: '1' });
    const handler = routeAll({
      ingest: buildIngest(fnConfig, pools.ingest),
      query: await buildQuery(fnConfig, pools.query),
      health: createHealthHandler(pools.query),
      cleanup: buildCleanup(fnConfig, pools.admin),
      timeline: await buildTimeline(fnConfig, pools.query),
    });
    ({ server, url } = await listen(handler, fnConfig.MAX_BODY_BYTES, 0));
  });

  afterAll(async () => {
    await closeServer(server);
    for (const p of Object.values(pools)) await p.end();
    await destroyAll(config);
  });

  async function deniedAs(kind: keyof typeof pools, sql: string): Promise<string | undefined> {
    return pools[kind].query(sql).then(
      () => undefined,
      (err: { code?: string }) => err.code,
    );
  }

  it('lets ingest store events and run statuses, query read them and delete a result, cleanup expire one', async () => {
    const pr = newRun('PipelineRun', 'build');
    const tr = newRun('TaskRun', 'build-compile');
    const ces = [
      eventCe(storedEvent({ reason: 'Started', regardingKind: 'PipelineRun', regardingName: pr.name }), pr, { name: pr.name, uid: pr.uid }),
      eventCe(storedEvent({ reason: 'FailedScheduling', type: 'Warning' }), tr, { name: pr.name, uid: pr.uid }),
      statusCe(pr, { name: pr.name, uid: pr.uid }, { reason: 'Failed', message: 'boom', steps: [] }),
    ];
    const stored = await send(url, ces);
    expect(stored.status).toBe(200);
    const records = await query(url, `/ci/results/${pr.uid}/records`);
    expect(records.status).toBe(200);
    // each run's EventList and run record
    expect(records.body.records).toHaveLength(4);
    const summary = await query(url, `/ci/results/${pr.uid}`);
    expect(summary.body.summary.status).toBe('FAILURE');
    const timeline = await fetch(`${url}/v1/namespaces/ci/pipelineruns/${pr.name}/timeline`, { headers: { authorization: `Bearer ${QUERY_TOKEN}` } });
    expect(timeline.status).toBe(200);
    expect(((await timeline.json()) as { events: unknown[] }).events).toHaveLength(2);
    const del = await query(url, `/ci/results/${pr.uid}`, { method: 'DELETE' });
    expect(del.status).toBeLessThan(300);
    // the cascade ran with the owner's rights: the query role's delete took the lists and events along
    const left = await pools.admin.query('select (select count(*) from records) as records, (select count(*) from record_events) as events');
    expect(left.rows[0]).toEqual({ records: 0, events: 0 });

    const old = newRun('TaskRun', 'old');
    expect((await send(url, [eventCe(storedEvent({}), old, null)])).status).toBe(200);
    await pools.admin.query(`update results set update_time = now() - interval '2 days'`);
    const cleanup = await fetch(`${url}/cleanup`, { method: 'POST', headers: { authorization: `Bearer ${CLEANUP_TOKEN}` } });
    expect(await cleanup.json()).toMatchObject({ deleted_results: 1, deleted_records: 1, deleted_events: 1 });
  });

  it('denies the ingest role deletes, truncation, settings and schema changes', async () => {
    expect(await deniedAs('ingest', 'delete from results')).toBe('42501');
    expect(await deniedAs('ingest', 'delete from records')).toBe('42501');
    expect(await deniedAs('ingest', 'delete from record_events')).toBe('42501');
    expect(await deniedAs('ingest', 'truncate results cascade')).toBe('42501');
    expect(await deniedAs('ingest', 'select * from settings')).toBe('42501');
    expect(await deniedAs('ingest', `update settings set value = 'x'`)).toBe('42501');
    expect(await deniedAs('ingest', 'select * from schema_migrations')).toBe('42501');
    expect(await deniedAs('ingest', 'create table mine (x int)')).toBe('42501');
    expect(await deniedAs('ingest', 'alter table results add column x int')).toBe('42501');
    expect(await deniedAs('ingest', 'drop table record_events')).toBe('42501');
  });

  it('denies the query role every write but deleting results', async () => {
    expect(await deniedAs('query', `insert into results (parent, name, run_kind, run_name) values ('ci', 'x', 'TaskRun', 'x')`)).toBe('42501');
    expect(await deniedAs('query', `update results set annotations = '{}'`)).toBe('42501');
    expect(await deniedAs('query', `update records set run_name = 'x'`)).toBe('42501');
    expect(await deniedAs('query', 'delete from records')).toBe('42501');
    expect(await deniedAs('query', 'delete from record_events')).toBe('42501');
    expect(await deniedAs('query', `update settings set value = 'x'`)).toBe('42501');
    expect(await deniedAs('query', 'select * from schema_migrations')).toBe('42501');
    expect(await deniedAs('query', 'truncate results cascade')).toBe('42501');
    expect(await deniedAs('query', 'create table mine (x int)')).toBe('42501');
  });

  it('allows each role exactly the reads it needs', async () => {
    for (const kind of ['ingest', 'query'] as const) {
      for (const table of ['results', 'records', 'record_events']) {
        expect(await deniedAs(kind, `select count(*) from ${table}`)).toBeUndefined();
      }
    }
    expect(await deniedAs('query', 'select count(*) from settings')).toBeUndefined();
    expect(await deniedAs('admin', 'select count(*) from schema_migrations')).toBeUndefined();
    expect(await deniedAs('admin', `delete from results where false`)).toBeUndefined();
  });

  it('gives no role superuser, role or database creation rights', async () => {
    const { rows } = await pools.admin.query<{ rolname: string; flags: boolean }>({
      text: `select rolname, rolsuper or rolcreaterole or rolcreatedb or rolbypassrls or rolreplication as flags
               from pg_roles where rolname = any($1::text[]) order by rolname`,
      values: [Object.values(config.roles).map((r) => r.name)],
    });
    expect(rows).toHaveLength(3);
    expect(rows.every((r) => r.flags === false)).toBe(true);
  });
});
