/**
 * Compressed request bodies: senders that gzip or deflate what they post (as
 * functions-framework's parsers accepted) are stored as if sent plain; a body that would inflate
 * past MAX_BODY_BYTES, a corrupt one and an unknown encoding are refused with a clear status.
 */
import { deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INGEST_TOKEN, startTestServer, type TestServer } from '../helpers/server.js';
import { eventCe, newRun, storedEvent } from '../helpers/ce.js';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer({ MAX_BODY_BYTES: '65536' });
});
afterAll(() => srv.close());

function post(body: Buffer, encoding: string, type = 'application/cloudevents-batch+json'): Promise<Response> {
  return fetch(`${srv.url}/ingest`, {
    method: 'POST',
    headers: { 'content-type': type, 'content-encoding': encoding, authorization: `Bearer ${INGEST_TOKEN}` },
    body: body,
  });
}

async function storedNames(runName: string): Promise<string[]> {
  const { rows } = await srv.db.pool.query<{ name: string }>(
    `select e.event->'metadata'->>'name' as name from record_events e join records r on r.id = e.record_id where r.run_name = $1 order by 1`,
    [runName],
  );
  return rows.map((r) => r.name);
}

describe('Content-Encoding of request bodies', () => {
  it('stores a gzipped batch and a deflated structured event as if they were sent plain', async () => {
    const run = newRun('TaskRun', 'compressed');
    const a = eventCe(storedEvent({ rv: 101, name: 'pod.gz' }), run, null);
    const b = eventCe(storedEvent({ rv: 102, name: 'pod.deflate' }), run, null);
    const gz = await post(gzipSync(JSON.stringify([a])), 'gzip');
    expect(gz.status, await gz.clone().text()).toBe(200);
    expect(await gz.json()).toEqual({ accepted: 1 });
    expect((await post(deflateSync(JSON.stringify(b)), 'Deflate', 'application/cloudevents+json')).status).toBe(200);
    expect((await post(Buffer.from(JSON.stringify([a])), 'identity')).status).toBe(200);
    expect(await storedNames('compressed')).toEqual(['pod.deflate', 'pod.gz']);
  });

  it('refuses a small body that inflates past MAX_BODY_BYTES with 413, without storing anything', async () => {
    const run = newRun('TaskRun', 'bomb');
    const padded = JSON.stringify([eventCe(storedEvent({ rv: 201 }), run, null)]) + ' '.repeat(10_000_000);
    const bomb = gzipSync(padded);
    expect(bomb.length).toBeLessThan(65_536);
    const res = await post(bomb, 'gzip');
    expect(res.status).toBe(413);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/larger than the limit of 65536 bytes/);
    expect(await storedNames('bomb')).toEqual([]);
  });

  it('answers 400 to a body that is not what its encoding says, and 415 to an encoding it does not speak', async () => {
    const broken = await post(Buffer.from('not gzip at all'), 'gzip');
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { detail: string }).detail).toMatch(/not valid gzip data/);
    const br = await post(Buffer.from('[]'), 'br');
    expect(br.status).toBe(415);
    expect(((await br.json()) as { detail: string }).detail).toMatch(/unsupported Content-Encoding "br"/);
  });
});
