/**
 * `tkn-events subscription …` end to end: the real bin against a real server, which runs the
 * CloudEvents webhook handshake against a receiver on 127.0.0.1.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { QUERY_TOKEN, startTestServer, type TestServer } from '../helpers/server.js';
import { startReceiver, type Receiver } from '../webhooks/receiver.js';
import { EventsClient } from '../../shared/client/index.js';

const BIN = path.resolve(import.meta.dirname, '../../cli/tkn-events.mjs');
const TEAM_TOKEN = 'cli-sub-team-a-token-0123';
const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

let srv: TestServer;
let rx: Receiver;
let home: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const base = { PATH: process.env['PATH'] ?? '', HOME: home, TKN_EVENTS_SERVER: srv.url, TKN_EVENTS_TOKEN: QUERY_TOKEN };
  return new Promise((resolve) => {
    execFile(BIN, args, { env: { ...base, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  rx = await startReceiver();
  home = await mkdtemp(path.join(tmpdir(), 'tkn-events-sub-home-'));
  const tokens = path.join(home, 'tokens.yaml');
  await writeFile(tokens, `tokens:\n  - token: ${TEAM_TOKEN}\n    namespaces: [team-a]\n`);
  srv = await startTestServer({ QUERY_TOKENS_FILE: tokens, SUBSCRIPTION_ALLOW_PRIVATE_TARGETS: 'true', WEBHOOK_TIMEOUT_SECONDS: '2' });
});
afterAll(async () => {
  await srv?.close();
  await rx?.close();
  await rm(home, { recursive: true, force: true });
});

describe('tkn-events subscription', () => {
  it('creates a subscription, prints its id and the secret once, and lists it', async () => {
    const r = await cli(['subscription', 'create', '--url', `${rx.url}/ci`, '-n', 'ci', '-n', 'team-a', '--kinds', 'run', '--filter', 'status.reason == "Failed"', '--secret', SECRET]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^tkn-events: warning: store the secret now: it is shown only this once[^\n]*\n$/);
    const m = /^id: (\S+)\nsecret: (\S+)\n$/.exec(r.stdout);
    expect(m).not.toBeNull();
    const [, id, secret] = m!;
    expect(secret).toBe(SECRET);
    // the server stored what the flags asked for
    const api = await new EventsClient({ server: srv.url, token: QUERY_TOKEN }).listSubscriptions();
    const stored = api.subscriptions.find((s) => s.id === id)!;
    expect(stored).toMatchObject({ url: `${rx.url}/ci`, namespaces: ['ci', 'team-a'], kinds: ['run'], filter: 'status.reason == "Failed"', enabled: true });

    const table = await cli(['sub', 'ls']);
    expect(table.code).toBe(0);
    expect(table.stderr).toBe('');
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID +URL +NAMESPACES +KINDS +FILTER +ENABLED$/);
    expect(lines.find((l) => l.startsWith(id!))).toMatch(new RegExp(`^${id} +${rx.url}/ci +ci,team-a +run +status\\.reason == "Failed" +yes$`));
    expect(table.stdout).not.toContain(SECRET);

    const json = await cli(['sub', 'list', '-o', 'json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(api.subscriptions);
    const yaml = await cli(['subscription', 'list', '--output', 'yaml']);
    expect(parse(yaml.stdout)).toEqual(api.subscriptions);
    expect(json.stdout + yaml.stdout).not.toContain('secret');
  });

  it('generates a secret when none is given, and answers JSON with it once', async () => {
    const r = await cli(['sub', 'create', '--url', `${rx.url}/all`, '--namespaces', 'ci', '-o', 'json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('store the secret now');
    const created = JSON.parse(r.stdout) as { id: string; secret: string; namespaces: string[]; kinds: string[] };
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(created.namespaces).toEqual(['ci']);
    expect(created.kinds.sort()).toEqual(['event', 'run']);
  });

  it('prints the server\'s reason when the target refuses the handshake, and stores nothing', async () => {
    rx.refuseHandshake('/refuses');
    const before = (await new EventsClient({ server: srv.url, token: QUERY_TOKEN }).listSubscriptions()).subscriptions.length;
    const r = await cli(['sub', 'create', '--url', `${rx.url}/refuses`]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^tkn-events: bad request \(400\): the target refused the CloudEvents webhook handshake: [^\n]+\n$/);
    expect((await new EventsClient({ server: srv.url, token: QUERY_TOKEN }).listSubscriptions()).subscriptions).toHaveLength(before);
  });

  it('refuses bad flags before calling the server', async () => {
    const kinds = await cli(['sub', 'create', '--url', `${rx.url}/x`, '--kinds', 'event,pod']);
    expect(kinds.code).toBe(2);
    expect(kinds.stderr).toBe('tkn-events: --kinds "event,pod": expected a comma-separated list of event, run\n');
    const noUrl = await cli(['sub', 'create']);
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toContain("required option '--url <url>' not specified");
  });

  it('answers 403 to a token that may not read the namespaces asked for', async () => {
    const r = await cli(['sub', 'create', '--url', `${rx.url}/x`, '-n', 'ci'], { TKN_EVENTS_TOKEN: TEAM_TOKEN });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/^tkn-events: forbidden \(403\): /);
  });

  it('deletes a subscription; a second delete is not found', async () => {
    const created = await new EventsClient({ server: srv.url, token: QUERY_TOKEN }).createSubscription({ url: `${rx.url}/gone`, namespaces: ['ci'] });
    const r = await cli(['sub', 'delete', created.id]);
    expect(r).toEqual({ code: 0, stdout: `deleted subscription ${created.id}\n`, stderr: '' });
    const list = await cli(['sub', 'list', '-o', 'json']);
    expect((JSON.parse(list.stdout) as { id: string }[]).map((s) => s.id)).not.toContain(created.id);
    const again = await cli(['subscription', 'rm', created.id]);
    expect(again.code).toBe(5);
    expect(again.stderr).toMatch(/^tkn-events: not found \(404\): /);
  });
});
