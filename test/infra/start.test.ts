/**
 * `npm start` as a user runs it, in a process of its own over a data directory of its own:
 * each function logs in as its own role (never the superuser), loopback logins use SCRAM, the
 * banner prints a token only the run it is generated and never one the user configured, and a
 * Postgres killed with SIGKILL is started again until queries answer again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { until } from '../helpers/until.js';

const USER_QUERY_TOKEN = 'my-own-query-token-0123456789';
const API = '/apis/results.tekton.dev/v1alpha2/parents';

let dir: string;
let child: ChildProcess | undefined;
let output = '';

async function start(env: Record<string, string>): Promise<string> {
  output = '';
  const e: Record<string, string | undefined> = { ...process.env, TEKTON_EVENTS_DATA: dir, PORT: '0', KUBECONFIG: path.join(dir, 'no-kubeconfig'), LOG_LEVEL: 'info', ...env };
  delete e['DATABASE_URL'];
  delete e['VITEST'];
  child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], { env: e, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (c: Buffer) => (output += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString('utf8')));
  await until(() => output, (o) => o.includes('Ctrl-C stops it') || child?.exitCode !== null, 'npm start to be up', 90_000, 200);
  const m = /health\s+(http:\/\/127\.0\.0\.1:\d+)\/healthz/.exec(output);
  if (!m) throw new Error(`npm start did not come up:\n${output}`);
  return m[1]!;
}

async function stop(): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

/** The banner: the lines before the JSON logs of later events. */
const banner = () => output.slice(output.indexOf('tekton-events is running'), output.indexOf('Ctrl-C stops it'));

async function asSuperuser<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const password = (await readFile(path.join(dir, 'pg.password'), 'utf8')).trim();
  const port = Number((await readFile(path.join(dir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[3]);
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

afterAll(async () => {
  await stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('npm start', () => {
  it('runs each function as its own role over SCRAM, prints generated tokens once, and brings Postgres back after SIGKILL', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tekton-events-start-'));
    await chmod(dir, 0o755);
    const url = await start({ QUERY_TOKEN: USER_QUERY_TOKEN });
    const tokens = JSON.parse(await readFile(path.join(dir, 'tokens.json'), 'utf8')) as { ingest: string; query: string };
    expect(banner()).not.toContain(USER_QUERY_TOKEN);
    expect(banner()).toContain('your QUERY_TOKEN');
    expect(banner().split(tokens.ingest)).toHaveLength(2); // printed exactly once
    expect(banner()).not.toContain(tokens.query); // generated but not in use: never printed

    const list = () => fetch(`${url}${API}/ci/results`, { headers: { authorization: `Bearer ${USER_QUERY_TOKEN}` } });
    expect((await list()).status).toBe(200);
    const sessions = await asSuperuser(async (c) => (await c.query<{ usename: string; application_name: string }>(
      `select distinct usename, application_name from pg_stat_activity where application_name like 'tekton-events %' order by 2`,
    )).rows);
    expect(sessions).toEqual(expect.arrayContaining([
      { usename: 'tekton_events_ingest', application_name: 'tekton-events ingest' },
      { usename: 'tekton_events_query', application_name: 'tekton-events query' },
    ]));
    expect(sessions.filter((s) => s.usename === 'postgres')).toEqual([]);
    const hba = (await readFile(path.join(dir, 'pg', 'pg_hba.conf'), 'utf8')).split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
    expect(hba.every((l) => l.trim().endsWith('scram-sha-256'))).toBe(true);

    const pid = Number((await readFile(path.join(dir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0]);
    process.kill(pid, 'SIGKILL');
    await until(async () => (await list().catch(() => undefined))?.status, (s) => s === 200 && output.includes('the embedded Postgres is running again'), 'queries to answer again after the restart', 60_000, 250);
    expect(output).toContain('the embedded Postgres stopped; restarting it');
    await stop();

    // Second run, tokens from the first: none is printed again.
    await start({});
    expect(banner()).not.toContain(tokens.ingest);
    expect(banner()).not.toContain(tokens.query);
    expect(banner()).toContain('tokens.json');
    await stop();
    // Two starts (initdb, infra apply), a crash and a recovery: far longer than one test's default on a busy machine.
  }, 300_000);
});
