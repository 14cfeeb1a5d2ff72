/**
 * The SQL a filter compiles to and its in-process evaluation (shared/filter/evaluate.ts) agree:
 * generated Events (missing fields, repeats, odd characters) are stored through the ingest
 * function, then generated filters are answered by the query API and by evaluating them on each
 * record (EventList or run record) or result the API returns unfiltered; the two sets must be equal.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { eventCe, eventList, newRun, query, send, statusCe, storedEvent, type Run } from '../helpers/ce.js';
import { compileSubjectFilter, type RecordSubject, type ResultSubject, type RunRecordSubject } from '../../shared/filter/evaluate.js';

let srv: TestServer;
let recordSubjects: RecordSubject[] = [];
/** The run records the same list holds (the SQL of a records filter is folded per kind: fold.ts). */
let runSubjects: RunRecordSubject[] = [];
let resultSubjects: ResultSubject[] = [];

const REASONS = ['Scheduled', 'FailedScheduling', 'Pulled', 'BackOff', 'OOMKilled', 'Évènement', 'a_b%c'];
const NOTES = ['', '0/3 nodes are available', 'Back-off restarting failed container', 'quote " and \\ backslash', 'üñî 😀 done', 'line\nbreak', 'a%b_c'];
const FRAGMENTS = ['', 'Back', 'nodes', 'ü', '😀', '%', '_', '"', 'line', 'e', 'Sched', 'Killed'];
const PATTERNS = ['^[A-Z]', 'nodes', '^$', 'ü', '.', '^.+$', 'a%b', '[0-9]/[0-9]', '^(Back|quote)', '\\w$', '^[^z]+$', 'e\\s', '\\S$', '^\\W', 'ü.', '\\d{1,2}/'];
const FIELD_PATHS = ['spec.containers{step-build}', 'spec.containers{step-push}'];
const NAMESPACES = ['prop-a', 'prop-b'];

const eventArb = fc.record({
  reason: fc.constantFrom(...REASONS),
  note: fc.constantFrom(...NOTES),
  type: fc.constantFrom('Normal', 'Warning', undefined),
  count: fc.constantFrom(undefined, 1, 2, 5),
  fieldPath: fc.constantFrom(undefined, ...FIELD_PATHS),
  second: fc.integer({ min: 0, max: 59 }),
});
const runArb = fc.record({
  taskRuns: fc.array(fc.array(eventArb, { maxLength: 5 }), { maxLength: 3 }),
  own: fc.array(eventArb, { maxLength: 2 }),
  status: fc.constantFrom(undefined, 'Succeeded', 'Failed', 'PipelineRunTimeout', 'Cancelled'),
  start: fc.integer({ min: 0, max: 40 }),
});

beforeAll(async () => {
  srv = await startTestServer();
  const data = fc.sample(fc.array(runArb, { minLength: 8, maxLength: 8 }), { seed: 7155, numRuns: 1 })[0]!;
  const ces: Record<string, unknown>[] = [];
  const statuses: Record<string, unknown>[] = [];
  data.forEach((r, i) => {
    const ns = NAMESPACES[i % 2]!;
    const pr = newRun('PipelineRun', `pr-${i}`);
    const toCe = (e: (typeof r.own)[number], run: Run, parent: Run | null, j: number) => {
      const first = new Date(Date.UTC(2026, 0, 1 + i, 0, j, e.second)).toISOString();
      const ev = storedEvent({ namespace: ns, reason: e.reason, note: e.note, type: e.type ?? 'Normal', first, ...(e.count ? { count: e.count } : {}) });
      if (e.type === undefined) delete ev.type;
      if (e.fieldPath) ev.regarding.fieldPath = e.fieldPath;
      if (!parent) Object.assign(ev.regarding, { kind: 'PipelineRun', name: run.name });
      ces.push(eventCe(ev, run, parent, ns));
    };
    toCe({ ...REASON_STARTED }, pr, null, 0);
    r.own.forEach((e, j) => toCe(e, pr, null, j + 1));
    r.taskRuns.forEach((events, t) => {
      const tr = newRun('TaskRun', `pr-${i}-t${t}`);
      events.forEach((e, j) => toCe(e, tr, pr, j));
    });
    if (r.status) {
      const start = new Date(Date.UTC(2026, 0, 1 + i, 1, r.start)).toISOString();
      const end = new Date(Date.UTC(2026, 0, 1 + i, 2, r.start)).toISOString();
      statuses.push(statusCe(pr, null, { reason: r.status, message: `${r.status} after ${r.start}m`, startTime: start, completionTime: end, steps: [] }, 500, ns));
    }
  });
  expect((await send(srv.url, ces)).status).toBe(200);
  expect((await send(srv.url, statuses)).status).toBe(200);

  const recs = await query(srv.url, '/-/results/-/records?page_size=1000');
  type Rec = { name: string; data: { type: string; value: string }; create_time: string; update_time: string };
  const all = recs.body.records as Rec[];
  const isEventList = (rec: Rec) => rec.data.type === 'results.tekton.dev/v1.EventList';
  const common = (rec: Rec) => {
    const [parent, , resultName, , name] = rec.name.split('/');
    return { parent: parent!, result_name: resultName!, name: name!, type: rec.data.type, create_time: rec.create_time, update_time: rec.update_time };
  };
  recordSubjects = all.filter(isEventList).map((rec) => ({ ...common(rec), items: eventList(rec).items }));
  runSubjects = all.filter((rec) => !isEventList(rec)).map((rec) => ({ ...common(rec), value: JSON.parse(Buffer.from(rec.data.value, 'base64').toString('utf8')) }));
  const res = await query(srv.url, '/-/results?page_size=1000');
  resultSubjects = res.body.results.map((r: { name: string; uid: string; annotations: Record<string, string>; summary?: Record<string, unknown>; create_time: string; update_time: string }) => {
    const [parent, , name] = r.name.split('/');
    return { parent, name, uid: r.uid, annotations: r.annotations, summary: r.summary ?? null, create_time: r.create_time, update_time: r.update_time };
  });
});
afterAll(async () => {
  await srv.close();
});

