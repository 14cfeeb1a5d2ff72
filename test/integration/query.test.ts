import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { eventCe, eventList, newRun, query, send, storedEvent, type Run } from '../helpers/ce.js';
import { eventListRecordId } from '../../shared/names.js';

let srv: TestServer;
const prs: { pr: Run; trs: Run[] }[] = [];

beforeAll(async () => {
  srv = await startTestServer();
  // Three PipelineRuns in "team-a" with two TaskRuns each, one in "team-b".
  for (const [i, ns] of ['team-a', 'team-a', 'team-a', 'team-b'].entries()) {
    const pr = newRun('PipelineRun', `pr-${i}`);
    const trs = [newRun('TaskRun', `pr-${i}-fetch`), newRun('TaskRun', `pr-${i}-build`)];
    const ces = [
      eventCe(storedEvent({ namespace: ns, reason: 'Started', regardingKind: 'PipelineRun', regardingName: pr.name }), pr, null, ns),
      ...trs.map((tr, j) => eventCe(storedEvent({ namespace: ns, reason: j ? 'FailedScheduling' : 'Scheduled', type: j ? 'Warning' : 'Normal' }), tr, pr, ns)),
    ];
    expect((await send(srv.url, ces)).status).toBe(200);
    prs.push({ pr, trs });
  }
});
afterAll(async () => {
  await srv.close();
});

