import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { INGEST_TOKEN, startTestServer, type TestServer } from '../helpers/server.js';
import { eventCe, eventList, jsonOf, newRun, query, send, statusCe, storedEvent, type SendMode } from '../helpers/ce.js';
import { eventListRecordId } from '../../shared/names.js';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => {
  await srv.close();
});

async function counts(): Promise<{ results: number; records: number; events: number }> {
  const { rows } = await srv.db.pool.query<{ results: number; records: number; events: number }>(
    `select (select count(*)::int from results) as results, (select count(*)::int from records) as records,
            (select count(*)::int from record_events) as events`,
  );
  return rows[0]!;
}

async function itemsOf(ns: string, resultUid: string, runUid: string) {
  const rec = await query(srv.url, `/${ns}/results/${resultUid}/records/${eventListRecordId(resultUid, runUid)}`);
  expect(rec.status).toBe(200);
  return eventList(rec.body).items;
}

/**
 * Runs `setup` in a transaction held open while `request` starts, commits it 300 ms later, and
 * returns the request's answer: a deterministic interleaving with a concurrent writer.
 */
async function whileHeld(setup: (client: pg.PoolClient) => Promise<unknown>, request: () => Promise<Response>): Promise<Response> {
  const client = await srv.db.pool.connect();
  try {
    await client.query('begin');
    await setup(client);
    const pending = request();
    await new Promise((r) => setTimeout(r, 300));
    await client.query('commit');
    return await pending;
  } finally {
    client.release();
  }
}