const REASON_STARTED = { reason: 'Started', note: 'PipelineRun started', type: 'Normal' as const, count: undefined, fieldPath: undefined, second: 0 };
const q = (s: string) => JSON.stringify(s);
const str = fc.constantFrom(...FRAGMENTS, ...REASONS, ...NOTES).map(q);

const itemLeaf = fc.oneof(
  fc.constantFrom(...REASONS).map((r) => `i.reason == ${q(r)}`),
  fc.constantFrom(...REASONS).map((r) => `i.reason != ${q(r)}`),
  fc.constantFrom(...REASONS, 'M', 'a').map((r) => `i.reason < ${q(r)}`),
  fc.constantFrom('Normal', 'Warning').map((t) => `i.type == ${q(t)}`),
  fc.constantFrom('Normal', 'Warning').map((t) => `i.type != ${q(t)}`),
  fc.constant('i.type in ["Warning", "Other"]'),
  str.map((s) => `i.note.contains(${s})`),
  str.map((s) => `i.note.startsWith(${s})`),
  str.map((s) => `i.note.endsWith(${s})`),
  fc.constantFrom(...PATTERNS).map((p) => `i.note.matches(${q(p)})`),
  fc.integer({ min: 0, max: 5 }).map((n) => `i.series.count > ${n}`),
  fc.integer({ min: 1, max: 5 }).map((n) => `i.series.count == ${n}`),
  fc.constantFrom(...FIELD_PATHS).map((f) => `i.regarding.fieldPath == ${q(f)}`),
  fc.constantFrom('has(i.series)', 'has(i.type)', 'has(i.regarding.fieldPath)'),
  fc.integer({ min: 0, max: 12 }).map((n) => `size(i.note) > ${n}`),
  fc.constantFrom(...REASONS).map((r) => `i.reason + "!" == ${q(`${r}!`)}`),
);
const itemCond: fc.Arbitrary<string> = fc.letrec<{ c: string }>((tie) => ({
  c: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    itemLeaf,
    fc.tuple(tie('c'), tie('c')).map(([a, b]) => `(${a} && ${b})`),
    fc.tuple(tie('c'), tie('c')).map(([a, b]) => `(${a} || ${b})`),
    tie('c').map((a) => `!(${a})`),
  ),
})).c;

function recordLeaf(times: string[]): fc.Arbitrary<string> {
  const common = fc.oneof(
    itemCond.map((c) => `data.items.exists(i, ${c})`),
    itemCond.map((c) => `data.items.all(i, ${c})`),
    itemCond.map((c) => `data.items.exists_one(i, ${c})`),
    fc.integer({ min: 0, max: 4 }).map((n) => `size(data.items) >= ${n}`),
    fc.tuple(fc.integer({ min: 0, max: 3 }), fc.constantFrom(...REASONS)).map(([n, r]) => `data.items[${n}].reason == ${q(r)}`),
    fc.tuple(fc.integer({ min: 0, max: 3 }), fc.constantFrom('Normal', 'Warning')).map(([n, t]) => `data.items[${n}].type != ${q(t)}`),
    str.map((s) => `data.items.contains(${s})`),
    fc.constantFrom('data.metadata.name == "x"', 'data.status.conditions[0].status != "True"', 'has(data.items)', 'data.kind == "EventList"'),
    fc.constantFrom(...NAMESPACES).map((n) => `parent == ${q(n)}`),
    fc.constantFrom(...'0123456789abcdef').map((c) => `name.startsWith(${q(c)}) || result_name.endsWith(${q(c)})`),
    fc.constantFrom(...times).map((t) => `create_time > ${q(t)}`),
    fc.constantFrom(...times).map((t) => `update_time <= timestamp(${q(t)})`),
    fc.integer({ min: 0, max: 6 }).map((d) => `create_time.getDayOfWeek() != ${d}`),
  );
  // run records' fields (and data_type, decided per kind before any SQL), as often as the rest
  const runLeaf = fc.oneof(
    fc.constantFrom('data_type == PIPELINE_RUN', 'data_type == TASK_RUN', 'data_type != TASK_RUN', 'data_type in ["results.tekton.dev/v1.EventList", "tekton.dev/v1.TaskRun"]'),
    fc.constantFrom('pr-1', 'pr-2', '-t0', 'x').map((n) => `data.metadata.name.contains(${q(n)})`),
    fc.constantFrom('pr-1', 'pr-3', 'build').map((v) => `data.metadata.labels["tekton.dev/pipelineRun"] == ${q(v)} || data.metadata.labels["tekton.dev/pipelineTask"] == ${q(v)}`),
    fc.constantFrom('t1', 'pr-4').map((v) => `data.metadata.labels.contains(${q(v)})`),
    fc.constantFrom('"tekton.dev/taskRun" in data.metadata.labels', 'data.metadata.annotations["a"] == "b"', 'size(data.items) == 0', 'has(data.status.conditions)'),
    fc.constantFrom('Running', 'Succeeded', 'Failed', 'Cancelled').map((r) => `data.status.conditions[0].reason == ${q(r)}`),
    fc.constantFrom('True', 'False', 'Unknown').map((r) => `data.status.conditions[0].status == ${q(r)}`),
    fc.constantFrom(...times).map((t) => `data.status.startTime < ${q(t)}`),
  );
  return fc.oneof(common, runLeaf);
}

