/**
 * Errors and logs a person can read, from the processes themselves: a bad setting is one line
 * naming it (never its value), a fatal error is said once, Ctrl-C prints only the lines of a
 * clean stop, and no log line carries a secret.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INGEST_TOKEN, QUERY_TOKEN } from '../helpers/server.js';
import { startFakeKube } from '../../devtools/fakeKube/server.js';
import { until } from '../helpers/until.js';
import { emitEvents, standaloneRun, storedEvents } from '../forwarder/e2eHelpers.js';
import { SPAWN_TIMEOUT, killGroup, root, spawnStart, type StartChild } from './startProcess.js';

let dir: string;
const children: StartChild[] = [];
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'start-errors-'));
  // As root, the embedded Postgres runs as the postgres user: mkdtemp's 0700 would shut it out.
  await chmod(dir, 0o755);
});
afterAll(async () => {
  await Promise.all(children.map(killGroup));
  if (dir) await rm(dir, { recursive: true, force: true });
});

const base = () => ({ HOME: dir, TEKTON_EVENTS_DATA: path.join(dir, 'data'), PORT: '0' });

/** Runs `entry` to its exit. */
async function run(entry: string, env: Record<string, string>, args: string[] = []): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', entry, ...args], { cwd: root, env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => proc.on('exit', resolve));
  return { code, stdout, stderr };
}

const lines = (s: string) => s.split('\n').filter((l) => l !== '');

describe('settings checked up front, one line each', () => {
  it('refuses bad settings of npm start and of the forwarder in one line each, naming the setting and not its value', async () => {
    const secret = 'hunter2-not-a-url';
    const [logLevel, notUrl, several, forwarder, forwarderPlain, functions] = await Promise.all([
      run('scripts/start.ts', { ...base(), LOG_LEVEL: 'verbose' }),
      run('scripts/start.ts', { ...base(), DATABASE_URL: 'not-a-url' }),
      run('scripts/start.ts', { ...base(), DATABASE_URL: secret, LOG_LEVEL: 'loud', QUERY_AUTH_MODE: 'ldap' }),
      run('forwarder/main.ts', { ...base(), LOG_LEVEL: 'verbose' }, ['--batch-size=0']),
      run('forwarder/main.ts', { ...base(), LOG_LEVEL: 'verbose' }),
      // the functions-framework entry point, as a deployed function imports it
      run('functions/index.ts', { ...base(), LOG_LEVEL: 'verbose', DATABASE_URL: 'postgres://u:p@db/x' }),
    ]);
    expect(logLevel.code).toBe(2);
    expect(lines(logLevel.stderr)).toEqual(['invalid configuration: LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent']);
    expect(lines(notUrl.stderr)).toEqual([expect.stringMatching(/^invalid configuration: DATABASE_URL: not a Postgres URL: expected postgres:\/\/user:password@host:5432\/database/)]);
    expect(lines(several.stderr)).toEqual([
      expect.stringMatching(/^invalid configuration: DATABASE_URL: not a Postgres URL/),
      expect.stringMatching(/^invalid configuration: QUERY_AUTH_MODE: must be static or kubernetes$/),
      expect.stringMatching(/^invalid configuration: LOG_LEVEL: must be one of/),
    ]);
    expect(several.stderr).not.toContain(secret);
    expect(lines(forwarder.stderr)).toEqual([
      'invalid forwarder configuration: --batch-size (BATCH_SIZE): Too small: expected number to be >=1',
      'invalid forwarder configuration: --log-level (LOG_LEVEL): must be one of fatal, error, warn, info, debug, trace, silent',
    ]);
    expect(lines(forwarderPlain.stderr)).toHaveLength(1);
    expect(lines(functions.stderr)).toEqual(['invalid configuration: LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent']);
    for (const r of [logLevel, notUrl, several, forwarder, forwarderPlain, functions]) {
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
    }
  }, SPAWN_TIMEOUT);

  it('says a fatal error once, in one line, without the password of the database URL', async () => {
    const r = await run('scripts/start.ts', { ...base(), DATABASE_URL: 'postgres://tekton:s3cret-password@127.0.0.1:1/tekton', LOG_LEVEL: 'info' });
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([expect.stringMatching(/^start failed: connect ECONNREFUSED 127\.0\.0\.1:1 \(ECONNREFUSED\)$/)]);
    expect(r.stdout).not.toMatch(/FATAL|ECONNREFUSED/);
    expect(r.stdout + r.stderr).not.toContain('s3cret-password');
  }, SPAWN_TIMEOUT);
});

