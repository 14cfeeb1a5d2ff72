import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { eventCe, newRun, send, statusCe, storedEvent } from '../helpers/ce.js';
import { until } from '../helpers/until.js';
import { startReceiver, type Receiver } from './receiver.js';
import { api, quiet, WEBHOOK_ENV } from './helpers.js';

let srv: TestServer;
let rx: Receiver;

beforeAll(async () => {
  rx = await startReceiver();
  srv = await startTestServer(WEBHOOK_ENV);
  await srv.fns.dispatcher.start();
});

afterAll(async () => {
  await srv?.fns.dispatcher.stop();
  await srv?.close();
  await rx?.close();
});

async function subscribe(path: string, extra: Record<string, unknown> = {}) {
  const res = await api(srv.url, 'POST', '', { url: `${rx.url}${path}`, namespaces: ['ci'], ...extra });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; secret: string };
}

const at = (path: string) => rx.received.filter((r) => r.path === path);

describe('webhook subscriptions', () => {
  it('answer the secret once, in the whsec_ form, and never again', async () => {
    const sub = await subscribe('/once');
    expect(sub.secret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
    const got = await api(srv.url, 'GET', `/${sub.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ id: sub.id, url: `${rx.url}/once`, namespaces: ['ci'], kinds: ['event', 'run'], enabled: true });
    expect(JSON.stringify(got.body)).not.toContain(sub.secret);
    const listed = await api(srv.url, 'GET', '');
    expect(JSON.stringify(listed.body)).not.toContain(sub.secret);
    expect(listed.body.subscriptions.map((s: { id: string }) => s.id)).toContain(sub.id);
    const row = await srv.db.pool.query(`select secret_ciphertext from webhook_subscriptions where id = $1`, [sub.id]);
    expect(row.rows[0].secret_ciphertext).not.toContain(sub.secret.slice(6));
  });

  it('refuse a target that refuses the CloudEvents handshake, saying so', async () => {
    rx.refuseHandshake('/no');
    const res = await api(srv.url, 'POST', '', { url: `${rx.url}/no`, namespaces: ['ci'] });
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(/refused the CloudEvents webhook handshake/);
  });

  it('refuse bad input with the field named', async () => {
    const cases: [unknown, RegExp][] = [
      [{ url: 'ftp://x', namespaces: ['ci'] }, /http or https/],
      [{ url: `${rx.url}/x`, namespaces: ['Not_A_Namespace'] }, /namespaces/],
      [{ url: `${rx.url}/x`, namespace: ['ci'] }, /namespace/],
      [{ url: `${rx.url}/x`, namespaces: ['ci'], secret: 'whsec_short' }, /secret/],
      [{ url: `${rx.url}/x`, namespaces: ['ci'], kinds: ['pod'] }, /kinds/],
    ];
    for (const [body, re] of cases) {
      const res = await api(srv.url, 'POST', '', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.detail).toMatch(re);
    }
  });
});

describe('webhook deliveries', () => {
  it('arrive as structured CloudEvents with the stored state id, verified by standardwebhooks', async () => {
    const sub = await subscribe('/ok');
    const run = newRun('TaskRun', 'build-1');
    const e = storedEvent({ reason: 'FailedScheduling', type: 'Warning', rv: 7 });
    expect((await send(srv.url, [eventCe(e, run, null)])).status).toBe(200);
    const [got] = await until(() => at('/ok'), (l) => l.length >= 1, 'the delivery');
    expect(got!.headers['content-type']).toMatch(/^application\/cloudevents\+json/);
    const verified = new Webhook(sub.secret).verify(got!.body, got!.headers) as Record<string, unknown>;
    expect(verified).toMatchObject({
      specversion: '1.0',
      type: 'dev.tekton.results.event.v1',
      id: `${e.metadata.uid}/7`,
      subject: 'namespaces/ci/taskruns/build-1',
      datacontenttype: 'application/json',
    });
    expect(got!.headers['webhook-id']).toBe(`${e.metadata.uid}/7`);
    const data = verified['data'] as { event: { reason: string }; run: unknown; pipelineRun: unknown };
    expect(data.event.reason).toBe('FailedScheduling');
    expect(data.run).toEqual(run);
    expect(data.pipelineRun).toBeNull();
    // A signature under another secret does not verify.
    expect(() => new Webhook('whsec_' + Buffer.alloc(32, 1).toString('base64')).verify(got!.body, got!.headers)).toThrow();
  });

  it('count a repeat once per change and a resent state not at all', async () => {
    await subscribe('/repeat');
    const run = newRun('TaskRun', 'build-2');
    const e1 = storedEvent({ reason: 'BackOff', count: 1, rv: 10 });
    const e2 = { ...e1, metadata: { ...e1.metadata, resourceVersion: '11' }, series: { count: 2, lastObservedTime: '2026-01-02T03:05:05Z' } };
    await send(srv.url, [eventCe(e1, run, null)]);
    await send(srv.url, [eventCe(e1, run, null)]); // the same state again
    await send(srv.url, [eventCe(e2, run, null)]);
    await until(() => at('/repeat'), (l) => l.length >= 2, 'two deliveries');
    await quiet(srv.db.pool);
    const ids = at('/repeat').map((r) => r.headers['webhook-id']);
    expect(ids.sort()).toEqual([`${e1.metadata.uid}/10`, `${e1.metadata.uid}/11`]);
  });

  it('deliver a finished run as dev.tekton.results.run.v1', async () => {
    await subscribe('/runs', { kinds: ['run'] });
    const pr = newRun('PipelineRun', 'pr-done');
    const tr = newRun('TaskRun', 'pr-done-build');
    await send(srv.url, [eventCe(storedEvent({}), tr, pr)]);
    await send(srv.url, [statusCe(tr, pr, { reason: 'Failed', message: 'step build exited 1', steps: [{ name: 'build', exitCode: 1, reason: 'Error' }] }, 900)]);
    const [got] = await until(() => at('/runs'), (l) => l.length >= 1, 'the run delivery');
    const ce = JSON.parse(got!.body);
    expect(ce).toMatchObject({ type: 'dev.tekton.results.run.v1', id: `${tr.uid}/900`, subject: 'namespaces/ci/taskruns/pr-done-build' });
    expect(ce.data).toMatchObject({ run: tr, pipelineRun: { name: pr.name, uid: pr.uid }, status: { reason: 'Failed' } });
    expect(at('/runs')).toHaveLength(1); // kinds: ['run'] — the Event was not delivered here
  });

  it('cover only the namespaces they name', async () => {
    await subscribe('/other', { namespaces: ['other'] });
    await subscribe('/mine');
    await send(srv.url, [eventCe(storedEvent({ namespace: 'ci' }), newRun('TaskRun', 'ns-1'), null)]);
    await until(() => at('/mine'), (l) => l.length >= 1, 'the delivery in ci');
    await quiet(srv.db.pool);
    expect(at('/other')).toHaveLength(0);
  });

  it('deliver only what their CEL filter matches', async () => {
    await subscribe('/sched', { filter: 'event.reason == "FailedScheduling" && run.kind == "TaskRun"' });
    await subscribe('/failed', { filter: 'kind == "run" && status.reason == "Failed"' });
    const run = newRun('TaskRun', 'filtered');
    await send(srv.url, [
      eventCe(storedEvent({ reason: 'Scheduled' }), run, null),
      eventCe(storedEvent({ reason: 'FailedScheduling', type: 'Warning' }), run, null),
      statusCe(run, null, { reason: 'Succeeded', steps: [] }, 50),
    ]);
    await send(srv.url, [statusCe(run, null, { reason: 'Failed', steps: [] }, 60)]);
    await until(() => at('/failed'), (l) => l.length >= 1, 'the failed run');
    await quiet(srv.db.pool);
    expect(at('/sched').map((r) => JSON.parse(r.body).data.event.reason)).toEqual(['FailedScheduling']);
    expect(at('/failed').map((r) => JSON.parse(r.body).id)).toEqual([`${run.uid}/60`]);
  });

  it('refuse a filter that does not compile, naming the problem', async () => {
    const res = await api(srv.url, 'POST', '', { url: `${rx.url}/bad`, namespaces: ['ci'], filter: 'event.reason ==' });
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(/filter/i);
  });

  it('follow the answers: 429 waits for Retry-After, 503 backs off, then 200 is delivered', async () => {
    const sub = await subscribe('/flaky');
    rx.script('/flaky', [{ status: 429, headers: { 'retry-after': '1' } }, { status: 503 }, { status: 200 }]);
    await send(srv.url, [eventCe(storedEvent({ rv: 3 }), newRun('TaskRun', 'flaky'), null)]);
    const got = await until(() => at('/flaky'), (l) => l.length >= 3, 'three attempts');
    expect(got[1]!.at - got[0]!.at).toBeGreaterThanOrEqual(1000); // Retry-After: 1 honoured
    expect(new Set(got.map((r) => r.headers['webhook-id'])).size).toBe(1);
    const list = await until(
      () => api(srv.url, 'GET', `/${sub.id}/deliveries`),
      (r) => r.body.deliveries?.[0]?.state === 'delivered',
      'the delivery recorded as delivered',
    );
    const d = list.body.deliveries[0];
    expect(d).toMatchObject({ state: 'delivered', attempts: 3, last_status: 200, next_attempt_time: null });
    expect(d.attempt_log.map((a: { status: number }) => a.status)).toEqual([200, 503, 429]);
  });

  it('disable the subscription on 410 Gone and deliver nothing more to it', async () => {
    const sub = await subscribe('/gone');
    rx.script('/gone', [{ status: 410 }]);
    await send(srv.url, [eventCe(storedEvent({}), newRun('TaskRun', 'gone-1'), null)]);
    const s = await until(() => api(srv.url, 'GET', `/${sub.id}`), (r) => r.body.enabled === false, 'the subscription disabled');
    expect(s.body.disabled_reason).toMatch(/410 Gone/);
    const d = await api(srv.url, 'GET', `/${sub.id}/deliveries?state=failed`);
    expect(d.body.deliveries).toHaveLength(1);
    await send(srv.url, [eventCe(storedEvent({}), newRun('TaskRun', 'gone-2'), null)]);
    await quiet(srv.db.pool);
    expect(at('/gone')).toHaveLength(1);
    expect((await api(srv.url, 'GET', `/${sub.id}/deliveries`)).body.deliveries).toHaveLength(1);
  });

  it('redeliver on request, with the same webhook-id', async () => {
    const sub = await subscribe('/again');
    await send(srv.url, [eventCe(storedEvent({}), newRun('TaskRun', 'again'), null)]);
    await until(() => at('/again'), (l) => l.length >= 1, 'the first delivery');
    const list = await until(() => api(srv.url, 'GET', `/${sub.id}/deliveries`), (r) => r.body.deliveries?.[0]?.state === 'delivered', 'delivered');
    const id = list.body.deliveries[0].id;
    const res = await api(srv.url, 'POST', `/${sub.id}/deliveries/${id}/redeliver`);
    expect(res.status).toBe(202);
    const got = await until(() => at('/again'), (l) => l.length >= 2, 'the redelivery');
    expect(got[1]!.headers['webhook-id']).toBe(got[0]!.headers['webhook-id']);
  });

  it('keep a hanging target from slowing ingest or other targets', async () => {
    const hang = await startReceiver();
    try {
      hang.script('/h', ['hang']);
      const res = await api(srv.url, 'POST', '', { url: `${hang.url}/h`, namespaces: ['ci'] });
      expect(res.status).toBe(201);
      await subscribe('/beside');
      const before = at('/beside').length;
      const run = newRun('TaskRun', 'busy');
      for (let i = 0; i < 20; i++) {
        expect((await send(srv.url, [eventCe(storedEvent({ rv: 100 + i }), run, null)])).status).toBe(200);
      }
      await until(() => at('/beside').length - before, (n) => n >= 20, 'every delivery to the healthy target');
      // The hanging target holds at most its bound of requests, however many wait for it.
      expect(hang.held()).toBeGreaterThan(0);
      expect(hang.held()).toBeLessThanOrEqual(4);
    } finally {
      await hang.close();
    }
  });
});
