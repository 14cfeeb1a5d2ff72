/**
 * A dispatcher process killed in the middle of a batch: what it had delivered stays delivered,
 * what it held in flight is delivered by the next one, and no id is accepted twice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { eventCe, newRun, send, storedEvent } from '../helpers/ce.js';
import { until } from '../helpers/until.js';
import { startReceiver, type Receiver } from './receiver.js';
import { api } from './helpers.js';

const ENV = { SUBSCRIPTION_ALLOW_PRIVATE_TARGETS: 'true', WEBHOOK_TIMEOUT_SECONDS: '2', WEBHOOK_TARGET_CONCURRENCY: '4' };
const TOTAL = 30;
const BEFORE_KILL = 10;

let srv: TestServer;
let rx: Receiver;
let child: ChildProcess | undefined;

beforeAll(async () => {
  rx = await startReceiver();
  srv = await startTestServer(ENV);
});

afterAll(async () => {
  child?.kill('SIGKILL');
  await srv?.fns.dispatcher.stop();
  await srv?.close();
  await rx?.close();
});

function startDispatcherProcess(): ChildProcess {
  const p = spawn(process.execPath, ['--import', 'tsx', 'functions/dispatch/main.ts'], {
    cwd: process.cwd(),
    env: { ...process.env, ...ENV, DATABASE_URL: srv.db.url, LOG_LEVEL: 'silent' },
    stdio: 'ignore',
  });
  return p;
}

async function deliveredInDb(): Promise<number> {
  const { rows } = await srv.db.pool.query<{ n: number }>(`select count(*)::int8 as n from webhook_deliveries where state = 'delivered'`);
  return Number(rows[0]!.n);
}

describe('a dispatcher killed mid-batch', () => {
  it('delivers nothing twice by id and loses nothing', async () => {
    // The first BEFORE_KILL deliveries are accepted; every later request is held unanswered.
    rx.script('/k', [...Array.from({ length: BEFORE_KILL }, () => ({ status: 200 })), 'hang']);
    const sub = await api(srv.url, 'POST', '', { url: `${rx.url}/k`, namespaces: ['ci'] });
    expect(sub.status).toBe(201);
    const run = newRun('TaskRun', 'crash');
    const events = Array.from({ length: TOTAL }, (_, i) => storedEvent({ rv: 1000 + i }));
    for (const e of events) expect((await send(srv.url, [eventCe(e, run, null)])).status).toBe(200);

    child = startDispatcherProcess();
    await until(
      async () => ({ db: await deliveredInDb(), held: rx.held(), ok: rx.received.filter((r) => r.answered === 200).length }),
      (s) => s.db === BEFORE_KILL && s.ok === BEFORE_KILL && s.held > 0,
      'some deliveries recorded and others held in flight',
    );
    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    child = undefined;

    // From now on the target accepts everything; a new dispatcher takes over.
    rx.script('/k', [{ status: 200 }]);
    await srv.fns.dispatcher.start();
    await until(deliveredInDb, (n) => n === TOTAL, 'every delivery made', 55_000);

    const accepted = rx.received.filter((r) => r.path === '/k' && r.answered === 200).map((r) => r.headers['webhook-id']!);
    expect(accepted).toHaveLength(TOTAL);
    expect(new Set(accepted)).toEqual(new Set(events.map((e) => `${e.metadata.uid}/${e.metadata.resourceVersion}`)));
  });
});
