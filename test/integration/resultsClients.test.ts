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

/** Go's url.QueryEscape: every byte but [A-Za-z0-9_.~-] escaped, a space as `+`. */
function goQueryEscape(v: string): string {
  return encodeURIComponent(v)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** GET with a body, as grpc-gateway clients send it (fetch cannot). */
function getWithBody(path: string, params: Record<string, string>, body: unknown): Promise<{ status: number; text: string; contentType: string | undefined }> {
  // Go's url.Values.Encode: keys sorted, values query-escaped (space as +).
  const qs = Object.keys(params)
    .sort()
    .map((k) => `${goQueryEscape(k)}=${goQueryEscape(params[k]!)}`)
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
        // Go's transport asks for gzip by itself (and decodes it transparently)
        'accept-encoding': 'gzip',
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

/** A Results client's `ListRecordsRequest` as protojson writes it (JSON names, field-number order, empty fields left out). */
function listRecordsRequest(parent: string, filter: string, pageSize: number, pageToken = ''): Record<string, unknown> {
  return { parent, ...(filter ? { filter } : {}), pageSize, ...(pageToken ? { pageToken } : {}), orderBy: 'create_time desc' };
}

/** What `tkn-results … list` reads of a record (json.Unmarshal into a v1 run; Go's json ignores the rest). */
const RunValue = z.object({
  metadata: z.object({ name: z.string(), namespace: z.string(), uid: z.string(), labels: z.record(z.string(), z.string()) }),
  status: z.object({
    conditions: z.array(z.object({ type: z.literal('Succeeded'), status: z.enum(['True', 'False', 'Unknown']), reason: z.string(), message: z.string().optional() })).length(1),
    startTime: Timestamp.optional(),
    completionTime: Timestamp.optional(),
  }),
});

/** tektoncd/cli's formatted.Condition, the STATUS column: Succeeded/Failed/Running, with the reason when it says more. */
function statusColumn(c: z.infer<typeof RunValue>['status']['conditions'][number]): string {
  const status = c.status === 'True' ? 'Succeeded' : c.status === 'False' ? 'Failed' : 'Running';
  return c.reason && c.reason !== status ? `${status}(${c.reason})` : status;
}

/**
 * `tkn-results pipelinerun list` / `taskrun list` (pkg/cli/cmd/*\/list.go): the filter
 * common.BuildFilterString builds, `create_time desc`, page_size = --limit (50), the
 * common.ListFields mask, parent `<ns>/results/-` (or `-/results/-` with -A); then each record's
 * data.value is unmarshalled into a run and printed NAME, UID, STARTED, DURATION, STATUS.
 */
async function tknList(kind: 'PipelineRun' | 'TaskRun', ns: string | '-', extra: string[] = [], limit = 50, pageToken = '') {
  const filter = [`(data_type=="tekton.dev/v1.${kind}" || data_type=="tekton.dev/v1beta1.${kind}")`, ...extra].join(' && ');
  const parent = `${ns}/results/-`;
  const params: Record<string, string> = { fields: LIST_FIELDS, filter, order_by: 'create_time desc', page_size: String(limit) };
  if (pageToken) params['page_token'] = pageToken;
  const res = await getWithBody(`${parent}/records`, params, listRecordsRequest(parent, filter, limit, pageToken));
  expect(res.status, res.text).toBe(200);
  const page = ListRecordsResponse.parse(JSON.parse(res.text));
  const rows = (page.records ?? []).map((rec) => {
    // the mask keeps exactly what the client asked for
    expect(Object.keys(rec).sort()).toEqual(['create_time', 'data', 'name', 'uid', 'update_time']);
    expect(Object.keys(rec.data!)).toEqual(['value']);
    const run = RunValue.parse(JSON.parse(Buffer.from(rec.data!.value!, 'base64').toString('utf8')));
    expect(rec.uid).toBe(run.metadata.uid);
    expect(rec.name).toBe(`${run.metadata.namespace}/results/${rec.name!.split('/')[2]}/records/${run.metadata.uid}`);
    return { namespace: run.metadata.namespace, name: run.metadata.name, uid: run.metadata.uid, status: statusColumn(run.status.conditions[0]!), run };
  });
  return { rows, next: page.next_page_token };
}

describe('tkn-results pipelinerun list and taskrun list print our runs', () => {
  it('pipelinerun list -n ci: the namespace’s PipelineRuns, newest first, with their status', async () => {
    const { rows, next } = await tknList('PipelineRun', 'ci');
    expect(rows.map((r) => [r.name, r.uid, r.status])).toEqual([
      [runs[1]!.pr.name, runs[1]!.pr.uid, 'Failed'],
      [runs[0]!.pr.name, runs[0]!.pr.uid, 'Succeeded'],
    ]);
    expect(rows[0]!.run.status).toMatchObject({ startTime: '2026-11-24T09:00:00Z', completionTime: '2026-11-24T09:02:30Z' });
    expect(next).toBeUndefined();
  });

  it('pipelinerun list -A: every namespace', async () => {
    const { rows } = await tknList('PipelineRun', '-');
    expect(rows.map((r) => [r.namespace, r.name])).toEqual([
      ['team-b', runs[2]!.pr.name],
      ['ci', runs[1]!.pr.name],
      ['ci', runs[0]!.pr.name],
    ]);
    expect(rows[0]!.status).toBe('Failed(Cancelled)');
  });

  it('pipelinerun list pr-1: a name it contains', async () => {
    const { rows } = await tknList('PipelineRun', 'ci', ['data.metadata.name.contains("pr-1")']);
    expect(rows.map((r) => r.uid)).toEqual([runs[1]!.pr.uid]);
  });

  it('taskrun list -n ci: the TaskRuns, still running, with their pipeline labels', async () => {
    const { rows } = await tknList('TaskRun', 'ci');
    expect(rows.map((r) => [r.name, r.status])).toEqual([
      [runs[1]!.tr.name, 'Running'],
      [runs[0]!.tr.name, 'Running'],
    ]);
    expect(rows[1]!.run.metadata.labels).toEqual({ 'tekton.dev/pipelineRun': runs[0]!.pr.name, 'tekton.dev/taskRun': runs[0]!.tr.name, 'tekton.dev/pipelineTask': 'build' });
  });

  it('taskrun list --pipelinerun pr-0 and -L tekton.dev/pipelineTask=build', async () => {
    const byPr = await tknList('TaskRun', 'ci', [`data.metadata.labels['tekton.dev/pipelineRun'] == '${runs[0]!.pr.name}'`]);
    expect(byPr.rows.map((r) => r.uid)).toEqual([runs[0]!.tr.uid]);
    const byLabel = await tknList('TaskRun', '-', ['data.metadata.labels["tekton.dev/pipelineTask"]=="build"']);
    expect(byLabel.rows.map((r) => r.uid)).toEqual([runs[2]!.tr.uid, runs[1]!.tr.uid, runs[0]!.tr.uid]);
  });

  it('taskrun list --limit 5 --single-page=false: pages with the token of the page before', async () => {
    const first = await tknList('TaskRun', '-', [], 5);
    expect(first.rows).toHaveLength(3);
    expect(first.next).toBeUndefined();
    const one = await tknList('TaskRun', '-', [], 1);
    expect(one.next).toBeTruthy();
    const two = await tknList('TaskRun', '-', [], 1, one.next);
    expect([...one.rows, ...two.rows].map((r) => r.uid)).toEqual(first.rows.slice(0, 2).map((r) => r.uid));
  });
});

describe('a records list of both kinds, paged', () => {
  const kindOf = (r: { data?: { type?: string } }) => (r.data!.type === 'results.tekton.dev/v1.EventList' ? 'el' : 'run');

  async function page(path: string, params: Record<string, string>) {
    const res = await getWithBody(path, params, {});
    expect(res.status, res.text).toBe(200);
    return ListRecordsResponse.parse(JSON.parse(res.text));
  }

  async function all(path: string, order: string, pageSize: number): Promise<string[]> {
    const out: string[] = [];
    let token: string | undefined;
    for (let i = 0; i < 50; i++) {
      const p = await page(path, { order_by: order, page_size: String(pageSize), fields: 'records.name,records.data.type,next_page_token', ...(token ? { page_token: token } : {}) });
      expect(p.records!.length).toBeLessThanOrEqual(pageSize);
      out.push(...p.records!.map((r) => `${kindOf(r)} ${r.name}`));
      token = p.next_page_token;
      if (!token) return out;
    }
    throw new Error('more than 50 pages');
  }

  it('pages one record at a time through EventLists and run records interleaved, each once, in the order of one page', async () => {
    for (const order of ['create_time desc', 'create_time asc', 'update_time desc']) {
      const whole = await all('-/results/-/records', order, 1000);
      expect(whole).toHaveLength(12);
      for (const size of [1, 2, 5]) expect(await all('-/results/-/records', order, size), `${order}, page_size ${size}`).toEqual(whole);
    }
  });

  it('orders a row’s two records by kind in the list’s direction: run record first when descending', async () => {
    const { pr } = runs[0]!;
    const desc = await all(`ci/results/${pr.uid}/records`, 'create_time desc', 1);
    const asc = await all(`ci/results/${pr.uid}/records`, 'create_time asc', 1);
    expect(desc).toEqual([...asc].reverse());
    expect(desc.map((d) => d.split(' ')[0])).toEqual(['run', 'el', 'run', 'el']);
    // each row's run record and EventList are neighbours
    expect(desc[0]!.split('/').pop()).not.toBe(desc[1]!.split('/').pop());
  });

  it('refuses a page token made for another filter, so a cursor of one kind is never read by another query', async () => {
    const p = await page('-/results/-/records', { page_size: '1', filter: 'data_type == PIPELINE_RUN' });
    const res = await getWithBody('-/results/-/records', { page_size: '1', filter: 'data_type == TASK_RUN', page_token: p.next_page_token! }, {});
    expect(res.status).toBe(400);
  });
});

describe('records summary over run records', () => {
  it('filters by what a run record holds: data_type, data.metadata, labels and status', async () => {
    const total = async (filter: string) => {
      const res = await getWithBody('-/results/-/records/summary', { summary: 'total', filter }, {});
      expect(res.status, res.text).toBe(200);
      return RecordListSummary.parse(JSON.parse(res.text)).summary[0]!['total'];
    };
    expect(await total('data_type == PIPELINE_RUN')).toBe(3);
    expect(await total('data_type == "tekton.dev/v1.TaskRun"')).toBe(3);
    expect(await total('data_type == "results.tekton.dev/v1.EventList"')).toBe(0);
    expect(await total(`data.metadata.labels["tekton.dev/pipelineRun"] == "${runs[0]!.pr.name}"`)).toBe(2);
    expect(await total('data.metadata.namespace == "ci" && data.status.conditions[0].reason == "Running"')).toBe(2);
    expect(await total('data.status.conditions[0].reason in ["Failed", "Cancelled"]')).toBe(2);
    expect(await total('data.status.completionTime > timestamp("2026-11-24T09:00:00Z")')).toBe(3);
    // an EventList's items are not a run record's
    expect(await total('data.items.exists(i, i.reason == "Scheduled")')).toBe(0);
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
