import { CloudEvent } from 'cloudevents';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Delivery, parseRetryAfter, type DeliveryOptions } from '../../forwarder/deliver.js';
import { ForwarderMetrics } from '../../forwarder/metrics.js';
import { logger } from '../../shared/log.js';
import { startSink, type Sink } from './sink.js';
import { untilTrue } from '../helpers/until.js';

let sink: Sink;
let metrics: ForwarderMetrics;
beforeEach(async () => {
  sink = await startSink();
  metrics = new ForwarderMetrics();
});
afterEach(async () => {
  await sink.close();
});

function delivery(over: Partial<DeliveryOptions> = {}): Delivery {
  return new Delivery({
    sink: sink.url,
    token: 'tok',
    batchSize: 10,
    flushIntervalMs: 20,
    bufferSize: 1000,
    concurrency: 1,
    metrics,
    log: logger,
    baseDelayMs: 1,
    maxDelayMs: 5,
    ...over,
  });
}

const ce = (id: string) => new CloudEvent({ type: 'dev.tekton.results.event.v1', source: '/test', id, data: { n: id } });
const ids = (n: number, prefix = 'e') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
const count = async (c: { get(): Promise<{ values: { value: number }[] }> }) => (await c.get()).values.reduce((s, v) => s + v.value, 0);

const until = (cond: () => boolean, what: string) => untilTrue(cond, what, 20_000, 5);

describe('Delivery', () => {
  it('sends full batches at once and the rest after the flush interval, each event once', async () => {
    const d = delivery({ concurrency: 1 });
    for (const id of ids(25)) await d.enqueue({ ce: ce(id) });
    await until(() => sink.received.flatMap((r) => r.ids).length === 25, 'all events');
    expect(sink.received.map((r) => r.ids.length)).toEqual([10, 10, 5]);
    expect(sink.received.flatMap((r) => r.ids).sort()).toEqual(ids(25).sort());
    expect(sink.received[0]!.headers['content-type']).toMatch(/^application\/cloudevents-batch\+json/);
    expect(sink.received[0]!.headers['authorization']).toBe('Bearer tok');
    expect(await d.flush(5000)).toBe(true);
    expect(await count(metrics.sent)).toBe(25);
  });

  it('sends a lone event in binary mode', async () => {
    const d = delivery();
    await d.enqueue({ ce: ce('ns/üid/1') });
    await until(() => sink.received.length === 1, 'one request');
    expect(sink.received[0]!.headers['ce-id']).toBe('ns/%C3%BCid/1');
    expect(sink.received[0]!.ids).toEqual(['ns/üid/1']);
    expect(JSON.parse(sink.received[0]!.body)).toEqual({ n: 'ns/üid/1' });
  });

  it('waits at least Retry-After before retrying a 503, then delivers', async () => {
    let calls = 0;
    sink.answer = () => (++calls === 1 ? { status: 503, headers: { 'retry-after': '1' } } : { status: 200 });
    const delivered: string[] = [];
    const d = delivery();
    await d.enqueue({ ce: ce('a'), onDelivered: () => delivered.push('a') });
    await until(() => delivered.length === 1, 'delivery');
    expect(sink.received).toHaveLength(2);
    expect(sink.received[1]!.at - sink.received[0]!.at).toBeGreaterThanOrEqual(950);
    expect(await count(metrics.retried)).toBe(1);
  });

  it('retries network errors and 5xx until the sink answers', async () => {
    let calls = 0;
    sink.answer = () => (++calls <= 3 ? { status: calls === 1 ? 500 : 429 } : { status: 200 });
    const d = delivery();
    await d.enqueue({ ce: ce('a') });
    await until(() => calls === 4, 'fourth attempt');
    await d.flush(5000);
    expect(await count(metrics.sent)).toBe(1);
    expect(await count(metrics.retried)).toBe(3);
  });

  it('does not retry a 4xx: a refused batch is split so only the bad event is dropped, and counted', async () => {
    sink.answer = (r) => (r.ids.includes('bad') ? { status: 400, headers: { 'content-type': 'application/problem+json' }, body: '{"title":"Bad Request"}' } : { status: 200 });
    const delivered: string[] = [];
    const d = delivery({ batchSize: 3 });
    for (const id of ['a', 'bad', 'b']) await d.enqueue({ ce: ce(id), onDelivered: () => delivered.push(id) });
    expect(await d.flush(5000)).toBe(true);
    expect(delivered.sort()).toEqual(['a', 'b']);
    expect(sink.received.map((r) => r.ids)).toEqual([['a', 'bad', 'b'], ['a'], ['bad'], ['b']]);
    expect(await count(metrics.rejected)).toBe(1);
    expect(await count(metrics.retried)).toBe(0);
  });

  it('applies backpressure: enqueue waits while the buffer is full, and the buffer never grows past its bound', async () => {
    sink.answer = () => 'hang';
    const d = delivery({ bufferSize: 5, batchSize: 2, concurrency: 2 });
    const done: boolean[] = [];
    const all = ids(8).map((id, i) => d.enqueue({ ce: ce(id) }).then(() => (done[i] = true)));
    await until(() => sink.received.length === 2, 'two batches in flight');
    await new Promise((r) => setTimeout(r, 100));
    expect(done.filter(Boolean)).toHaveLength(5);
    expect(d.depth).toBe(5);
    expect(d.full).toBe(true);
    sink.answer = () => ({ status: 200 });
    sink.releaseHanging();
    await Promise.all(all);
    expect(await d.flush(5000)).toBe(true);
    expect(sink.received.flatMap((r) => r.ids).sort()).toEqual(ids(8).sort());
  });

  it('flushes everything buffered on shutdown, without waiting for the flush interval', async () => {
    const d = delivery({ flushIntervalMs: 60_000, batchSize: 100 });
    for (const id of ids(7)) await d.enqueue({ ce: ce(id) });
    expect(sink.received).toHaveLength(0);
    expect(await d.flush(5000)).toBe(true);
    expect(sink.received.flatMap((r) => r.ids)).toEqual(ids(7));
    d.stop();
  });

  it('gives up retrying at the shutdown deadline and says so', async () => {
    sink.answer = () => ({ status: 503, headers: { 'retry-after': '30' } });
    const d = delivery();
    await d.enqueue({ ce: ce('a') });
    await until(() => sink.received.length === 1, 'first attempt');
    const started = Date.now();
    expect(await d.flush(200)).toBe(false);
    // woken from its 30 s Retry-After wait by the flush, it gave up at the deadline
    expect(Date.now() - started).toBeLessThan(20_000);
    d.stop();
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates, capped at five minutes', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter('100000')).toBe(300_000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 0)).toBe(10_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});
