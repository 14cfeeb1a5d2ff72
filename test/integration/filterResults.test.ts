/**
 * Filters as Tekton Results clients write them (its docs/api/README.md and
 * pkg/api/server/cel2sql/convert_test.go), each with the answer it must give on a small fixed
 * data set; and hostile or malformed filters, each a 400 that names the problem.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { eventCe, newRun, query, send, statusCe, storedEvent, type Run } from '../helpers/ce.js';
import { eventListRecordId } from '../../shared/names.js';

let srv: TestServer;

// team-a: pr0 failed (its build TaskRun could not be scheduled, then backed off), pr1 succeeded.
// team-b: pr2 has no final status yet; tr3 is a standalone TaskRun that timed out.
const pr0 = newRun('PipelineRun', 'pr-0');
const pr0fetch = newRun('TaskRun', 'pr-0-fetch');
const pr0build = newRun('TaskRun', 'pr-0-build');
const pr1 = newRun('PipelineRun', 'pr-1');
const pr1fetch = newRun('TaskRun', 'pr-1-fetch');
const pr2 = newRun('PipelineRun', 'pr-2');
const pr2build = newRun('TaskRun', 'pr-2-build');
const tr3 = newRun('TaskRun', 'tr-3');

/** Each run's result uid, for its record's name. */
const resultOf = new Map<Run, Run>([
  [pr0, pr0], [pr0fetch, pr0], [pr0build, pr0], [pr1, pr1], [pr1fetch, pr1], [pr2, pr2], [pr2build, pr2], [tr3, tr3],
]);
const ALL_RECORDS = [...resultOf.keys()];
const recordId = (run: Run) => eventListRecordId(resultOf.get(run)!.uid, run.uid);

beforeAll(async () => {
  srv = await startTestServer();
  const pr = (ns: string, run: Run, reason = 'Started') => eventCe(storedEvent({ namespace: ns, reason, regardingKind: 'PipelineRun', regardingName: run.name, taskName: run.name }), run, null, ns);
  const ev = (ns: string, run: Run, parent: Run | null, o: Parameters<typeof storedEvent>[0]) => eventCe(storedEvent({ namespace: ns, ...o }), run, parent, ns);
  const batch = [
    pr('team-a', pr0),
    ev('team-a', pr0fetch, pr0, { reason: 'Scheduled', first: '2026-01-07T10:00:01Z' }),
    ev('team-a', pr0fetch, pr0, { reason: 'Pulled', note: 'Container image "alpine" already present on machine', first: '2026-01-07T10:00:02Z' }),
    ev('team-a', pr0build, pr0, { reason: 'FailedScheduling', type: 'Warning', note: '0/3 nodes are available: 3 Insufficient memory.', count: 3, first: '2026-01-07T10:00:01Z', last: '2026-01-07T10:01:00Z' }),
    ev('team-a', pr0build, pr0, { reason: 'BackOff', type: 'Warning', note: 'Back-off restarting failed container step-build in pod pr-0-build-pod', first: '2026-01-07T10:02:00Z' }),
    pr('team-a', pr1),
    ev('team-a', pr1fetch, pr1, { reason: 'Scheduled', first: '2026-02-14T09:00:01Z' }),
    ev('team-a', pr1fetch, pr1, { reason: 'Started', note: 'Started container step-clone', first: '2026-02-14T09:00:05Z' }),
    pr('team-b', pr2),
    ev('team-b', pr2build, pr2, { reason: 'Pulling', note: 'Pulling image "registry.example/app:1.0"' }),
    ev('team-b', tr3, null, { reason: 'Scheduled', taskName: 'tr-3', first: '2026-03-01T00:00:01Z' }),
    ev('team-b', tr3, null, { reason: 'Unhealthy', type: 'Warning', note: 'Readiness probe failed', taskName: 'tr-3', first: '2026-03-01T00:00:30Z' }),
  ];
  expect((await send(srv.url, batch)).status).toBe(200);
  const statuses = [
    statusCe(pr0, null, { reason: 'Failed', message: 'Tasks Completed: 2 (Failed: 1)', startTime: '2026-01-07T10:00:00Z', completionTime: '2026-01-07T10:05:00Z', steps: [] }, 500, 'team-a'),
    statusCe(pr1, null, { reason: 'Succeeded', message: 'Tasks Completed: 1', startTime: '2026-02-14T09:00:00Z', completionTime: '2026-02-14T09:03:00Z', steps: [] }, 500, 'team-a'),
    statusCe(tr3, null, { reason: 'TaskRunTimeout', message: 'TaskRun "tr-3" failed to finish within "1m0s"', startTime: '2026-03-01T00:00:00Z', completionTime: '2026-03-01T00:01:00Z', steps: [] }, 500, 'team-b'),
  ];
  expect((await send(srv.url, statuses)).status).toBe(200);
});
afterAll(async () => {
  await srv.close();
});