function combine(leaf: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.letrec<{ f: string }>((tie) => ({
    f: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.tuple(tie('f'), tie('f')).map(([a, b]) => `(${a} && ${b})`),
      fc.tuple(tie('f'), tie('f')).map(([a, b]) => `(${a} || ${b})`),
      tie('f').map((a) => `!(${a})`),
    ),
  })).f;
}

function resultLeaf(times: string[]): fc.Arbitrary<string> {
  const statuses = ['SUCCESS', 'FAILURE', 'TIMEOUT', 'CANCELLED', 'UNKNOWN', '0', '1', '2'];
  return fc.oneof(
    fc.constantFrom(...statuses).map((s) => `summary.status == ${s}`),
    fc.constantFrom(...statuses).map((s) => `summary.status != ${s}`),
    fc.constantFrom('PIPELINE_RUN', 'TASK_RUN').map((t) => `summary.type == ${t}`),
    fc.constantFrom('Succeeded', 'Failed', 'Cancelled').map((r) => `summary.annotations["reason"] == ${q(r)}`),
    str.map((s) => `summary.annotations.contains(${s})`),
    fc.constantFrom('"reason" in summary.annotations', 'has(summary.start_time)', 'has(summary.end_time)'),
    fc.constantFrom('pr-1', 'pr-').map((p) => `annotations["tekton.dev/pipelineRun"].startsWith(${q(p)})`),
    fc.constantFrom(...times).map((t) => `summary.start_time > ${q(t)}`),
    fc.integer({ min: 0, max: 40 }).map((n) => `summary.end_time.getMinutes() >= ${n}`),
    fc.constantFrom(...NAMESPACES).map((n) => `parent != ${q(n)}`),
    fc.constantFrom(...times).map((t) => `create_time < ${q(t)}`),
  );
}

const names = (items: { name: string }[]) => items.map((i) => i.name.split('/').pop()!).sort();

describe('SQL and in-process evaluation of a filter agree', () => {
  it('on records', async () => {
    expect(recordSubjects.length).toBeGreaterThan(10);
    expect(runSubjects).toHaveLength(recordSubjects.length);
    const times = [...recordSubjects.map((r) => r.create_time), ...recordSubjects.map((r) => r.update_time), '2026-01-03T00:00:00Z'];
    await fc.assert(
      fc.asyncProperty(combine(recordLeaf([...times, '2026-01-05T01:20:00Z'])), async (filter) => {
        const res = await query(srv.url, `/-/results/-/records?page_size=1000&filter=${encodeURIComponent(filter)}`);
        expect(res.status, `${filter}: ${JSON.stringify(res.body)}`).toBe(200);
        const matches = compileSubjectFilter(filter, 'records');
        const matchesRun = compileSubjectFilter(filter, 'runRecords');
        const inProcess = [...recordSubjects.filter(matches), ...runSubjects.filter(matchesRun)].map((r) => r.name).sort();
        expect(names(res.body.records), filter).toEqual(inProcess);
      }),
      { numRuns: 150 },
    );
  });

  it('on results', async () => {
    const times = [...resultSubjects.map((r) => r.create_time), '2026-01-04T01:20:00Z', '2026-01-06T01:00:00Z'];
    await fc.assert(
      fc.asyncProperty(combine(resultLeaf(times)), async (filter) => {
        const res = await query(srv.url, `/-/results?page_size=1000&filter=${encodeURIComponent(filter)}`);
        expect(res.status, `${filter}: ${JSON.stringify(res.body)}`).toBe(200);
        const matches = compileSubjectFilter(filter, 'results');
        const inProcess = resultSubjects.filter(matches).map((r) => r.name).sort();
        expect(names(res.body.results), filter).toEqual(inProcess);
      }),
      { numRuns: 100 },
    );
  });
});
