/**
 * Webhook benchmark (`npm run bench -- webhooks`):
 *  (a) ingest events/s with no subscription and with 100, in alternating rounds in one run
 *      (the machine's speed drifts; alternating lets the drift weigh on both alike). With
 *      subscriptions each write also fills the outbox (in the append statement); the dispatcher is
 *      paused meanwhile, so (a) prices the outbox on the write path, not two processes sharing
 *      two cores;
 *  (b) deliveries/s: the dispatcher drains that backlog (every change × 100 subscriptions) to a
 *      local receiver on 127.0.0.1;
 *  (c) ingest-to-delivery latency: Events ingested at a steady rate while the dispatcher runs,
 *      timed from the start of the ingest request to the receiver having the delivery.
 * Functions, dispatcher and receiver run in this process, over one embedded Postgres.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../shared/config.js';
import { buildFunctions } from '../functions/runtime.js';
import { listen, routeAll } from '../functions/server.js';
import { closeServer } from '../test/helpers/server.js';
import { insertSubscription } from '../shared/store/subscriptions.js';
import { generateSecret, secretBox } from '../shared/webhooks/secret.js';
import { outboxSink } from '../shared/webhooks/outboxSink.js';
import { EVENT_TYPE, type StoredEvent } from '../shared/event.js';
import { benchDatabase, fmt, timed, type Row } from './harness.js';

const TOKEN = 'bench-webhooks-token-0123456789';
const SUBSCRIPTIONS = 100;
const BATCH = 100;
const REQUESTS_PER_ROUND = 200;
const CONCURRENCY = 8;
const ROUNDS = 5;
const LATENCY_EVENTS = 100;
const DRAIN_CHANGES = 200;
const LATENCY_RATE = 5; // events/s while the dispatcher runs

function ce(i: number, run: { name: string; uid: string }): Record<string, unknown> {
  const t = new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
  const uid = randomUUID();
  const event: StoredEvent = {
    metadata: { name: `pod.${i}`, namespace: 'bench', uid, resourceVersion: String(1000 + i), creationTimestamp: t },
    regarding: { kind: 'Pod', name: 'build-pod', namespace: 'bench', apiVersion: 'v1', fieldPath: 'spec.containers{step-build}', taskName: 'build' },
    reason: i % 3 ? 'Pulled' : 'BackOff',
    note: 'Back-off restarting failed container step-build in pod build-pod',
    type: i % 3 ? 'Normal' : 'Warning',
    reportingController: 'kubelet',
  };
  return {
    specversion: '1.0',
    type: EVENT_TYPE,
    source: '/tekton-events/forwarder/bench',
    id: `${uid}/${1000 + i}`,
    subject: `namespaces/bench/taskruns/${run.name}`,
    datacontenttype: 'application/json',
    data: { event, run: { kind: 'TaskRun', ...run }, pipelineRun: null },
  };
}

let serial = 0;
function batches(n: number, size: number): string[] {
  return Array.from({ length: n }, () => {
    const run = { name: `tr-${serial}`, uid: randomUUID() };
    return JSON.stringify(Array.from({ length: size }, () => ce(serial++, run)));
  });
}

async function post(url: string, body: string): Promise<void> {
  const res = await fetch(`${url}/ingest`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/cloudevents-batch+json' }, body });
  if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function runWebhooksBench(): Promise<Row[]> {
  const db = await benchDatabase(8);
  const arrivals = new Map<string, number>();
  let received = 0;
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received++;
      const id = String(req.headers['webhook-id']);
      if (!arrivals.has(id)) arrivals.set(id, performance.now());
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const rxUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: db.url,
    INGEST_TOKEN: TOKEN,
    QUERY_TOKEN: TOKEN,
    SUBSCRIPTION_ALLOW_PRIVATE_TARGETS: 'true',
    WEBHOOK_TARGET_CONCURRENCY: '16',
    WEBHOOK_CONCURRENCY: '64',
  });
  const fns = await buildFunctions(config, db.pool);
  const { server, url } = await listen(routeAll(fns), config.MAX_BODY_BYTES, 0);
  const sink = outboxSink(db.pool);
  try {
    const box = await secretBox(db.pool, undefined);
    for (let i = 0; i < SUBSCRIPTIONS; i++) {
      await insertSubscription(db.pool, { url: `${rxUrl}/hook/${i}`, filter: '', namespaces: ['bench'], kinds: ['event', 'run'], secretCiphertext: box.seal(generateSecret()) });
    }
    const setSubscriptions = async (on: boolean) => {
      await db.pool.query({ text: `update webhook_subscriptions set enabled = $1`, values: [on] });
      await sink.refresh();
    };
    const step = (what: string) => process.stderr.write(`webhooks: ${what}\n`);
    step('warm-up');
    await Promise.all(batches(20, BATCH).map((b) => post(url, b))); // warm-up: lists, plans, JIT

    // (a) alternating rounds without and with subscriptions
    const rate = { without: [] as number[], with: [] as number[] };
    for (let r = 0; r < ROUNDS; r++) {
      for (const mode of ['without', 'with'] as const) {
        step(`round ${r + 1}, ${mode} subscriptions`);
        await setSubscriptions(mode === 'with');
        const bodies = batches(REQUESTS_PER_ROUND, BATCH);
        const seconds = await timed(bodies.length, CONCURRENCY, (i) => post(url, bodies[i]!));
        rate[mode].push((bodies.length * BATCH) / seconds);
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const without = median(rate.without);
    const withSubs = median(rate.with);
    const cost = 1 - withSubs / without;

    // (b) drain the backlog: every change stored with subscriptions on × 100 subscriptions
    // Drained: the first DRAIN_CHANGES changes of that backlog (the rest only priced the writes).
    await db.pool.query({
      text: `delete from webhook_changes where not fanned_out and id not in (select id from webhook_changes where not fanned_out order by id limit $1)`,
      values: [DRAIN_CHANGES],
    });
    const { rows } = await db.pool.query<{ n: number }>(`select count(*)::int8 as n from webhook_changes where not fanned_out`);
    const expected = Number(rows[0]!.n) * SUBSCRIPTIONS;
    step(`draining ${expected} deliveries`);
    const start = performance.now();
    received = 0;
    await fns.dispatcher.start();
    while (received < expected) await new Promise((r) => setTimeout(r, 50));
    const drainSeconds = (performance.now() - start) / 1000;
    if (process.env['BENCH_DIAG']) process.stderr.write((await fns.dispatcher.metrics.registry.metrics()).split('\n').filter((l) => /_(sum|count|total) /.test(l)).join('\n') + '\n');

    // (c) latency at a steady ingest rate, dispatcher running
    step('latency');
    arrivals.clear();
    const sentAt = new Map<string, number>();
    for (let i = 0; i < LATENCY_EVENTS; i++) {
      const body = batches(1, 1)[0]!;
      sentAt.set(JSON.parse(body)[0].id as string, performance.now());
      await post(url, body);
      await new Promise((r) => setTimeout(r, 1000 / LATENCY_RATE));
    }
    while (arrivals.size < LATENCY_EVENTS) await new Promise((r) => setTimeout(r, 50));
    const latencies = [...sentAt].map(([id, t]) => arrivals.get(id)! - t).sort((a, b) => a - b);
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    return [
      { benchmark: `ingest, no subscription (batches of ${BATCH}, ${CONCURRENCY} clients)`, figure: `${fmt(without)} events/s` },
      { benchmark: `ingest, ${SUBSCRIPTIONS} subscriptions (outbox rows written with the Events)`, figure: `${fmt(withSubs)} events/s` },
      { benchmark: 'what subscriptions cost ingest', figure: `${fmt(cost * 100, 1)} %`, target: '< 20 %', met: cost < 0.2 },
      { benchmark: `deliveries to a local receiver (${fmt(expected)} = changes × ${SUBSCRIPTIONS})`, figure: `${fmt(expected / drainSeconds)} deliveries/s` },
      { benchmark: `ingest-to-delivery p50 (${LATENCY_RATE} events/s × ${SUBSCRIPTIONS} subscriptions)`, figure: `${fmt(p50)} ms` },
      { benchmark: 'ingest-to-delivery p99', figure: `${fmt(p99)} ms`, target: '< 1000 ms', met: p99 < 1000 },
    ];
  } catch (err) {
    process.stderr.write(`webhooks benchmark failed: ${(err as Error).stack ?? String(err)}\n`);
    throw err;
  } finally {
    await fns.dispatcher.stop();
    sink.stop();
    await closeServer(server);
    await closeServer(receiver);
    await db.close();
  }
}
