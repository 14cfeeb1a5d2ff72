/**
 * `tkn-events` end to end: the real bin, spawned as a user (or `tkn`) runs it, against a real
 * server holding the sample run. Output and exit codes are what scripts rely on.
 */
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { QUERY_TOKEN, startTestServer, type TestServer } from '../helpers/server.js';
import { send } from '../helpers/ce.js';
import { sampleBatches, SAMPLE } from '../../sample/failedPipelineRun.js';
import { EventsClient, type Timeline } from '../../shared/client/index.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'cli/tkn-events.mjs');
const TEAM_TOKEN = 'cli-test-team-a-token-0123';
const PR = SAMPLE.pipelineRun.name;
const HEADLINE = 'build-image: step-build was OOMKilled (exit 137) after 3× FailedScheduling: Insufficient memory';

let srv: TestServer;
let home: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the bin with a clean environment: no real config file, no colour settings of this shell. */
function cli(args: string[], env: Record<string, string> = {}, file = BIN): Promise<Run> {
  const base = { PATH: process.env['PATH'] ?? '', HOME: home, TKN_EVENTS_SERVER: srv.url, TKN_EVENTS_TOKEN: QUERY_TOKEN };
  return new Promise((resolve) => {
    execFile(file, args, { env: { ...base, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'tkn-events-home-'));
  const tokens = path.join(home, 'tokens.yaml');
  await writeFile(tokens, `tokens:\n  - token: ${TEAM_TOKEN}\n    namespaces: [team-a]\n`);
  srv = await startTestServer({ QUERY_TOKENS_FILE: tokens });
  for (const batch of sampleBatches()) expect((await send(srv.url, batch as Record<string, unknown>[])).status).toBe(200);
});
afterAll(async () => {
  await srv.close();
  await rm(home, { recursive: true, force: true });
});

describe('tkn-events', () => {
  it('prints the headline, the TaskRuns and the Events of a PipelineRun, without colour in a pipe', async () => {
    const r = await cli(['pipelinerun', PR, '-n', 'ci']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(HEADLINE);
    expect(r.stdout).not.toContain('\u001b[');
    expect(r.stdout).toMatch(/^PipelineRun ci\/build-and-deploy-x7k2p {2}FAILURE \(Failed\) {2}started 2026-11-24 09:00:00Z, took 3m10s$/m);
    expect(r.stdout).toMatch(/^build-image +build-and-deploy-x7k2p-build-image +FAILURE +Failed +\+0:22 +2m46s +build: 137 OOMKilled, push: - Skipped$/m);
    expect(r.stdout).toMatch(/^unit-tests +\S+ +CANCELLED +TaskRunCancelled /m);
    expect(r.stdout).toMatch(/^ {2}1\. build-image: step-build was OOMKilled \(exit 137\)$/m);
    // every Event, one line each, notes whole in a pipe
    const sched = lines.find((l) => l.startsWith('+') && l.includes('FailedScheduling'))!;
    expect(sched).toMatch(/^\+0:22 +build-image +Pod\/build-and-deploy-x7k2p-build-image-pod +Warning +FailedScheduling +3× +0\/3 nodes are available: 3 Insufficient memory\. preemption: 0\/3 nodes are available: 3 No preemption victims found for incoming pod\.$/);
    expect(lines.filter((l) => /^[+-]\d+:\d\d /.test(l))).toHaveLength(28);
  });

  it('prints the same timeline as the API in JSON and YAML', async () => {
    const api: Timeline = await new EventsClient({ server: srv.url, token: QUERY_TOKEN }).timeline('ci', 'PipelineRun', PR);
    const json = await cli(['pr', PR, '-n', 'ci', '-o', 'json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(api);
    const yaml = await cli(['pipelinerun', PR, '-n', 'ci', '--output', 'yaml']);
    expect(yaml.code).toBe(0);
    expect(parse(yaml.stdout)).toEqual(api);
  });

  it('prints a TaskRun with its PipelineRun', async () => {
    const r = await cli(['taskrun', `${PR}-unit-tests`, '-n', 'ci']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('unit-tests: was cancelled (TaskRunCancelled)');
    expect(r.stdout).toContain(`part of PipelineRun ci/${PR}`);
    expect(r.stdout).toMatch(/Killing +Stopping container step-test/);
  });

  it('lists runs, filtered by status and by CEL', async () => {
    const failed = await cli(['list', '-n', 'ci', '--status', 'failed']);
    expect(failed.code).toBe(0);
    expect(failed.stdout).toMatch(/^NAME +KIND +STATUS +REASON +STARTED +DURATION +UID$/m);
    expect(failed.stdout).toMatch(new RegExp(`^${PR} +PipelineRun +FAILURE +Failed +2026-11-24 09:00:00Z +3m10s +${SAMPLE.pipelineRun.uid}$`, 'm'));
    const none = await cli(['list', '-n', 'ci', '--status', 'succeeded']);
    expect(none).toMatchObject({ code: 0, stdout: 'No runs found.\n' });
    const all = await cli(['ls', '-A', '-o', 'json', '--filter', 'summary.status != SUCCESS']);
    expect(all.code).toBe(0);
    expect(JSON.parse(all.stdout).map((r: { name: string }) => r.name)).toEqual([`ci/results/${SAMPLE.pipelineRun.uid}`]);
    const badFilter = await cli(['list', '-n', 'ci', '--filter', 'summary.status ==']);
    expect(badFilter.code).toBe(2);
    expect(badFilter.stderr).toMatch(/^tkn-events: bad request \(400\): filter: .+\n$/);
  });

  it('exits 3 with one line for a missing or wrong token', async () => {
    const missing = await cli(['pr', PR, '-n', 'ci'], { TKN_EVENTS_TOKEN: '' });
    expect(missing.code).toBe(3);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toMatch(/^tkn-events: not authenticated \(401\): missing token: .*pass --token, set TKN_EVENTS_TOKEN, or put token: in .*config\.yaml\n$/);
    const wrong = await cli(['pr', PR, '-n', 'ci', '--token', 'not-the-token-0123456789']);
    expect(wrong.code).toBe(3);
    expect(wrong.stderr.split('\n')).toHaveLength(2);
  });

  it('exits 4 for a namespace the token may not read', async () => {
    const r = await cli(['pr', PR, '-n', 'ci', '--token', TEAM_TOKEN]);
    expect(r.code).toBe(4);
    expect(r.stderr).toBe('tkn-events: forbidden (403): this token may not read namespace "ci"\n');
  });

  it('exits 5 for a run that is not stored', async () => {
    const r = await cli(['pr', 'no-such-run', '-n', 'ci']);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/^tkn-events: not found \(404\): no PipelineRun "no-such-run" in namespace "ci" is stored.*\n$/);
  });

  it('exits 6 when the server cannot be reached', async () => {
    // a port nothing listens on any more
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((r) => probe.close(() => r()));
    const r = await cli(['pr', PR, '-n', 'ci', '--server', `http://127.0.0.1:${port}`]);
    expect(r.code).toBe(6);
    expect(r.stderr).toBe(`tkn-events: cannot reach http://127.0.0.1:${port} (ECONNREFUSED); is the server running? Set it with --server or TKN_EVENTS_SERVER\n`);
  });

  it('exits 2 for bad usage', async () => {
    expect((await cli(['pr', PR, '-o', 'xml'])).code).toBe(2);
    expect((await cli(['list', '--status', 'exploded'])).code).toBe(2);
    expect((await cli(['pr'])).code).toBe(2);
    expect((await cli(['pr', PR, '--max-events', '0'])).code).toBe(2);
    expect((await cli(['pr', PR, '--server', 'not a url'])).code).toBe(2);
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('pipelinerun|pr');
  });

  it('reads server, token and namespace from its config file; env and flags win over it', async () => {
    const xdg = path.join(home, 'xdg');
    await mkdir(path.join(xdg, 'tkn-events'), { recursive: true });
    const file = path.join(xdg, 'tkn-events', 'config.yaml');
    await writeFile(file, `server: ${srv.url}\ntoken: ${QUERY_TOKEN}\nnamespace: ci\n`, { mode: 0o600 });
    const fromFile = await cli(['pr', PR], { XDG_CONFIG_HOME: xdg, TKN_EVENTS_SERVER: '', TKN_EVENTS_TOKEN: '' });
    expect(fromFile.stderr).toBe('');
    expect(fromFile.stdout.split('\n')[0]).toBe(HEADLINE);
    const envWins = await cli(['pr', PR], { XDG_CONFIG_HOME: xdg, TKN_EVENTS_SERVER: '', TKN_EVENTS_TOKEN: 'env-token-that-is-wrong-01' });
    expect(envWins.code).toBe(3);
    const flagWins = await cli(['pr', PR, '-n', 'team-a'], { XDG_CONFIG_HOME: xdg, TKN_EVENTS_SERVER: '', TKN_EVENTS_TOKEN: '' });
    expect(flagWins.code).toBe(5);

    await chmod(file, 0o644);
    const loose = await cli(['pr', PR], { XDG_CONFIG_HOME: xdg, TKN_EVENTS_SERVER: '', TKN_EVENTS_TOKEN: '' });
    expect(loose.code).toBe(0);
    expect(loose.stderr).toContain(`warning: ${file} holds a token and is readable by others`);

    await writeFile(file, 'server: [oops\n');
    const broken = await cli(['pr', PR], { XDG_CONFIG_HOME: xdg });
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(new RegExp(`^tkn-events: the config file ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is not valid YAML`));
    await writeFile(file, 'sever: http://typo\n');
    expect((await cli(['pr', PR], { XDG_CONFIG_HOME: xdg })).stderr).toContain('it takes server, token and namespace');
  });

  it('is the bin package.json names, and runs through a symlink on PATH as `tkn` plugins are found', async () => {
    const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(path.resolve(ROOT, pkg.bin['tkn-events']!)).toBe(BIN);
    expect((await readFile(BIN, 'utf8')).startsWith('#!/usr/bin/env node\n')).toBe(true);
    const binDir = path.join(home, 'bin');
    await mkdir(binDir, { recursive: true });
    await symlink(BIN, path.join(binDir, 'tkn-events'));
    const r = await cli(['pr', PR, '-n', 'ci'], { PATH: `${binDir}:${process.env['PATH'] ?? ''}` }, 'tkn-events');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(HEADLINE);
  });
});