describe('ingest', () => {
  it.each<SendMode>(['binary', 'structured', 'batch'])('stores an event sent in %s mode and creates its result and record', async (mode) => {
    const pr = newRun('PipelineRun', `pr-${mode}`);
    const tr = newRun('TaskRun', `pr-${mode}-build`);
    const e = storedEvent({ reason: 'FailedScheduling', type: 'Warning' });
    const res = await send(srv.url, [eventCe(e, tr, pr)], mode);
    expect(res.status).toBe(200);
    const result = await query(srv.url, `/ci/results/${pr.uid}`);
    expect(result.status).toBe(200);
    expect(result.body.name).toBe(`ci/results/${pr.uid}`);
    expect(result.body.annotations).toEqual({ 'tekton.dev/pipelineRun': pr.name, 'object.metadata.name': pr.name });
    const items = await itemsOf('ci', pr.uid, tr.uid);
    expect(items).toEqual([e]);
  });

  it('stores a standalone TaskRun under a result of its own', async () => {
    const tr = newRun('TaskRun', 'standalone');
    const e = storedEvent({ taskName: 'standalone' });
    expect((await send(srv.url, [eventCe(e, tr, null)])).status).toBe(200);
    expect(await itemsOf('ci', tr.uid, tr.uid)).toEqual([e]);
  });

  it('stores the same CloudEvent twice as one item', async () => {
    const tr = newRun('TaskRun', 'twice');
    const e = storedEvent({});
    expect((await send(srv.url, [eventCe(e, tr, null)])).status).toBe(200);
    expect((await send(srv.url, [eventCe(e, tr, null)], 'binary')).status).toBe(200);
    expect(await itemsOf('ci', tr.uid, tr.uid)).toHaveLength(1);
  });

  it('replaces an Event with its newer state and never with an older one arriving late', async () => {
    const tr = newRun('TaskRun', 'series');
    const uid = randomUUID();
    const base = { uid, reason: 'BackOff', type: 'Warning', first: '2026-01-02T03:04:05Z' };
    const s2 = storedEvent({ ...base, count: 2, rv: 110, last: '2026-01-02T03:05:00Z' });
    const s4 = storedEvent({ ...base, count: 4, rv: 130, last: '2026-01-02T03:07:00Z' });
    const s3 = storedEvent({ ...base, count: 3, rv: 120, last: '2026-01-02T03:06:00Z' });
    for (const s of [s2, s4, s3]) expect((await send(srv.url, [eventCe(s, tr, null)])).status).toBe(200);
    const items = await itemsOf('ci', tr.uid, tr.uid);
    expect(items).toHaveLength(1);
    expect(items[0]!.series).toEqual({ count: 4, lastObservedTime: '2026-01-02T03:07:00Z' });
  });

  it('orders ties in count and time by resourceVersion as a number', async () => {
    const tr = newRun('TaskRun', 'rv-order');
    const uid = randomUUID();
    const a = storedEvent({ uid, rv: 99, note: 'older' });
    const b = storedEvent({ uid, rv: 100, note: 'newer' });
    await send(srv.url, [eventCe(b, tr, null)]);
    await send(srv.url, [eventCe(a, tr, null)]);
    expect((await itemsOf('ci', tr.uid, tr.uid))[0]!.note).toBe('newer');
  });

  it('keeps the newest state when one batch holds several states of one Event', async () => {
    const tr = newRun('TaskRun', 'batch-states');
    const uid = randomUUID();
    const states = [3, 1, 5, 2].map((c) => storedEvent({ uid, count: c, rv: 100 + c, last: `2026-01-02T03:0${c}:00Z` }));
    expect((await send(srv.url, states.map((s) => eventCe(s, tr, null)))).status).toBe(200);
    const items = await itemsOf('ci', tr.uid, tr.uid);
    expect(items.map((i) => i.series?.count)).toEqual([5]);
  });

  it('orders items by first observed time', async () => {
    const tr = newRun('TaskRun', 'ordered');
    const times = ['2026-01-02T03:00:03Z', '2026-01-02T03:00:01Z', '2026-01-02T03:00:02Z'];
    await send(srv.url, times.map((t, i) => eventCe(storedEvent({ first: t, reason: `R${i}` }), tr, null)));
    expect((await itemsOf('ci', tr.uid, tr.uid)).map((i) => i.reason)).toEqual(['R1', 'R2', 'R0']);
  });

  it('loses no update when 50 concurrent requests append to one EventList', async () => {
    const pr = newRun('PipelineRun', 'concurrent');
    const tr = newRun('TaskRun', 'concurrent-build');
    const events = Array.from({ length: 50 }, (_, i) => storedEvent({ reason: `Reason${i}` }));
    const answers = await Promise.all(events.map((e, i) => send(srv.url, [eventCe(e, tr, pr)], i % 2 ? 'binary' : 'batch')));
    expect(answers.map((r) => r.status)).toEqual(events.map(() => 200));
    const items = await itemsOf('ci', pr.uid, tr.uid);
    expect(new Set(items.map((i) => i.metadata.uid))).toEqual(new Set(events.map((e) => e.metadata.uid)));
    const { rows } = await srv.db.pool.query({ text: 'select count(*)::int as n from results where name = $1', values: [pr.uid] });
    expect(rows[0].n).toBe(1);
  });

  it('creates one result and one record when many requests see a new run at once', async () => {
    const pr = newRun('PipelineRun', 'first-sight');
    const trs = Array.from({ length: 5 }, (_, i) => newRun('TaskRun', `first-sight-${i}`));
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => send(srv.url, [eventCe(storedEvent({}), trs[i % 5]!, pr), eventCe(storedEvent({}), trs[(i + 1) % 5]!, pr)])),
    );
    expect(answers.every((r) => r.status === 200)).toBe(true);
    const { rows } = await srv.db.pool.query({
      text: `select count(distinct r.id)::int as results, count(rec.id)::int as records
               from results r join records rec on rec.result_id = r.id where r.name = $1`,
      values: [pr.uid],
    });
    expect(rows[0]).toEqual({ results: 1, records: 5 });
  });

  it('stores a batch atomically: one bad event stores nothing and is named in the problem', async () => {
    const before = await counts();
    const tr = newRun('TaskRun', 'atomic');
    const good = eventCe(storedEvent({}), tr, null);
    const bad = eventCe(storedEvent({}), tr, null) as { data: { event: { reason?: string } } };
    delete bad.data.event.reason;
    const wrongType = { ...eventCe(storedEvent({}), tr, null), type: 'com.example.other' };
    const res = await send(srv.url, [good, bad as Record<string, unknown>, wrongType]);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const problem = await jsonOf(res);
    expect(problem.errors.map((e: { pointer: string }) => e.pointer)).toEqual(['events[1].data.event.reason', 'events[2].type']);
    expect(problem).toMatchObject({ status: 400, code: 3, title: 'Bad Request' });
    expect(await counts()).toEqual(before);
  });

  it('answers 401 without a token or with a wrong one, and stores nothing', async () => {
    const before = await counts();
    const ce = eventCe(storedEvent({}), newRun('TaskRun', 'unauth'), null);
    const none = await fetch(`${srv.url}/ingest`, { method: 'POST', headers: { 'content-type': 'application/cloudevents+json' }, body: JSON.stringify(ce) });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const wrong = await send(srv.url, [ce], 'structured', { authorization: 'Bearer nope-nope-nope-nope' });
    expect(wrong.status).toBe(401);
    expect(await counts()).toEqual(before);
  });

  it('accepts the token as ?access_token=, as the CloudEvents webhook spec requires', async () => {
    const ce = eventCe(storedEvent({}), newRun('TaskRun', 'access-token'), null);
    const res = await fetch(`${srv.url}/ingest?access_token=test-ingest-token-0123456789`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify(ce),
    });
    expect(res.status).toBe(200);
  });

  it('answers 413 for a body over the limit, stays up, and stores nothing', async () => {
    const before = await counts();
    const tr = newRun('TaskRun', 'huge');
    const big = Array.from({ length: 800 }, () => eventCe(storedEvent({ note: 'x'.repeat(1000) }), tr, null));
    const res = await send(srv.url, big);
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await counts()).toEqual(before);
    expect((await fetch(`${srv.url}/healthz`)).status).toBe(200);
  });

  it.each([
    ['text/plain', 415],
    ['application/xml', 415],
    ['', 415],
    ['application/json', 400],
  ])('answers Content-Type "%s" without CloudEvent headers with %i', async (ct, status) => {
    const headers: Record<string, string> = { authorization: 'Bearer test-ingest-token-0123456789' };
    if (ct) headers['content-type'] = ct;
    const res = await fetch(`${srv.url}/ingest`, { method: 'POST', headers, body: '{}' });
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });

  it('matches content types case-insensitively and with parameters', async () => {
    const tr = newRun('TaskRun', 'ct-case');
    const res = await send(srv.url, [eventCe(storedEvent({}), tr, null)], 'structured', {
      'content-type': 'Application/CloudEvents+JSON; charset=UTF-8',
    });
    expect(res.status).toBe(200);
    const batch = await send(srv.url, [eventCe(storedEvent({}), tr, null)], 'batch', {
      'content-type': 'application/cloudevents-batch+json; charset=utf-8',
    });
    expect(batch.status).toBe(200);
  });

  it('percent-decodes binary-mode header values', async () => {
    // The subject is sent as namespaces%2Fci%2Ftaskruns%2Fpct: only decoded does it match the run.
    const tr = newRun('TaskRun', 'pct');
    const res = await send(srv.url, [eventCe(storedEvent({}), tr, null)], 'binary');
    expect(res.status).toBe(200);
    expect(await itemsOf('ci', tr.uid, tr.uid)).toHaveLength(1);
  });

  it('refuses invalid JSON, invalid UTF-8 and NUL characters with 400', async () => {
    const headers = { authorization: 'Bearer test-ingest-token-0123456789', 'content-type': 'application/cloudevents+json' };
    const badJson = await fetch(`${srv.url}/ingest`, { method: 'POST', headers, body: '{"specversion":' });
    expect(badJson.status).toBe(400);
    expect((await jsonOf(badJson)).detail).toMatch(/not valid JSON/);
    const badUtf8 = await fetch(`${srv.url}/ingest`, { method: 'POST', headers, body: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) });
    expect(badUtf8.status).toBe(400);
    expect((await jsonOf(badUtf8)).detail).toMatch(/UTF-8/);
    const nul = await send(srv.url, [eventCe(storedEvent({ note: 'a\u0000b' }), newRun('TaskRun', 'nul'), null)], 'structured');
    expect(nul.status).toBe(400);
    expect((await jsonOf(nul)).detail).toMatch(/NUL/);
  });

  it('refuses a subject that does not name the run in the data', async () => {
    const tr = newRun('TaskRun', 'subject');
    const ce = { ...eventCe(storedEvent({}), tr, null), subject: 'namespaces/ci/taskruns/someone-else' };
    const res = await send(srv.url, [ce], 'structured');
    expect(res.status).toBe(400);
    expect((await jsonOf(res)).errors[0].pointer).toBe('event.subject');
  });

  it('cuts a note over 1 KiB and marks the cut', async () => {
    const tr = newRun('TaskRun', 'long-note');
    await send(srv.url, [eventCe(storedEvent({ note: 'é'.repeat(2000) }), tr, null)]);
    const note = (await itemsOf('ci', tr.uid, tr.uid))[0]!.note;
    expect(Buffer.byteLength(note)).toBeLessThanOrEqual(1024);
    expect(note.endsWith('…')).toBe(true);
  });

  it('fills the result summary from the run status event and ignores an older status', async () => {
    const pr = newRun('PipelineRun', 'status');
    const tr = newRun('TaskRun', 'status-build');
    const trStatus = { reason: 'Failed', message: '"step-build" exited with code 137: OOMKilled', startTime: '2026-01-02T03:00:00Z', completionTime: '2026-01-02T03:05:00Z', steps: [{ name: 'build', exitCode: 137, reason: 'OOMKilled' }] };
    expect((await send(srv.url, [statusCe(tr, pr, trStatus, 700)])).status).toBe(200);
    const prStatus = { reason: 'Failed', message: 'Tasks Completed: 1 (Failed: 1)', startTime: '2026-01-02T03:00:00Z', completionTime: '2026-01-02T03:06:00Z', steps: [] };
    expect((await send(srv.url, [statusCe(pr, null, prStatus, 800)])).status).toBe(200);
    expect((await send(srv.url, [statusCe(pr, null, { ...prStatus, reason: 'Running' }, 790)])).status).toBe(200);
    const result = await query(srv.url, `/ci/results/${pr.uid}`);
    expect(result.body.summary).toEqual({
      // the run record, which summary.type describes, not the EventList
      record: `ci/results/${pr.uid}/records/${pr.uid}`,
      type: 'tekton.dev/v1.PipelineRun',
      status: 'FAILURE',
      start_time: '2026-01-02T03:00:00Z',
      end_time: '2026-01-02T03:06:00Z',
      annotations: { reason: 'Failed', message: 'Tasks Completed: 1 (Failed: 1)' },
    });
    const { rows } = await srv.db.pool.query({ text: 'select run_status from records where run_uid = $1', values: [tr.uid] });
    expect(rows[0].run_status.steps[0]).toEqual({ name: 'build', exitCode: 137, reason: 'OOMKilled' });
  });

  it('creates a deleted run again when its Events keep coming, leaving no orphan items', async () => {
    const pr = newRun('PipelineRun', 'resurrected');
    const tr = newRun('TaskRun', 'resurrected-build');
    expect((await send(srv.url, [eventCe(storedEvent({}), tr, pr)])).status).toBe(200);
    expect((await query(srv.url, `/ci/results/${pr.uid}`, { method: 'DELETE' })).status).toBe(200);
    // Deletes racing appends: every append either lands in a list that exists or re-creates it.
    const racing = await Promise.all([
      ...Array.from({ length: 10 }, () => send(srv.url, [eventCe(storedEvent({}), tr, pr)])),
      query(srv.url, `/ci/results/${pr.uid}`, { method: 'DELETE' }),
    ]);
    expect(racing.slice(0, 10).map((r) => (r as Response).status)).toEqual(Array(10).fill(200));
    const late = storedEvent({ reason: 'Late' });
    expect((await send(srv.url, [eventCe(late, tr, pr)])).status).toBe(200);
    expect((await itemsOf('ci', pr.uid, tr.uid)).map((i) => i.reason)).toContain('Late');
    const { rows } = await srv.db.pool.query(
      'select count(*)::int as orphans from record_events e where not exists (select 1 from records r where r.id = e.record_id)',
    );
    expect(rows[0].orphans).toBe(0);
  });

  it('re-creates a result deleted while a new TaskRun of it is first seen', async () => {
    const pr = newRun('PipelineRun', 'deleted-under');
    const first = newRun('TaskRun', 'deleted-under-a');
    const second = newRun('TaskRun', 'deleted-under-b');
    expect((await send(srv.url, [eventCe(storedEvent({}), first, pr)])).status).toBe(200);
    // Hold the result's deletion open: the append of a new TaskRun finds the result, then waits
    // on it when its new record goes in, and finds it gone once the deletion commits.
    const appended = await whileHeld(
      (c) => c.query({ text: 'delete from results where name = $1', values: [pr.uid] }),
      () => send(srv.url, [eventCe(storedEvent({ reason: 'AfterDelete' }), second, pr)]),
    );
    expect(appended.status).toBe(200);
    expect((await itemsOf('ci', pr.uid, second.uid)).map((i) => i.reason)).toEqual(['AfterDelete']);
    const { rows } = await srv.db.pool.query({
      text: 'select count(*)::int as records from records rec join results r on r.id = rec.result_id where r.name = $1',
      values: [pr.uid],
    });
    expect(rows[0].records).toBe(1);
  });

  it('bumps a list a concurrent writer created after this append began', async () => {
    const pr = newRun('PipelineRun', 'raced-first-sight');
    const tr = newRun('TaskRun', 'raced-first-sight-build');
    // Another writer creates the result and the record and holds them uncommitted: the append
    // starts without seeing them, waits on them, and meets them once they commit.
    const appended = await whileHeld(
      async (c) => {
        const { rows } = await c.query({
          text: `insert into results (parent, name, run_kind, run_name) values ('ci', $1, 'PipelineRun', $2) returning id`,
          values: [pr.uid, pr.name],
        });
        await c.query({
          text: `insert into records (result_id, parent, name, run_kind, run_name, run_uid) values ($1, 'ci', $2, 'TaskRun', $3, $4)`,
          values: [rows[0].id, eventListRecordId(pr.uid, tr.uid), tr.name, tr.uid],
        });
      },
      () => send(srv.url, [eventCe(storedEvent({ reason: 'Raced' }), tr, pr)]),
    );
    expect(appended.status).toBe(200);
    const record = await query(srv.url, `/ci/results/${pr.uid}/records/${eventListRecordId(pr.uid, tr.uid)}`);
    expect(eventList(record.body).items.map((i) => i.reason)).toEqual(['Raced']);
    // Created at version 1 by the other writer, then changed by the append: the etag moved on.
    expect(record.body.etag).toMatch(/-2$/);
  });

  it("moves a result's update_time and etag when a new TaskRun of it is first seen", async () => {
    const pr = newRun('PipelineRun', 'second-task');
    expect((await send(srv.url, [eventCe(storedEvent({}), newRun('TaskRun', 'second-task-a'), pr)])).status).toBe(200);
    const before = (await query(srv.url, `/ci/results/${pr.uid}`)).body;
    // A result's update_time moves at most once a second (many TaskRuns share it).
    await new Promise((r) => setTimeout(r, 1100));
    expect((await send(srv.url, [eventCe(storedEvent({}), newRun('TaskRun', 'second-task-b'), pr)])).status).toBe(200);
    const after = (await query(srv.url, `/ci/results/${pr.uid}`)).body;
    expect(after.etag).not.toBe(before.etag);
    expect(Date.parse(after.update_time)).toBeGreaterThan(Date.parse(before.update_time));
  });

  it('applies a run status whose list is deleted while the status is being stored', async () => {
    const pr = newRun('PipelineRun', 'status-deleted');
    const tr = newRun('TaskRun', 'status-deleted-build');
    expect((await send(srv.url, [eventCe(storedEvent({}), tr, pr)])).status).toBe(200);
    const status = { reason: 'Succeeded', message: 'All Steps have completed executing', startTime: '2026-01-02T03:00:00Z', completionTime: '2026-01-02T03:01:00Z', steps: [] };
    // The store finds the list (the delete is not committed), then waits to lock it.
    const stored = await whileHeld(
      (c) => c.query({ text: 'delete from results where name = $1', values: [pr.uid] }),
      () => send(srv.url, [eventCe(storedEvent({ reason: 'Last' }), tr, pr), statusCe(tr, pr, status, 900)]),
    );
    expect(stored.status).toBe(200);
    const { rows } = await srv.db.pool.query({ text: 'select run_status from records where run_uid = $1', values: [tr.uid] });
    expect(rows).toHaveLength(1);
    expect(rows[0].run_status.reason).toBe('Succeeded');
    expect((await itemsOf('ci', pr.uid, tr.uid)).map((i) => i.reason)).toEqual(['Last']);
  });

  it('deletes a result whose runs are still sending events, and every append still lands', async () => {
    const pr = newRun('PipelineRun', 'busy-delete');
    const trs = Array.from({ length: 4 }, (_, i) => newRun('TaskRun', `busy-delete-${i}`));
    expect((await send(srv.url, trs.map((tr) => eventCe(storedEvent({}), tr, pr)))).status).toBe(200);
    // Last touched a minute ago, so each append also bumps the result: appends then lock the
    // records and the result, as the delete does.
    await srv.db.pool.query({ text: `update results set update_time = now() - interval '1 minute' where name = $1`, values: [pr.uid] });
    const appends = Array.from({ length: 40 }, (_, i) => send(srv.url, [eventCe(storedEvent({}), trs[i % 4]!, pr), eventCe(storedEvent({}), trs[(i + 1) % 4]!, pr)]));
    const deletes = Array.from({ length: 3 }, (_, i) =>
      new Promise((r) => setTimeout(r, 20 * i)).then(() => query(srv.url, `/ci/results/${pr.uid}`, { method: 'DELETE' })),
    );
    expect((await Promise.all(appends)).map((r) => r.status)).toEqual(Array(40).fill(200));
    // Each delete finds the result (re-created by the appends) or answers 404; none fails.
    for (const d of await Promise.all(deletes)) expect([200, 404]).toContain(d.status);
    const { rows } = await srv.db.pool.query(
      'select count(*)::int as orphans from record_events e where not exists (select 1 from records r where r.id = e.record_id)',
    );
    expect(rows[0].orphans).toBe(0);
  });

  it('answers the CloudEvents webhook validation handshake', async () => {
    const res = await fetch(`${srv.url}/ingest`, { method: 'OPTIONS', headers: { 'webhook-request-origin': 'eventemitter.example.com' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('webhook-allowed-origin')).toBe('eventemitter.example.com');
  });

  it("stores a PipelineRun's own Event without a pipeline task, with no taskName", async () => {
    const pr = newRun('PipelineRun', 'own-events');
    const e = storedEvent({ regardingKind: 'PipelineRun', regardingName: pr.name });
    delete (e.regarding as { taskName?: string }).taskName;
    expect((await send(srv.url, [eventCe(e, pr, null)])).status).toBe(200);
    const items = await itemsOf('ci', pr.uid, pr.uid);
    expect(items).toEqual([e]);
    expect(items[0]!.regarding).not.toHaveProperty('taskName');
  });

  it.each([
    ['a lone UTF-16 surrogate in the note', (body: string) => body.replace(/"note":"[^"]*"/, '"note":"cut here \\ud83c"')],
    ['a year-0000 timestamp', (body: string) => body.replaceAll('2026-01-02T03:04:05Z', '0000-01-02T03:04:05Z')],
    ['a NUL in the reason', (body: string) => body.replace(/"reason":"[^"]*"/, '"reason":"Bad\\u0000"')],
  ])('answers 400 for a new run with %s and stores nothing, not even its result', async (_what, spoil) => {
    const before = await counts();
    const tr = newRun('TaskRun', 'refused-new-run');
    const body = spoil(JSON.stringify([eventCe(storedEvent({ taskName: tr.name }), tr, null)]));
    const res = await fetch(`${srv.url}/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents-batch+json', authorization: `Bearer ${INGEST_TOKEN}` },
      body,
    });
    expect(res.status).toBe(400);
    expect((await jsonOf(res)).errors[0].pointer).toMatch(/^events\[0\]\.data\.event\./);
    expect(await counts()).toEqual(before);
  });

  it('answers 400 for an Event whose subject names another namespace, and stores nothing', async () => {
    const before = await counts();
    const tr = newRun('TaskRun', 'other-namespace');
    const res = await send(srv.url, [eventCe(storedEvent({ namespace: 'team-a', taskName: tr.name }), tr, null, 'team-b')]);
    expect(res.status).toBe(400);
    expect((await jsonOf(res)).detail).toMatch(/team-b.*team-a/);
    expect(await counts()).toEqual(before);
  });

  it('lists at most 100 bad events of a batch and says how many more there are', async () => {
    const body = `[${Array(340_000).fill('{}').join(',')}]`;
    const res = await fetch(`${srv.url}/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents-batch+json', authorization: `Bearer ${INGEST_TOKEN}` },
      body,
    });
    expect(res.status).toBe(400);
    const text = await res.text();
    const problem = JSON.parse(text);
    expect(problem.errors).toHaveLength(100);
    expect(problem.detail).toMatch(/340000 problems.*339900 more/);
    expect(text.length).toBeLessThan(64 * 1024);
  });
});