describe('Ctrl-C', () => {
  it('stops a forwarder holding unsent Events with clean lines, and the next start stores them', async () => {
    const kube = await startFakeKube();
    try {
      const kubeconfig = path.join(dir, 'kubeconfig');
      await kube.writeKubeconfig(kubeconfig);
      const ns = 'ctrl-c';
      const { pod } = standaloneRun(kube, ns, 'buffered');
      emitEvents(kube, pod, 10, new Map(), 'buffered');
      const c = spawnStart(['--cluster'], { ...base(), TEKTON_EVENTS_DATA: path.join(dir, 'data-flush'), INGEST_TOKEN, QUERY_TOKEN, LOG_LEVEL: 'info', KUBECONFIG: kubeconfig, FLUSH_INTERVAL: '10m', BATCH_SIZE: '1000' });
      children.push(c);
      await c.url();
      // The Events watch opens once the listed Events are handled: they are in the buffer, unsent.
      await until(() => kube.requests.some((r) => r.path === '/apis/events.k8s.io/v1/events' && r.query['watch'] === 'true'), Boolean, 'the Events watch');
      const before = c.stdout().length;
      c.ctrlC();
      expect(await c.exit).toBe(0);
      expect(c.stderr()).toBe('');
      const after = lines(c.stdout().slice(before)).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(after.filter((l) => l['severity'] !== 'INFO').map((l) => JSON.stringify(l).slice(0, 600))).toEqual([]);
      // The terminal stopped the embedded Postgres too; the Events still exist in the cluster.
      const again = spawnStart(['--cluster'], { ...base(), TEKTON_EVENTS_DATA: path.join(dir, 'data-flush'), INGEST_TOKEN, QUERY_TOKEN, LOG_LEVEL: 'info', KUBECONFIG: kubeconfig });
      children.push(again);
      const url = await again.url();
      await until(() => storedEvents(url, ns), (items) => items.length === 10, 'the Events stored by the next start');
      again.ctrlC();
      expect(await again.exit).toBe(0);
    } finally {
      await kube.close();
    }
  }, SPAWN_TIMEOUT);

  it('stops npm start and its embedded Postgres with clean shutdown lines only', async () => {
    const c = spawnStart([], { ...base(), INGEST_TOKEN, QUERY_TOKEN, LOG_LEVEL: 'info' });
    children.push(c);
    await c.url();
    const before = c.stdout().length;
    // The terminal sends SIGINT to the whole process group: the embedded Postgres stops at the same moment.
    c.ctrlC();
    expect(await c.exit).toBe(0);
    const after = lines(c.stdout().slice(before));
    expect(c.stderr()).toBe('');
    expect(after.length).toBeGreaterThan(0);
    for (const l of after) {
      const log = JSON.parse(l) as { severity: string; message: string };
      expect(log.severity, l.slice(0, 400)).toBe('INFO');
      expect(l.length).toBeLessThan(300);
    }
    // Secrets stay out of log lines (the banner prints the local tokens on purpose; logs do not).
    const logLines = lines(c.stdout()).filter((l) => l.startsWith('{'));
    for (const l of logLines) expect(l).not.toMatch(new RegExp(`${INGEST_TOKEN}|${QUERY_TOKEN}|password`));
  }, SPAWN_TIMEOUT);
});
