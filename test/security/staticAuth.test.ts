import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../shared/config.js';
import { parseTokenFile } from '../../functions/query/staticAuth.js';
import { buildAuthorizer } from '../../functions/runtime.js';
import { startTestServer, QUERY_TOKEN, type TestServer } from '../helpers/server.js';
import { API, seedPipelineRuns, type Run } from '../helpers/ce.js';

const TEAM_A = 'team-a-reader-token-000001';
const TEAM_AB = 'team-ab-reader-token-00002';
const CLEANER = 'cleanup-token-with-delete-3';
const DIGITS = '12345678901234567890';

let dir: string;
let srv: TestServer;
const runs: Record<string, { pr: Run; tr: Run }> = {};

async function get(token: string | undefined, p: string, init: RequestInit = {}) {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const res = await fetch(`${srv.url}${API}${p}`, { ...init, headers });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as any };
}

const namesOf = (list: { name: string }[]) => list.map((r) => r.name.split('/')[0]).sort();

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tokens-'));
  const file = path.join(dir, 'tokens.yaml');
  await writeFile(
    file,
    [
      'tokens:',
      `  - name: team-a`,
      `    token: ${TEAM_A}`,
      `    namespaces: [team-a]`,
      `  - token: "${TEAM_AB}"`,
      `    namespaces: [team-a, team-b]`,
      `  - name: cleanup`,
      `    sha256: ${createHash('sha256').update(CLEANER).digest('hex')}`,
      `    namespaces: ["*"]`,
      `    verbs: [get, list, delete]`,
      `  - token: ${DIGITS}`,
      `    namespaces: [team-c]`,
      '',
    ].join('\n'),
  );
  srv = await startTestServer({ QUERY_TOKENS_FILE: file });
  Object.assign(runs, await seedPipelineRuns(srv.url, ['team-a', 'team-b', 'team-c']));
});

afterAll(async () => {
  await srv?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('static query authorisation (QUERY_TOKENS_FILE)', () => {
  it('lets a token read its own namespace and answers 403 problem+json for another', async () => {
    expect((await get(TEAM_A, '/team-a/results')).status).toBe(200);
    const refused = await get(TEAM_A, '/team-b/results');
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    expect(refused.body).toMatchObject({ status: 403, code: 7, title: 'Forbidden' });
    const pr = runs['team-b']!.pr;
    expect((await get(TEAM_A, `/team-b/results/${pr.uid}`)).status).toBe(403);
    expect((await get(TEAM_A, `/team-b/results/${pr.uid}/records`)).status).toBe(403);
  });

  it('shows only the allowed namespaces under the parent "-", for results and for records', async () => {
    const results = await get(TEAM_AB, '/-/results');
    expect(results.status).toBe(200);
    expect(namesOf(results.body.results)).toEqual(['team-a', 'team-b']);
    const records = await get(TEAM_A, '/-/results/-/records');
    // the EventList and run record of each of team-a's two runs
    expect(namesOf(records.body.records)).toEqual(['team-a', 'team-a', 'team-a', 'team-a']);
    const other = runs['team-b']!.pr;
    const byResult = await get(TEAM_A, `/-/results/${other.uid}/records`);
    expect(byResult.status).toBe(200);
    expect(byResult.body.records).toEqual([]);
  });

  it('answers 404 only for what the token may read and does not exist', async () => {
    const missing = await get(TEAM_A, '/team-a/results/00000000-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);
    // In a namespace it may not read, a missing result is 403, so existence is not revealed.
    expect((await get(TEAM_A, '/team-b/results/00000000-0000-4000-8000-000000000000')).status).toBe(403);
  });

  it('answers 401 with WWW-Authenticate for no token, a wrong token, or a token in the query string', async () => {
    for (const res of [
      await get(undefined, '/team-a/results'),
      await get('not-a-known-token-at-all', '/team-a/results'),
      await get(undefined, `/team-a/results?access_token=${TEAM_A}`),
    ]) {
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(res.body).toMatchObject({ status: 401, code: 16 });
    }
  });

  it('lets a file token read only, unless its entry lists delete', async () => {
    const { pr } = runs['team-a']!;
    const refused = await get(TEAM_A, `/team-a/results/${pr.uid}`, { method: 'DELETE' });
    expect(refused.status).toBe(403);
    expect((await get(TEAM_A, `/team-a/results/${pr.uid}`)).status).toBe(200);
    const del = await get(CLEANER, `/team-a/results/${pr.uid}`, { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect((await get(CLEANER, `/team-a/results/${pr.uid}`)).status).toBe(404);
  });

  it('matches a token stored only as its SHA-256, and a token of digits kept as text', async () => {
    const all = await get(CLEANER, '/-/results');
    expect(namesOf(all.body.results)).toEqual(['team-b', 'team-c']);
    const digits = await get(DIGITS, '/-/results');
    expect(namesOf(digits.body.results)).toEqual(['team-c']);
  });

  it('keeps QUERY_TOKEN as a token for every namespace next to the file', async () => {
    const res = await get(QUERY_TOKEN, '/-/results');
    expect(res.status).toBe(200);
    expect(namesOf(res.body.results)).toEqual(['team-b', 'team-c']);
  });
});

describe('token file validation', () => {
  it('reads the same table from JSON as from YAML', () => {
    const json = parseTokenFile(JSON.stringify({ tokens: [{ token: TEAM_A, namespaces: ['team-a'] }] }), 'test');
    const yaml = parseTokenFile(`tokens:\n  - token: ${TEAM_A}\n    namespaces: [team-a]\n`, 'test');
    expect(json).toEqual(yaml);
    expect(json[0]!.namespaces).toEqual(['team-a']);
    expect([...json[0]!.verbs]).toEqual(['get', 'list']);
  });

  it.each([
    ['a short token', `tokens:\n  - token: short\n    namespaces: [a]\n`, /at least 16/],
    ['both token and sha256', `tokens:\n  - token: ${TEAM_A}\n    sha256: ${'a'.repeat(64)}\n    namespaces: [a]\n`, /exactly one/],
    ['no namespaces', `tokens:\n  - token: ${TEAM_A}\n    namespaces: []\n`, /namespace/],
    ['an invalid namespace', `tokens:\n  - token: ${TEAM_A}\n    namespaces: ["../etc"]\n`, /namespace/],
    ['an unknown verb', `tokens:\n  - token: ${TEAM_A}\n    namespaces: [a]\n    verbs: [create]\n`, /verbs/],
    ['an unknown field', `tokens:\n  - token: ${TEAM_A}\n    namespace: [a]\n`, /namespace/],
    ['a repeated token', `tokens:\n  - token: ${TEAM_A}\n    namespaces: [a]\n  - token: ${TEAM_A}\n    namespaces: [b]\n`, /repeats/],
    ['broken YAML', `tokens: [\n`, /not valid YAML/],
  ])('refuses a file with %s, naming the problem but never the token', (_what, text, message) => {
    let err: unknown;
    try {
      parseTokenFile(text, 'tokens.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain(TEAM_A);
  });

  it('fails at start when static mode has no token at all, or the file is missing', async () => {
    const base = { DATABASE_URL: srv.db.url, INGEST_TOKEN: 'x'.repeat(16) };
    await expect(buildAuthorizer(loadConfig(base), srv.db.pool)).rejects.toThrow(/QUERY_TOKEN or a QUERY_TOKENS_FILE/);
    await expect(buildAuthorizer(loadConfig({ ...base, QUERY_TOKENS_FILE: path.join(dir, 'nope.yaml') }), srv.db.pool)).rejects.toThrow(
      /cannot be read: ENOENT/,
    );
  });
});
