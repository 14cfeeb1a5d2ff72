/**
 * The requests Tekton Results clients send, replayed as they send them, and every answer parsed
 * as strictly as protojson does (`protojson.Unmarshal`: unknown fields rejected, proto names).
 *
 * `tkn-results` (pkg/cli/client) sends GET with the request message as a protojson body,
 * `Content-Type`/`Accept: application/json`, query parameters encoded by Go's url.Values
 * (sorted, spaces as `+`), and `fields` for a partial response.
 */
import { request } from 'node:http';
import { v3 as uuidv3 } from 'uuid';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, QUERY_TOKEN, type TestServer } from '../helpers/server.js';
import { API, eventCe, newRun, send, statusCe, storedEvent, type Run } from '../helpers/ce.js';

// protojson's view of the Results messages (proto/v1alpha2/resources.proto): strict objects.
const Timestamp = z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/);
const RecordSummary = z.strictObject({
  record: z.string().optional(),
  type: z.string().optional(),
  start_time: Timestamp.nullable().optional(),
  end_time: Timestamp.nullable().optional(),
  status: z.enum(['UNKNOWN', 'SUCCESS', 'FAILURE', 'TIMEOUT', 'CANCELLED']).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});
const Result = z.strictObject({
  name: z.string().optional(),
  id: z.string().optional(),
  uid: z.string().optional(),
  created_time: Timestamp.optional(),
  create_time: Timestamp.optional(),
  updated_time: Timestamp.optional(),
  update_time: Timestamp.optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  etag: z.string().optional(),
  summary: RecordSummary.nullable().optional(),
});
const Record = z.strictObject({
  name: z.string().optional(),
  id: z.string().optional(),
  uid: z.string().optional(),
  data: z.strictObject({ type: z.string().optional(), value: z.base64().optional() }).optional(),
  etag: z.string().optional(),
  created_time: Timestamp.optional(),
  create_time: Timestamp.optional(),
  updated_time: Timestamp.optional(),
  update_time: Timestamp.optional(),
});
const ListRecordsResponse = z.strictObject({ records: z.array(Record).optional(), next_page_token: z.string().optional() });
const ListResultsResponse = z.strictObject({ results: z.array(Result).optional(), next_page_token: z.string().optional() });
const RecordListSummary = z.strictObject({ summary: z.array(z.record(z.string(), z.union([z.number(), z.string(), z.null()]))) });

/** `tkn-results`' common.ListFields: the partial response every `list` asks for. */
const LIST_FIELDS = 'records.name,records.uid,records.create_time,records.update_time,records.data.value.metadata,records.data.value.status,next_page_token';

let srv: TestServer;
const runs: { pr: Run; tr: Run; ns: string }[] = [];

