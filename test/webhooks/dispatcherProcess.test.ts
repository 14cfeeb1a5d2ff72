/**
 * The long-running dispatcher as its Deployment runs it (functions/dispatch/main.ts): it
 * delivers, serves /healthz, /readyz and /metrics on DISPATCH_PORT, and on SIGTERM finishes
 * the attempt in flight, records its outcome and exits 0.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { eventCe, newRun, send, storedEvent } from '../helpers/ce.js';
import { until } from '../helpers/until.js';
import { startReceiver, type Receiver } from './receiver.js';
import { api } from './helpers.js';
import { spawnEntry } from '../helpers/process.js';

const ENV = { SUBSCRIPTION_ALLOW_PRIVATE_TARGETS: 'true', WEBHOOK_TIMEOUT_SECONDS: '20' };

let srv: TestServer;
let rx: Receiver;
let child: ChildProcess | undefined;

beforeAll(async () => {
  rx = await startReceiver();
  srv = await startTestServer(ENV);
});

afterAll(async () => {
  child?.kill('SIGKILL');
  await srv?.close();
  await rx?.close();
});

/** Starts main.ts on a free port; resolves with the port its "dispatcher running" log line names. */
async function startDispatcherProcess(): Promise<{ port: number; exited: Promise<number | null>; messages: () => string[] }> {
  const p = spawnEntry('functions/dispatch/main.ts', [], { ...process.env, ...ENV, DATABASE_URL: srv.db.url, DISPATCH_PORT: '0', LOG_LEVEL: 'info' });
  child = p.proc;
  const port = await p.portFrom('dispatcher running');
  return { port, exited: p.exit, messages: p.messages };
}

describe('the long-running dispatcher', () => {
  it('delivers, serves its probes and metrics, and on SIGTERM records the attempt in flight before it exits 0', async () => {
    rx.script('/slow', ['hang']);
    const sub = await api(srv.url, 'POST', '', { url: `${rx.url}/slow`, namespaces: ['ci'] });
    expect(sub.status).toBe(201);
    const { port, exited, messages } = await startDispatcherProcess();
    const ops = `http://127.0.0.1:${port}`;

    expect((await fetch(`${ops}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${ops}/readyz`)).json()).toEqual({ status: 'ready' });
    expect((await fetch(`${ops}/metrics`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${ops}/dispatch`)).status).toBe(404);

    expect((await send(srv.url, [eventCe(storedEvent({ rv: 7001 }), newRun('TaskRun', 'graceful'), null)])).status).toBe(200);
    await until(() => rx.held(), (n) => n === 1, 'the delivery in flight, held by the target');

    child!.kill('SIGTERM');
    // The target answers only after the signal: the stopping dispatcher still records it.
    await until(() => messages().some((m) => m.startsWith('dispatcher stopping')), Boolean, 'the dispatcher to take the signal');
    expect(child!.exitCode).toBeNull();
    rx.release(200);
    expect(await exited).toBe(0);
    child = undefined;

    const d = await api(srv.url, 'GET', `/${sub.body.id}/deliveries`);
    expect(d.body.deliveries).toHaveLength(1);
    expect(d.body.deliveries[0]).toMatchObject({ state: 'delivered', attempts: 1, last_status: 200 });
    await expect(fetch(`${ops}/healthz`)).rejects.toThrow();
  });

  it('counts its deliveries in /metrics', async () => {
    rx.script('/ok', [{ status: 200 }]);
    expect((await api(srv.url, 'POST', '', { url: `${rx.url}/ok`, namespaces: ['ops'] })).status).toBe(201);
    const { port, exited } = await startDispatcherProcess();
    expect((await send(srv.url, [eventCe(storedEvent({ namespace: 'ops', rv: 7002 }), newRun('TaskRun', 'counted'), null, 'ops')])).status).toBe(200);
    const text = await until(
      async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text(),
      (t) => /^tekton_events_webhook_delivered_total 1$/m.test(t),
      'the delivery counted',
    );
    expect(text).toMatch(/^tekton_events_webhook_pending \d+$/m);
    child!.kill('SIGTERM');
    expect(await exited).toBe(0);
    child = undefined;
  });
});