describe('query API', () => {
  it('lists the results of a namespace with snake_case fields, oldest first', async () => {
    const res = await query(srv.url, '/team-a/results');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.body.results.map((r: { name: string }) => r.name)).toEqual(prs.slice(0, 3).map(({ pr }) => `team-a/results/${pr.uid}`));
    const r = res.body.results[0];
    expect(Object.keys(r).sort()).toEqual(
      ['annotations', 'create_time', 'created_time', 'etag', 'id', 'name', 'summary', 'uid', 'update_time', 'updated_time'].sort(),
    );
    expect(r.create_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(r.created_time).toBe(r.create_time);
    expect(r.etag).toMatch(new RegExp(`^${r.id}-\\d+$`));
    expect(res.body).not.toHaveProperty('next_page_token');
  });

  it('lists every namespace for the parent "-"', async () => {
    const res = await query(srv.url, '/-/results');
    expect(res.body.results).toHaveLength(4);
  });

  it('gets one result and answers 404 for an unknown one', async () => {
    const { pr } = prs[0]!;
    const res = await query(srv.url, `/team-a/results/${pr.uid}`);
    expect(res.status).toBe(200);
    expect(res.body.name).toBe(`team-a/results/${pr.uid}`);
    const missing = await query(srv.url, '/team-a/results/00000000-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
    expect(missing.body).toMatchObject({ status: 404, code: 5, title: 'Not Found' });
    const otherNs = await query(srv.url, `/team-b/results/${pr.uid}`);
    expect(otherNs.status).toBe(404);
  });

  it('lists one EventList record per run, named with the UUID v3 Tekton Results derives', async () => {
    const { pr, trs } = prs[0]!;
    const res = await query(srv.url, `/team-a/results/${pr.uid}/records`);
    expect(res.status).toBe(200);
    const names = res.body.records.map((r: { name: string }) => r.name).sort();
    const expected = [pr, ...trs].map((run) => `team-a/results/${pr.uid}/records/${eventListRecordId(pr.uid, run.uid)}`).sort();
    expect(names).toEqual(expected);
    const rec = res.body.records[0];
    expect(rec.data.type).toBe('results.tekton.dev/v1.EventList');
    expect(eventList(rec)).toMatchObject({ kind: 'EventList', apiVersion: 'events.k8s.io/v1' });
    expect(Object.keys(rec).sort()).toEqual(['create_time', 'created_time', 'data', 'etag', 'id', 'name', 'uid', 'update_time', 'updated_time'].sort());
  });

  it('derives record ids exactly as uuid.NewMD5 (RFC 4122 v3) does', () => {
    // Reference values from Python's uuid.uuid3, which implements the same RFC as Go's uuid.NewMD5.
    expect(eventListRecordId('5b0a3f4e-2c1d-4e8f-9a6b-7c3d2e1f0a9b', 'c3e5a7b9-2d4f-4b6a-9c8e-0f1a2b3c4d5e')).toBe('e3efa9bd-b63f-30ea-b107-deaa4a70176d');
    expect(eventListRecordId('5b0a3f4e-2c1d-4e8f-9a6b-7c3d2e1f0a9b', '5b0a3f4e-2c1d-4e8f-9a6b-7c3d2e1f0a9b')).toBe('ed7dbffa-8fa7-3026-8914-6e5d9bc58da2');
  });

  it('gets one record by name, and lists records of every result with "-"', async () => {
    const { pr, trs } = prs[1]!;
    const id = eventListRecordId(pr.uid, trs[1]!.uid);
    const one = await query(srv.url, `/team-a/results/${pr.uid}/records/${id}`);
    expect(one.status).toBe(200);
    expect(eventList(one.body).items.map((i) => i.reason)).toEqual(['FailedScheduling']);
    const all = await query(srv.url, '/team-a/results/-/records');
    expect(all.body.records).toHaveLength(9);
    const everywhere = await query(srv.url, '/-/results/-/records');
    expect(everywhere.body.records).toHaveLength(12);
    expect((await query(srv.url, `/team-a/results/${pr.uid}/records/00000000-0000-3000-8000-000000000000`)).status).toBe(404);
    expect((await query(srv.url, '/team-a/results/00000000-0000-4000-8000-000000000000/records')).status).toBe(404);
  });

  it('pages with page_size and next_page_token until the last page, which has no token', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const res = await query(srv.url, `/-/results/-/records?page_size=5${token ? `&page_token=${encodeURIComponent(token)}` : ''}`);
      expect(res.status).toBe(200);
      expect(res.body.records.length).toBeLessThanOrEqual(5);
      seen.push(...res.body.records.map((r: { name: string }) => r.name));
      token = res.body.next_page_token;
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(12);
  });

  it('orders by create_time or update_time, ascending or descending', async () => {
    const asc = await query(srv.url, '/-/results?order_by=create_time');
    const desc = await query(srv.url, '/-/results?order_by=create_time%20desc');
    expect(desc.body.results.map((r: { name: string }) => r.name)).toEqual(asc.body.results.map((r: { name: string }) => r.name).reverse());
    // A new event for the first PipelineRun makes it the most recently updated. Results follow
    // their lists' activity to the second, so first make its last update a minute old.
    const { pr } = prs[0]!;
    await srv.db.pool.query({ text: `update results set update_time = now() - interval '1 minute' where name = $1`, values: [pr.uid] });
    await send(srv.url, [eventCe(storedEvent({ namespace: 'team-a', reason: 'Running', regardingKind: 'PipelineRun' }), pr, null, 'team-a')]);
    const upd = await query(srv.url, '/-/results?order_by=update_time%20desc&page_size=1');
    expect(upd.body.results[0].name).toBe(`team-a/results/${pr.uid}`);
    const next = await query(srv.url, `/-/results?order_by=update_time%20desc&page_size=1&page_token=${encodeURIComponent(upd.body.next_page_token)}`);
    expect(next.status).toBe(200);
    expect(next.body.results[0].name).not.toBe(`team-a/results/${pr.uid}`);
  });

  it('refuses a page token that was altered or made for another query', async () => {
    const first = await query(srv.url, '/team-a/results?page_size=1');
    const token: string = first.body.next_page_token;
    expect(token).toBeTruthy();
    const [payload, mac] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), s: '1970-01-01 00:00:00+00' })).toString('base64url');
    const altered = await query(srv.url, `/team-a/results?page_size=1&page_token=${forged}.${mac}`);
    expect(altered.status).toBe(400);
    expect(altered.body.detail).toMatch(/page_token/);
    const other = await query(srv.url, `/team-b/results?page_size=1&page_token=${encodeURIComponent(token)}`);
    expect(other.status).toBe(400);
    expect(other.body.detail).toMatch(/different parent/);
    const reordered = await query(srv.url, `/team-a/results?page_size=1&order_by=update_time&page_token=${encodeURIComponent(token)}`);
    expect(reordered.status).toBe(400);
  });

  it.each([
    ['page_size=-1', /page_size/],
    ['page_size=10001', /maximum of 10000/],
    ['page_size=abc', /page_size/],
    ['order_by=name', /order_by/],
    ['order_by=create_time%20sideways', /order_by/],
    ['filter=data.foo%20%3D%3D%201', /filter/],
    ['page_size=1&pageSize=2', /given 2 times/],
    ['page_token=garbage', /page_token/],
  ])('answers 400 with a precise problem for %s', async (qs, detail) => {
    const res = await query(srv.url, `/team-a/results?${qs}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.body.detail).toMatch(detail);
    expect(res.body.code).toBe(3);
  });

  it.each([
    ['/Bad_Namespace/results', 400],
    ['/team-a/results/-', 400],
    ['/team-a/results/x/records/-', 400],
    ['/team-a/things', 404],
    ['/team-a/results/..%2F..%2Fetc/records', 400],
  ])('answers %s with %i', async (path, status) => {
    const res = await query(srv.url, path);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });

  it('answers 401 without a token and 405 for a method a path does not take', async () => {
    const res = await fetch(`${srv.url}/apis/results.tekton.dev/v1alpha2/parents/team-a/results`);
    expect(res.status).toBe(401);
    const post = await query(srv.url, '/team-a/results', { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
  });

  it('filters records with CEL, as Tekton Results does', async () => {
    const q = (f: string, extra = '') => query(srv.url, `/-/results/-/records?filter=${encodeURIComponent(f)}${extra}`);
    const failed = await q('data.items.exists(i, i.reason == "FailedScheduling" && i.type == "Warning")');
    expect(failed.status).toBe(200);
    const expected = prs.map(({ pr, trs }) => eventListRecordId(pr.uid, trs[1]!.uid)).sort();
    expect(failed.body.records.map((r: { name: string }) => r.name.split('/').pop()).sort()).toEqual(expected);
    expect((await q('data_type == "results.tekton.dev/v1.EventList"')).body.records).toHaveLength(12);
    expect((await q('data.items.exists(i, i.reason in ["Started", "Scheduled"]) && !data.items.exists(i, i.type == "Warning")')).body.records).toHaveLength(8);
    expect((await q('data.items[0].reason.startsWith("Sched")')).body.records).toHaveLength(4);
    expect((await q('create_time > timestamp("2999-01-01T00:00:00Z")')).body.records).toHaveLength(0);
    const paged = await q('data.items.exists(i, i.type == "Warning")', '&page_size=2');
    expect(paged.body.records).toHaveLength(2);
    const next = await q('data.items.exists(i, i.type == "Warning")', `&page_size=2&page_token=${encodeURIComponent(paged.body.next_page_token)}`);
    expect(next.body.records).toHaveLength(2);
    const otherFilter = await q('data.items.exists(i, i.type == "Normal")', `&page_size=2&page_token=${encodeURIComponent(paged.body.next_page_token)}`);
    expect(otherFilter.status).toBe(400);
  });

  it('filters results by annotations and time', async () => {
    const { pr } = prs[2]!;
    const res = await query(srv.url, `/-/results?filter=${encodeURIComponent(`annotations["tekton.dev/pipelineRun"] == "${pr.name}"`)}`);
    expect(res.body.results.map((r: { name: string }) => r.name)).toEqual([`team-a/results/${pr.uid}`]);
    const none = await query(srv.url, `/-/results?filter=${encodeURIComponent('summary.status == FAILURE')}`);
    expect(none.status).toBe(200);
    expect(none.body.results).toEqual([]);
  });

  it('deletes a result with its EventLists and their events', async () => {
    const { pr } = prs[3]!;
    const del = await query(srv.url, `/team-b/results/${pr.uid}`, { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect(del.body).toEqual({});
    expect((await query(srv.url, `/team-b/results/${pr.uid}`)).status).toBe(404);
    const { rows } = await srv.db.pool.query(
      `select (select count(*)::int from records where parent = 'team-b') as records,
              (select count(*)::int from record_events e where not exists (select 1 from records r where r.id = e.record_id)) as orphans`,
    );
    expect(rows[0]).toEqual({ records: 0, orphans: 0 });
    expect((await query(srv.url, `/team-b/results/${pr.uid}`, { method: 'DELETE' })).status).toBe(404);
  });
});

describe('an EventList record as core/v1 Events (?format=corev1)', () => {
  it('serves the items as a Results watcher stores them: involvedObject, message, timestamps, count, source; no taskName', async () => {
    const ns = 'corev1';
    const tr = newRun('TaskRun', 'solo');
    const scheduled = storedEvent({ namespace: ns, reason: 'Scheduled', taskName: 'solo', regardingName: 'solo-pod', first: '2026-01-02T03:04:05Z' });
    const backOff = { ...storedEvent({ namespace: ns, reason: 'BackOff', type: 'Warning', note: 'Back-off pulling image', taskName: 'solo', regardingName: 'solo-pod', count: 4, first: '2026-01-02T03:04:10Z', last: '2026-01-02T03:05:00Z' }), reportingInstance: 'node-1', action: 'Pulling' };
    backOff.regarding.fieldPath = 'spec.containers{step-build}';
    expect((await send(srv.url, [eventCe(scheduled, tr, null, ns), eventCe(backOff, tr, null, ns)])).status).toBe(200);
    const path = `/${ns}/results/${tr.uid}/records/${eventListRecordId(tr.uid, tr.uid)}`;
    const res = await query(srv.url, `${path}?format=corev1`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data.type).toBe('results.tekton.dev/v1.EventList');
    const list = eventList(res.body);
    const ref = (e: typeof scheduled) => ({ kind: 'Pod', name: 'solo-pod', namespace: ns, apiVersion: 'v1', ...(e.regarding.fieldPath ? { fieldPath: e.regarding.fieldPath } : {}) });
    expect(list).toEqual({
      kind: 'EventList',
      apiVersion: 'v1',
      metadata: {},
      items: [
        {
          metadata: { name: scheduled.metadata.name, namespace: ns, creationTimestamp: '2026-01-02T03:04:05Z' },
          involvedObject: ref(scheduled),
          reason: 'Scheduled',
          message: scheduled.note,
          source: { component: 'default-scheduler' },
          firstTimestamp: '2026-01-02T03:04:05Z',
          lastTimestamp: '2026-01-02T03:04:05Z',
          count: 1,
          type: 'Normal',
          eventTime: null,
          reportingComponent: 'default-scheduler',
          reportingInstance: '',
        },
        {
          metadata: { name: backOff.metadata.name, namespace: ns, creationTimestamp: '2026-01-02T03:04:10Z' },
          involvedObject: ref(backOff),
          reason: 'BackOff',
          message: 'Back-off pulling image',
          source: { component: 'default-scheduler' },
          firstTimestamp: '2026-01-02T03:04:10Z',
          lastTimestamp: '2026-01-02T03:05:00Z',
          count: 4,
          type: 'Warning',
          eventTime: null,
          series: { count: 4, lastObservedTime: '2026-01-02T03:05:00Z' },
          action: 'Pulling',
          reportingComponent: 'default-scheduler',
          reportingInstance: 'node-1',
        },
      ],
    });
    // The record is otherwise the same; fields masks read the converted value.
    const plain = await query(srv.url, path);
    expect({ ...res.body, data: undefined }).toEqual({ ...plain.body, data: undefined });
    const masked = await query(srv.url, `${path}?format=corev1&fields=data.value.items`);
    expect(JSON.parse(Buffer.from(masked.body.data.value, 'base64').toString()).items[1].involvedObject.name).toBe('solo-pod');
    expect((await query(srv.url, `${path}?format=`)).body).toEqual(plain.body);
  });

  it('refuses any other format, and corev1 on a run record', async () => {
    const { pr } = prs[0]!;
    const bad = await query(srv.url, `/team-a/results/${pr.uid}/records/${eventListRecordId(pr.uid, pr.uid)}?format=yaml`);
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toMatch(/format "yaml" is not offered/);
    const run = await query(srv.url, `/team-a/results/${pr.uid}/records/${pr.uid}?format=corev1`);
    expect(run.status).toBe(400);
    expect(run.body.detail).toMatch(/EventList records/);
  });
});