/** GET with a body, as grpc-gateway clients send it (fetch cannot). */
function getWithBody(path: string, params: Record<string, string>, body: unknown): Promise<{ status: number; text: string; contentType: string | undefined }> {
  // Go's url.Values.Encode: keys sorted, values query-escaped (space as +).
  const qs = Object.keys(params)
    .sort()
    .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(params[k]!).replace(/%20/g, '+')}`)
    .join('&');
  const url = new URL(`${srv.url}${API}/${path}${qs ? `?${qs}` : ''}`);
  const data = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'GET',
      headers: {
        authorization: `Bearer ${QUERY_TOKEN}`,
        'content-type': 'application/json',
        accept: 'application/json',
        'content-length': String(data.length),
        'user-agent': 'Go-http-client/1.1',
      },
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), contentType: res.headers['content-type'] }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

beforeAll(async () => {
  srv = await startTestServer();
  for (const [ns, reason] of [
    ['ci', 'Succeeded'],
    ['ci', 'Failed'],
    ['team-b', 'Cancelled'],
  ] as const) {
    const pr = newRun('PipelineRun', `pr-${runs.length}`);
    const tr = newRun('TaskRun', `pr-${runs.length}-build`);
    const res = await send(srv.url, [
      eventCe(storedEvent({ namespace: ns, regardingKind: 'PipelineRun', regardingName: pr.name, reason: 'Started' }), pr, null, ns),
      eventCe(storedEvent({ namespace: ns, reason: 'Scheduled' }), tr, pr, ns),
      statusCe(pr, null, { reason, message: `${reason}.`, startTime: '2026-11-24T09:00:00Z', completionTime: '2026-11-24T09:02:30Z', steps: [] }, 500, ns),
    ]);
    expect(res.status).toBe(200);
    runs.push({ pr, tr, ns });
  }
});

afterAll(async () => {
  await srv?.close();
});

describe('what tkn-results sends', () => {
  it('lists records with its own request: GET with a protojson body, fields, order_by and page_size', async () => {
    const filter = 'data_type=="results.tekton.dev/v1.EventList"';
    const res = await getWithBody(
      'ci/results/-/records',
      { fields: LIST_FIELDS, filter, order_by: 'create_time desc', page_size: '1' },
      { parent: 'ci/results/-', filter, orderBy: 'create_time desc', pageSize: 1 },
    );
    expect(res.status).toBe(200);
    expect(res.contentType).toMatch(/^application\/json/);
    const page = ListRecordsResponse.parse(JSON.parse(res.text));
    expect(page.records).toHaveLength(1);
    const rec = page.records![0]!;
    expect(Object.keys(rec).sort()).toEqual(['create_time', 'data', 'name', 'uid', 'update_time']);
    // data.value keeps only the JSON paths asked for; an EventList has neither, so both read null.
    expect(JSON.parse(Buffer.from(rec.data!.value!, 'base64').toString())).toEqual({ metadata: null, status: null });
    expect(page.next_page_token).toBeTruthy();
  });

  it('lists results and reads one, every answer strict protojson', async () => {
    const list = await getWithBody('ci/results', { filter: '', page_size: '50' }, { parent: 'ci', pageSize: 50 });
    expect(list.status).toBe(200);
    const results = ListResultsResponse.parse(JSON.parse(list.text)).results!;
    expect(results).toHaveLength(2);
    const one = await getWithBody(`ci/results/${runs[0]!.pr.uid}`, {}, { name: `ci/results/${runs[0]!.pr.uid}` });
    expect(one.status).toBe(200);
    expect(Result.parse(JSON.parse(one.text)).summary?.status).toBe('SUCCESS');
  });

});

describe('run records', () => {
  it('serves a run as a record named by its uid, as `tkn-results pipelinerun describe --uid` reads it', async () => {
    const { pr } = runs[1]!;
    const res = await getWithBody(`ci/results/${pr.uid}/records/${pr.uid}`, {}, { name: `ci/results/${pr.uid}/records/${pr.uid}` });
    expect(res.status).toBe(200);
    const rec = Record.parse(JSON.parse(res.text));
    expect(rec).toMatchObject({ name: `ci/results/${pr.uid}/records/${pr.uid}`, uid: pr.uid, id: pr.uid, data: { type: 'tekton.dev/v1.PipelineRun' } });
    expect(JSON.parse(Buffer.from(rec.data!.value!, 'base64').toString())).toEqual({
      apiVersion: 'tekton.dev/v1',
      kind: 'PipelineRun',
      metadata: { name: pr.name, namespace: 'ci', uid: pr.uid, labels: { 'tekton.dev/pipelineRun': pr.name } },
      status: {
        conditions: [{ type: 'Succeeded', status: 'False', reason: 'Failed', message: 'Failed.' }],
        startTime: '2026-11-24T09:00:00Z',
        completionTime: '2026-11-24T09:02:30Z',
      },
    });
  });

  it('serves a TaskRun of a pipeline with its pipeline labels and, before it finishes, a Running condition', async () => {
    const { pr, tr } = runs[0]!;
    const res = await getWithBody(`ci/results/${pr.uid}/records/${tr.uid}`, { fields: 'data.value.metadata.labels,data.value.status' }, {});
    expect(res.status).toBe(200);
    const rec = Record.parse(JSON.parse(res.text));
    expect(JSON.parse(Buffer.from(rec.data!.value!, 'base64').toString())).toEqual({
      metadata: { labels: { 'tekton.dev/pipelineRun': pr.name, 'tekton.dev/taskRun': tr.name, 'tekton.dev/pipelineTask': 'build' } },
      status: { conditions: [{ type: 'Succeeded', status: 'Unknown', reason: 'Running' }] },
    });
  });

  it('answers 404 for a run uid under another result', async () => {
    expect((await getWithBody(`ci/results/${runs[0]!.pr.uid}/records/${runs[1]!.pr.uid}`, {}, {})).status).toBe(404);
  });
});

describe('query parameters as grpc-gateway reads them', () => {
  it('ignores parameters it does not know and takes the JSON names pageSize, pageToken and orderBy', async () => {
    const first = await getWithBody('-/results', { pageSize: '1', orderBy: 'create_time desc', colour: 'blue', $alt: 'json' }, {});
    expect(first.status).toBe(200);
    const page = ListResultsResponse.parse(JSON.parse(first.text));
    expect(page.results).toHaveLength(1);
    expect(page.results![0]!.uid).toBe(runs[2]!.pr.uid);
    const second = await getWithBody('-/results', { pageSize: '1', orderBy: 'create_time desc', pageToken: page.next_page_token! }, {});
    expect(ListResultsResponse.parse(JSON.parse(second.text)).results![0]!.uid).toBe(runs[1]!.pr.uid);
  });

  it('still refuses a parameter given twice, whichever name it is given by', async () => {
    const res = await getWithBody('-/results', { page_size: '1', pageSize: '2' }, {});
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toMatchObject({ code: 3, message: expect.stringMatching(/given 2 times/) });
  });

  it('masks top-level fields, list-item fields, maps and data.value paths', async () => {
    const names = await getWithBody('ci/results', { fields: 'results.name,results.summary.status' }, {});
    const body = ListResultsResponse.parse(JSON.parse(names.text));
    expect(body.next_page_token).toBeUndefined();
    expect(body.results!.map((r) => Object.keys(r))).toEqual([['name', 'summary'], ['name', 'summary']]);
    expect(body.results!.map((r) => r.summary)).toEqual([{ status: 'SUCCESS' }, { status: 'FAILURE' }]);
    const kinds = await getWithBody('ci/results/-/records', { fields: 'records.data.value.kind', page_size: '1' }, {});
    const rec = ListRecordsResponse.parse(JSON.parse(kinds.text)).records![0]!;
    expect(JSON.parse(Buffer.from(rec.data!.value!, 'base64').toString())).toEqual({ kind: 'EventList' });
    const ann = await getWithBody(`ci/results/${runs[0]!.pr.uid}`, { fields: 'summary.annotations.reason' }, {});
    expect(JSON.parse(ann.text)).toEqual({ summary: { annotations: { reason: 'Succeeded' } } });
  });

  it('refuses a mask that is not field names, or too long', async () => {
    expect((await getWithBody('ci/results', { fields: 'results.name;drop' }, {})).status).toBe(400);
    const many = Array.from({ length: 65 }, (_, i) => `f${i}`).join(',');
    expect((await getWithBody('ci/results', { fields: many }, {})).status).toBe(400);
  });
});

describe('names that compute', () => {
  it('serves a Result uid from which Results’ formula derives the EventList record id', async () => {
    const { pr, tr } = runs[0]!;
    const res = Result.parse(JSON.parse((await getWithBody(`ci/results/${pr.uid}`, {}, {})).text));
    expect(res.uid).toBe(pr.uid);
    expect(res.id).toBe(pr.uid);
    // uuid.NewMD5(<Result.uid>, <run uid> + "eventlist"), as the Results watcher computes it
    const recordId = uuidv3(`${tr.uid}eventlist`, res.uid!);
    const rec = await getWithBody(`ci/results/${pr.uid}/records/${recordId}`, {}, {});
    expect(rec.status).toBe(200);
    const parsed = Record.parse(JSON.parse(rec.text));
    expect(parsed.uid).toBe(recordId);
    expect(parsed.name).toBe(`ci/results/${pr.uid}/records/${recordId}`);
  });
});

describe('records summary', () => {
  it('counts runs (total by default), grouped by namespace, with status and duration aggregations', async () => {
    const total = await getWithBody('-/results/-/records/summary', {}, {});
    expect(total.status).toBe(200);
    expect(RecordListSummary.parse(JSON.parse(total.text))).toEqual({ summary: [{ total: 6 }] });
    const grouped = await getWithBody(
      '-/results/-/records/summary',
      { summary: 'total,succeeded,failed,cancelled,running,others,max_duration', group_by: 'namespace', order_by: 'DESC total' },
      {},
    );
    expect(grouped.status).toBe(200);
    expect(RecordListSummary.parse(JSON.parse(grouped.text)).summary).toEqual([
      // the TaskRuns sent no status: they count as running, as a Results run record without a final condition does
      { group_value: 'ci', total: 4, succeeded: 1, failed: 1, cancelled: 0, running: 2, others: 0, max_duration: '00:02:30' },
      { group_value: 'team-b', total: 2, succeeded: 0, failed: 0, cancelled: 1, running: 1, others: 0, max_duration: '00:02:30' },
    ]);
  });

  it('groups by time as Results does (Unix seconds of the truncated time)', async () => {
    const res = await getWithBody('ci/results/-/records/summary', { summary: 'total', group_by: 'day startTime' }, {});
    const rows = RecordListSummary.parse(JSON.parse(res.text)).summary;
    expect(rows).toContainEqual({ total: 2, group_value: Date.parse('2026-11-24T00:00:00Z') / 1000 });
  });

  it('answers 400 for an aggregation Results does not know and 501 (code 12) for groups we cannot serve', async () => {
    const bad = await getWithBody('-/results/-/records/summary', { summary: 'total,median' }, {});
    expect(bad.status).toBe(400);
    const pipeline = await getWithBody('-/results/-/records/summary', { group_by: 'pipeline' }, {});
    expect(pipeline.status).toBe(501);
    expect(JSON.parse(pipeline.text)).toMatchObject({ code: 12 });
  });
});

// Last: it adds a run, which the counts above do not expect.
describe('a running run', () => {
  it('reads a Result whose run is still running: a summary UNKNOWN naming its run record, strict protojson', async () => {
    const pr = newRun('PipelineRun', 'running');
    const res = await send(srv.url, [eventCe(storedEvent({ namespace: 'ops', regardingKind: 'PipelineRun', regardingName: pr.name }), pr, { ...pr, pipeline: 'nightly' }, 'ops')]);
    expect(res.status).toBe(200);
    const one = await getWithBody(`ops/results/${pr.uid}`, {}, { name: `ops/results/${pr.uid}` });
    const r = Result.parse(JSON.parse(one.text));
    expect(r.summary).toEqual({ record: `ops/results/${pr.uid}/records/${pr.uid}`, type: 'tekton.dev/v1.PipelineRun', status: 'UNKNOWN' });
    expect(r.annotations).toMatchObject({ 'object.metadata.name': 'running', 'tekton.dev/pipeline': 'nightly' });
    // The record it names is there, as `tkn-results pipelinerun describe` follows it.
    const rec = await getWithBody(r.summary!.record!, {}, { name: r.summary!.record });
    expect(rec.status).toBe(200);
    expect(Record.parse(JSON.parse(rec.text)).data?.type).toBe('tekton.dev/v1.PipelineRun');
  });
});