async function records(filter: string): Promise<string[]> {
  const res = await query(srv.url, `/-/results/-/records?page_size=100&filter=${encodeURIComponent(filter)}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.records.map((r: { name: string }) => r.name.split('/').pop()).sort();
}
async function results(filter: string): Promise<string[]> {
  const res = await query(srv.url, `/-/results?page_size=100&filter=${encodeURIComponent(filter)}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.results.map((r: { name: string }) => r.name.split('/').pop()).sort();
}
const ids = (runs: Run[]) => runs.map(recordId).sort();
const uids = (runs: Run[]) => runs.map((r) => r.uid).sort();

describe('record filters as Tekton Results writes them', () => {
  const none: Run[] = [];
  it.each<[string, () => Run[]]>([
    ['data_type == "results.tekton.dev/v1.EventList"', () => ALL_RECORDS],
    ['data_type == PIPELINE_RUN', () => none],
    ['data_type == "tekton.dev/v1.TaskRun" || data_type == "tekton.dev/v1.PipelineRun"', () => none],
    // data.<path> an EventList cannot have is false, not an error (docs "Commonly used filters").
    ["data.metadata.name == 'hello'", () => none],
    ["data.metadata.labels['tekton.dev/pipelineRun'] == 'foo'", () => none],
    ["!(data.status.conditions[0].status == 'True')", () => none],
    ["size(data.status.pipelineSpec.tasks) >= 3 && data_type == 'PIPELINE_RUN'", () => none],
    ["data.metadata.annotations.contains('bar')", () => none],
    ['data.status.completionTime.getDate() == 7', () => none],
    ["data.metadata.name in ['hello', 'foo', 'bar']", () => none],
    ['name == "' + 'x' + '" || result_name == "' + pr0.uid + '"', () => [pr0, pr0fetch, pr0build]],
    ['parent == "team-b"', () => [pr2, pr2build, tr3]],
    ['parent.endsWith("-b") && name.matches("^[0-9a-f]{8}-[0-9a-f]{4}-3")', () => [pr2, pr2build, tr3]],
    ['data.items.exists(i, i.reason == "FailedScheduling")', () => [pr0build]],
    ['data.items.contains("step-build")', () => [pr0build]],
    ['data.items.exists(i, i.note.matches("^Back-off restarting"))', () => [pr0build]],
    ['data.items[0].reason.startsWith("Sched")', () => [pr0fetch, pr1fetch, tr3]],
    ['data.items.all(i, i.type == "Normal")', () => [pr0, pr0fetch, pr1, pr1fetch, pr2, pr2build]],
    ['data.items.exists_one(i, i.type == "Warning")', () => [tr3]],
    ['data.items.exists(i, i.series.count > 2)', () => [pr0build]],
    ['size(data.items) == 2 && data.items[1].type != "Warning"', () => [pr0fetch, pr1fetch]],
    ['create_time > timestamp("2021-02-02T22:37:32Z") && create_time.getFullYear() >= 2026', () => ALL_RECORDS],
    ['data_type == "results.tekton.dev/v1.EventList" && !(data.items.exists(i, i.type == "Warning") || parent == "team-b")', () => [pr0, pr0fetch, pr1, pr1fetch]],
  ])('%s', async (filter, expected) => {
    expect(await records(filter)).toEqual(ids(expected()));
  });
});

describe('result filters as Tekton Results writes them', () => {
  it.each<[string, () => Run[]]>([
    ['summary.status == SUCCESS', () => [pr1]],
    ['summary.status != SUCCESS', () => [pr0, pr2, tr3]],
    ['!(summary.status == SUCCESS)', () => [pr0, pr2, tr3]],
    ['summary.status == CANCELLED || summary.status == TIMEOUT', () => [tr3]],
    // No final status yet is UNKNOWN, as a Results summary starts.
    ['summary.status == UNKNOWN', () => [pr2]],
    ['summary.status == 2', () => [pr0]],
    // A Result has its summary from its run's first sight: pr2, still running, is a PipelineRun too.
    ['summary.type == PIPELINE_RUN', () => [pr0, pr1, pr2]],
    ['summary.type == TASK_RUN', () => [tr3]],
    ["summary.status == SUCCESS && summary.type == 'TASK_RUN'", () => []],
    ['parent.endsWith("-b")', () => [pr2, tr3]],
    ['annotations["tekton.dev/pipelineRun"] == "pr-1"', () => [pr1]],
    ['summary.annotations["reason"] == "Failed"', () => [pr0]],
    ['"Failed" == summary.annotations["reason"]', () => [pr0]],
    ["summary.annotations.contains('Timeout')", () => [tr3]],
    ['summary.start_time > timestamp("2026-02-01T00:00:00Z")', () => [pr1, tr3]],
    ['summary.end_time < timestamp("2022/10/30T21:45:00.000Z")', () => []],
    ['summary.end_time.getDate() == 7 && summary.end_time.getDayOfMonth() == 6 && summary.end_time.getDayOfYear() == 6', () => [pr0]],
    ['summary.start_time.getDayOfWeek() == 6', () => [pr1]],
    ['summary.status == SUCCESS || summary.status == FAILURE', () => [pr0, pr1]],
    // summary.record names the run record, `<result>/records/<run uid>`, not the EventList.
    ['summary.record.endsWith("/records/' + pr0.uid + '")', () => [pr0]],
    ['summary.record.endsWith("' + recordId(pr0) + '")', () => []],
    ['summary.record == "team-b/results/' + pr2.uid + '/records/' + pr2.uid + '"', () => [pr2]],
    ['create_time > timestamp("2022/10/30T21:45:00.000Z") && update_time >= create_time', () => [pr0, pr1, pr2, tr3]],
  ])('%s', async (filter, expected) => {
    expect(await results(filter)).toEqual(uids(expected()));
  });

  it('filters by uid, the id the API shows', async () => {
    const all = await query(srv.url, `/-/results?page_size=100`);
    const r = all.body.results.find((x: { name: string }) => x.name.endsWith(pr0.uid));
    expect(await results(`uid == "${r.uid}"`)).toEqual([pr0.uid]);
  });
});

describe('filter literals follow the CEL spec', () => {
  it.each([
    ['data_type == "r\\u0065sults.tekton.dev/v1.\\x45ventList"', 8],
    ['data_type == "r\\145sults.tekton.dev/v1.EventList"', 8],
    ["data_type == '''results.tekton.dev/v1.EventList'''", 8],
    ['name.matches(r"^[0-9a-f]{8}-[0-9a-f]{4}-\\d")', 8],
    ['data.items.exists(i, i.note.contains("\\"alpine\\""))', 1],
    ['data.items.exists(i, i.series.count > -1)', 1],
  ])('%s', async (filter, n) => {
    expect(await records(filter)).toHaveLength(n);
  });
});

const BAD: [string, RegExp][] = [
    ['data.items[2147483648].reason == "x"', /between 0 and 2147483647/],
    ['data.items[-1].reason == "x"', /between 0 and 2147483647/],
    ['create_time > "2026-13-45T99:99:99Z"', /month 13 does not exist/],
    ['create_time > "2026-01-01T99:99:99Z"', /not a time of day/],
    ['create_time > timestamp("2026-02-30T00:00:00Z")', /day 30 does not exist/],
    ['create_time > "0000-01-01T00:00:00Z"', /year 0000/],
    ['data_type == "a\\u0000b"', /NUL/],
    ['data_type == "a\u0000b"', /NUL/],
    ['create_time > "now"', /"now" is not an RFC 3339 time/],
    ['create_time > "epoch"', /"epoch" is not an RFC 3339 time/],
    ['create_time < "-infinity"', /"-infinity" is not an RFC 3339 time/],
    ['create_time < timestamp("infinity")', /not an RFC 3339 time/],
    ['data_type == "\\z"', /escape/i],
    ['size(data.items) > 9223372036854775808', /out of range/],
    ['data.items.exists(a, data.items.exists(b, a.note == b.reason))', /inside exists\(\).*multiplies the work/],
    ['data.items.exists(a, size(data.items) > 1)', /inside exists/],
    [Array.from({ length: 110 }, (_, i) => `name == "${i}"`).join(' || '), /more than 300 terms/],
    ['x'.repeat(5000), /longer than 4096/],
    [`name.matches("${'a'.repeat(300)}")`, /longer than 256/],
    ['name.matches("(a+)+$")', /repeated repetition/],
    ['name.matches("(a)\\\\1")', /backreferences/],
    ['name.matches("[")', /a \[ is not closed/],
    ['name.matches("[[:alpha:]]")', /POSIX classes/],
    ['name.matches("\\\\bword")', /escape \\b is not supported/],
    ['data.items.exists(i, i.reason == null)', /null is not supported/],
    ['data.items.exists(i, i.reason + 1 == "x")', /joins strings only/],
    ['data_type * 2 == 4', /arithmetic/],
];

describe('bad filters are a 400 that names the problem, never a 500', () => {
  it.each(BAD.map(([f, d]) => [f.length > 80 ? `${f.slice(0, 77)}…` : f, f, d] as [string, string, RegExp]))('%s', async (_title, filter, detail) => {
    const res = await query(srv.url, `/-/results/-/records?filter=${encodeURIComponent(filter)}`);
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(detail);
  });
});

describe('results ordered by their run times', () => {
  async function pages(orderBy: string): Promise<string[]> {
    const out: string[] = [];
    let token = '';
    for (let i = 0; i < 10; i++) {
      const res = await query(srv.url, `/-/results?page_size=1&order_by=${encodeURIComponent(orderBy)}${token ? `&page_token=${encodeURIComponent(token)}` : ''}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      out.push(...res.body.results.map((r: { name: string }) => r.name.split('/').pop()));
      if (!res.body.next_page_token) return out;
      token = res.body.next_page_token;
    }
    throw new Error('more pages than results');
  }

  it('pages through summary.start_time and summary.end_time, runs without one last either way', async () => {
    expect(await pages('summary.start_time')).toEqual([pr0.uid, pr1.uid, tr3.uid, pr2.uid]);
    expect(await pages('summary.start_time desc')).toEqual([tr3.uid, pr1.uid, pr0.uid, pr2.uid]);
    expect(await pages('summary.end_time asc')).toEqual([pr0.uid, pr1.uid, tr3.uid, pr2.uid]);
  });

  it('refuses them for records', async () => {
    const res = await query(srv.url, '/-/results/-/records?order_by=summary.start_time');
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(/orders results/);
  });
});
