import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { eventCe, newRun, query, send, storedEvent } from '../helpers/ce.js';
import { until } from '../helpers/until.js';
import { startReceiver, type Receiver } from './receiver.js';
import { api, quiet } from './helpers.js';

const TEAM_A = 'team-a-token-0123456789';
const ALL = 'all-namespaces-token-0123';

let srv: TestServer;
let rx: Receiver;
let dir: string;

beforeAll(async () => {
  rx = await startReceiver();
  dir = await mkdtemp(path.join(tmpdir(), 'hooks-tokens-'));
  const file = path.join(dir, 'tokens.yaml');
  await writeFile(file, ['tokens:', `  - token: ${TEAM_A}`, '    namespaces: [team-a]', `  - token: ${ALL}`, '    namespaces: ["*"]', '    verbs: [get, list, delete]', ''].join('\n'));
  srv = await startTestServer({
    SUBSCRIPTION_ALLOW_PRIVATE_TARGETS: 'true',
    WEBHOOK_TIMEOUT_SECONDS: '1',
    WEBHOOK_MAX_AGE_SECONDS: '2',
    QUERY_TOKENS_FILE: file,
  });
  await srv.fns.dispatcher.start();
});

afterAll(async () => {
  await srv?.fns.dispatcher.stop();
  await srv?.close();
  await rx?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('subscriptions under query authorization', () => {
  it('cover only namespaces their creator may read', async () => {
    expect((await api(srv.url, 'POST', '', { url: `${rx.url}/a`, namespaces: ['team-a'] }, TEAM_A)).status).toBe(201);
    expect((await api(srv.url, 'POST', '', { url: `${rx.url}/a`, namespaces: ['team-a', 'team-b'] }, TEAM_A)).status).toBe(403);
    const everywhere = await api(srv.url, 'POST', '', { url: `${rx.url}/a` }, TEAM_A);
    expect(everywhere.status).toBe(403);
    expect(everywhere.body.detail).toMatch(/name the namespaces/);
    expect((await api(srv.url, 'POST', '', { url: `${rx.url}/a` }, 'not-a-token-0123456789')).status).toBe(401);
  });

  it('are seen and changed only by callers who may read all they cover', async () => {
    const wide = await api(srv.url, 'POST', '', { url: `${rx.url}/wide` }, ALL);
    expect(wide.status).toBe(201);
    expect(wide.body.namespaces).toBeNull();
    const mine = await api(srv.url, 'GET', '', undefined, TEAM_A);
    expect(mine.body.subscriptions.every((s: { namespaces: string[] }) => s.namespaces.every((n) => n === 'team-a'))).toBe(true);
    expect((await api(srv.url, 'GET', `/${wide.body.id}`, undefined, TEAM_A)).status).toBe(404);
    expect((await api(srv.url, 'DELETE', `/${wide.body.id}`, undefined, TEAM_A)).status).toBe(404);
    expect((await api(srv.url, 'PATCH', `/${wide.body.id}`, { enabled: false }, ALL)).body.enabled).toBe(false);
    expect((await api(srv.url, 'DELETE', `/${wide.body.id}`, undefined, ALL)).status).toBe(200);
    expect((await api(srv.url, 'GET', `/${wide.body.id}`, undefined, ALL)).status).toBe(404);
  });
});

describe('delivery lifetime', () => {
  it('moves a delivery the target never accepts to the dead letters at its maximum age', async () => {
    rx.script('/down', [{ status: 503 }]);
    const sub = await api(srv.url, 'POST', '', { url: `${rx.url}/down`, namespaces: ['team-a'] }, ALL);
    await send(srv.url, [eventCe(storedEvent({ namespace: 'team-a' }), newRun('TaskRun', 'down'), null, 'team-a')]);
    const dead = await until(
      () => api(srv.url, 'GET', `/${sub.body.id}/deliveries?state=failed`, undefined, ALL),
      (r) => r.body.deliveries?.length === 1,
      'the dead letter',
    );
    const d = dead.body.deliveries[0];
    expect(d.attempts).toBeGreaterThanOrEqual(1);
    expect(d.last_status).toBe(503);
    expect(d.last_error).toMatch(/maximum age/);
    expect(d.next_attempt_time).toBeNull();
  });

  it('goes with its Result when the Result is deleted', async () => {
    const sub = await api(srv.url, 'POST', '', { url: `${rx.url}/kept`, namespaces: ['team-a'] }, ALL);
    const run = newRun('PipelineRun', 'to-delete');
    await send(srv.url, [eventCe(storedEvent({ namespace: 'team-a', regardingKind: 'PipelineRun', regardingName: run.name }), run, null, 'team-a')]);
    await until(() => api(srv.url, 'GET', `/${sub.body.id}/deliveries`, undefined, ALL), (r) => r.body.deliveries?.length === 1, 'the delivery');
    const del = await query(srv.url, `/team-a/results/${run.uid}`, { method: 'DELETE', headers: { authorization: `Bearer ${ALL}` } });
    expect(del.status).toBe(200);
    expect((await api(srv.url, 'GET', `/${sub.body.id}/deliveries`, undefined, ALL)).body.deliveries).toHaveLength(0);
    const { rows } = await srv.db.pool.query(`select count(*)::int8 as n from webhook_changes where ce_subject like '%/to-delete'`);
    expect(Number(rows[0].n)).toBe(0);
  });
});

describe('the outbox', () => {
  it('is not written for changes no subscription covers', async () => {
    await quiet(srv.db.pool);
    await send(srv.url, [eventCe(storedEvent({ namespace: 'nobody-here' }), newRun('TaskRun', 'unwatched'), null, 'nobody-here')]);
    const { rows } = await srv.db.pool.query(`select count(*)::int8 as n from webhook_changes where namespace = 'nobody-here'`);
    expect(Number(rows[0].n)).toBe(0);
  });
});
