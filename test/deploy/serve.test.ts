/**
 * The functions image's entry point as Knative and Kubernetes run it (functions/serve.ts
 * --target=<name>): one target on PORT, its probes, the token checked before the body is read,
 * a clear exit for a wrong command line, and on SIGTERM the requests in flight answered before
 * it exits 0.
 */
import type { ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { eventCe, newRun, send, storedEvent } from '../helpers/ce.js';
import { INGEST_TOKEN, QUERY_TOKEN } from '../helpers/server.js';
import { until } from '../helpers/until.js';
import { spawnEntry, type LoggedChild } from '../helpers/process.js';
import { shutdownGraceMs, targetFromArgs, TargetUsageError, TARGETS } from '../../functions/targets.js';
import { loadConfig } from '../../shared/config.js';

let db: TestDb;
const children: ChildProcess[] = [];

beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await db.drop();
});

interface Served {
  url: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  messages: () => string[];
}

/** Spawns serve.ts with `args`; resolves once its `serving` line names the port. */
async function serve(args: string[], env: Record<string, string> = {}): Promise<Served> {
  const p = started(args, env);
  const port = await p.portFrom('serving');
  return { url: `http://127.0.0.1:${port}`, child: p.proc, exited: p.exit, messages: p.messages };
}

function started(args: string[], env: Record<string, string>): LoggedChild {
  const p = spawnEntry('functions/serve.ts', args, { ...process.env, DATABASE_URL: db.url, INGEST_TOKEN, QUERY_TOKEN, PORT: '0', LOG_LEVEL: 'info', ...env });
  children.push(p.proc);
  return p;
}

/** Sends a request's head only, announcing a body it never sends: what the server answers from the head alone. */
function headOnly(url: string, head: string): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(head));
    let answer = '';
    socket.on('data', (c) => (answer += c.toString()));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

describe('the command line', () => {
  it('takes --target=NAME, --target NAME or FUNCTION_TARGET, and functions-framework’s --signature-type=http', () => {
    expect(targetFromArgs(['--target=ingest'], {})).toBe('ingest');
    expect(targetFromArgs(['--target', 'ui'], {})).toBe('ui');
    expect(targetFromArgs([], { FUNCTION_TARGET: 'cleanup' })).toBe('cleanup');
    expect(targetFromArgs(['--signature-type=http', '--target=query'], { FUNCTION_TARGET: 'ingest' })).toBe('query');
    for (const t of TARGETS) expect(targetFromArgs([`--target=${t}`], {})).toBe(t);
  });

  it('waits on SIGTERM as long as the target’s longest request may run', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://x@localhost/x', CLEANUP_TIME_BUDGET_SECONDS: '240', DISPATCH_TIME_BUDGET_SECONDS: '50', QUERY_TIMEOUT_MS: '45000' });
    expect(shutdownGraceMs('cleanup', config)).toBe(245_000);
    expect(shutdownGraceMs('dispatch', config)).toBe(55_000);
    expect(shutdownGraceMs('query', config)).toBe(Math.max(config.HTTP_REQUEST_TIMEOUT_MS, 45_000) + 5_000);
  });

  it('refuses no target, an unknown one and an unknown flag, naming the targets', () => {
    expect(() => targetFromArgs([], {})).toThrow(TargetUsageError);
    expect(() => targetFromArgs(['--target=ingset'], {})).toThrow(/unknown target "ingset": expected --target=<ingest\|query\|/);
    expect(() => targetFromArgs(['--target=ingest', '--signature-type=event'], {})).toThrow(/unknown argument "--signature-type=event"/);
  });

  it('exits 2 with one line on stderr for an unknown target, without listening', async () => {
    const s = started(['--target=nope'], {});
    expect(await s.exit).toBe(2);
    expect(s.messages()).not.toContain('serving');
    expect(s.stderr().trim().split('\n')).toEqual([expect.stringMatching(/^unknown target "nope": expected --target=/)]);
  });
});

describe('one target served on PORT', () => {
  it('ingest stores Events on any path, answers its probes, and refuses a POST without the token before reading the body', async () => {
    const s = await serve(['--target=ingest']);
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${s.url}/readyz`)).json()).toEqual({ status: 'ready' });

    const run = newRun('TaskRun', 'served');
    expect((await send(s.url, [eventCe(storedEvent({ rv: 9101 }), run, null)])).status).toBe(200);
    // Knative posts to the service's root: the target answers every path.
    const res = await fetch(s.url, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents-batch+json', authorization: `Bearer ${INGEST_TOKEN}` },
      body: JSON.stringify([eventCe(storedEvent({ rv: 9102 }), run, null)]),
    });
    expect(res.status).toBe(200);
    const { rows } = await db.pool.query<{ n: string }>('select count(*) as n from record_events');
    expect(Number(rows[0]!.n)).toBe(2);

    // 1 MiB announced, none sent: the answer comes from the head alone, and the connection closes.
    const answer = await headOnly(s.url, 'POST / HTTP/1.1\r\nhost: x\r\ncontent-type: application/cloudevents+json\r\ncontent-length: 1048576\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 401 /);
    expect((await fetch(`${s.url}/anything`)).status).toBe(405);

    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    expect(s.messages()).toEqual(expect.arrayContaining(['serving', 'stopping: answering the requests in flight', 'stopped']));
  });

  it('on SIGTERM answers the ingest request in flight after its commit, then exits 0', async () => {
    const s = await serve(['--target=ingest']);
    // Hold the write: a first sight creates a Result, which waits on this lock.
    const holder = await db.pool.connect();
    await holder.query('begin');
    await holder.query('lock table results in exclusive mode');
    const answer = send(s.url, [eventCe(storedEvent({ rv: 9201 }), newRun('TaskRun', 'in-flight'), null)]);
    const waiting = async () =>
      (await db.pool.query<{ n: string }>("select count(*) as n from pg_locks where relation = 'results'::regclass and not granted")).rows[0]!.n;
    await until(waiting, (n) => Number(n) > 0, 'the ingest write to wait on the lock');
    s.child.kill('SIGTERM');
    await until(() => s.messages(), (m) => m.includes('stopping: answering the requests in flight'), 'serve to take the signal');
    expect(s.child.exitCode).toBeNull();
    await holder.query('rollback');
    holder.release();
    expect((await answer).status).toBe(200);
    expect(await s.exited).toBe(0);
    const { rows } = await db.pool.query<{ n: string }>("select count(*) as n from records where run_name = 'in-flight'");
    expect(Number(rows[0]!.n)).toBe(1);
  });

  it('cleanup is its own target and checks its token before the body', async () => {
    const s = await serve(['--target=cleanup'], { CLEANUP_TOKEN: 'serve-test-cleanup-token-0' });
    // A body announced and never sent: only a check from the head can answer.
    expect(await headOnly(s.url, 'POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 100000\r\n\r\n')).toMatch(/^HTTP\/1\.1 401 /);
    const res = await fetch(`${s.url}/`, { method: 'POST', headers: { authorization: 'Bearer serve-test-cleanup-token-0' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ more: false });
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  });

  it('a query target answers its probes and the Results API, and not ingest', async () => {
    const s = await serve([], { FUNCTION_TARGET: 'query' });
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
    const list = await fetch(`${s.url}/apis/results.tekton.dev/v1alpha2/parents/-/results`, { headers: { authorization: `Bearer ${QUERY_TOKEN}` } });
    expect(list.status).toBe(200);
    expect((await send(s.url, [eventCe(storedEvent({ rv: 9103 }), newRun('TaskRun', 'not-here'), null)])).status).toBe(404);
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  });
});
