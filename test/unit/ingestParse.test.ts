import { describe, expect, it } from 'vitest';
import { readCloudEvents } from '../../functions/ingest/parse.js';
import { toWrite } from '../../functions/ingest/toWrites.js';
import { HttpError } from '../../shared/http/problem.js';
import type { CoreRequest } from '../../shared/http/core.js';
import { eventCe, newRun, statusCe, storedEvent, binaryHeaders } from '../helpers/ce.js';
import { eventListRecordId } from '../../shared/names.js';

function req(headers: Record<string, string>, body: string | Buffer): CoreRequest {
  return { method: 'POST', path: '/ingest', query: new URLSearchParams(), headers, body: Buffer.from(body) };
}

function status(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof HttpError) return err.status;
    throw err;
  }
  return undefined;
}

const tr = newRun('TaskRun', 'build');
const pr = newRun('PipelineRun', 'pipeline');
const ce = eventCe(storedEvent({}), tr, pr);

describe('reading CloudEvents from HTTP', () => {
  it('reads binary mode from ce-* headers and the body as data', () => {
    const { mode, events } = readCloudEvents(req(binaryHeaders(ce), JSON.stringify(ce['data'])));
    expect(mode).toBe('binary');
    expect(events[0]).toMatchObject({ id: ce['id'], type: ce['type'], subject: ce['subject'], data: ce['data'] });
  });
  it('reads structured and batched mode', () => {
    expect(readCloudEvents(req({ 'content-type': 'application/cloudevents+json' }, JSON.stringify(ce))).events).toHaveLength(1);
    const batch = readCloudEvents(req({ 'content-type': 'application/cloudevents-batch+json' }, JSON.stringify([ce, ce, ce])));
    expect(batch.events.map((e) => e.pointer)).toEqual(['events[0]', 'events[1]', 'events[2]']);
  });
  it('reads data_base64 in structured mode as JSON data', () => {
    const { data, ...rest } = ce;
    const b64 = { ...rest, data_base64: Buffer.from(JSON.stringify(data)).toString('base64') };
    expect(readCloudEvents(req({ 'content-type': 'application/cloudevents+json' }, JSON.stringify(b64))).events[0]!.data).toEqual(data);
  });
  it('names each bad event of a batch by its position', () => {
    const { problems } = readCloudEvents(
      req({ 'content-type': 'application/cloudevents-batch+json' }, JSON.stringify([ce, { ...ce, specversion: '0.3' }, 42, { ...ce, id: '' }])),
    );
    expect(problems.map((p) => p.pointer)).toEqual(['events[1].specversion', 'events[2]', 'events[3].id']);
  });
  it.each([
    [{ 'content-type': 'application/cloudevents-batch+json' }, '{}', 400],
    [{ 'content-type': 'application/cloudevents-batch+json' }, '[]', 400],
    [{ 'content-type': 'application/cloudevents+json' }, '', 400],
    [{ 'content-type': 'application/cloudevents+json; charset=latin1' }, '{}', 415],
    [{ 'content-type': 'text/html' }, '<p>', 415],
    [{ 'ce-specversion': '1.0', 'content-type': 'text/plain' }, 'hi', 415],
    [{ 'ce-specversion': '1.0', 'ce-type': 'x', 'ce-source': '/s', 'ce-id': '%zz' }, '{}', 400],
  ])('refuses framing %j with %i', (headers, body, expected) => {
    expect(status(() => readCloudEvents(req(headers as Record<string, string>, body)))).toBe(expected);
  });
  it('refuses an invalid time instead of replacing it with now', () => {
    expect(status(() => readCloudEvents(req({ 'content-type': 'application/cloudevents+json' }, JSON.stringify({ ...ce, time: 'yesterday' }))))).toBe(400);
  });
});

describe('CloudEvent → store write', () => {
  const parsed = (c: Record<string, unknown>) =>
    readCloudEvents(req({ 'content-type': 'application/cloudevents+json' }, JSON.stringify(c))).events[0]!;

  it('places a TaskRun of a pipeline under the PipelineRun result, with the Results record id', () => {
    const w = toWrite(parsed(ce), 'event');
    expect(Array.isArray(w)).toBe(false);
    if (Array.isArray(w)) return;
    expect(w.list).toEqual({
      parent: 'ci',
      resultUid: pr.uid,
      resultRunKind: 'PipelineRun',
      resultRunName: pr.name,
      recordId: eventListRecordId(pr.uid, tr.uid),
      runKind: 'TaskRun',
      runName: tr.name,
      runUid: tr.uid,
    });
  });
  it('places a standalone TaskRun under a result of its own', () => {
    const w = toWrite(parsed(eventCe(storedEvent({}), tr, null)), 'event');
    if (Array.isArray(w)) throw new Error('unexpected problems');
    expect([w.list.resultUid, w.list.resultRunKind]).toEqual([tr.uid, 'TaskRun']);
  });
  it('reads the run status version from the CloudEvent id', () => {
    const w = toWrite(parsed(statusCe(tr, pr, { reason: 'Failed', steps: [] }, 4711)), 'event');
    if (Array.isArray(w) || w.kind !== 'status') throw new Error('expected a status write');
    expect(w.version).toBe('4711');
  });
  it('reports every zod issue with its path', () => {
    const bad = structuredClone(eventCe(storedEvent({}), tr, pr)) as { data: { event: Record<string, unknown>; run: Record<string, unknown> } };
    bad.data.event['reason'] = '';
    bad.data.run['uid'] = 'not-a-uuid';
    const w = toWrite(parsed(bad as unknown as Record<string, unknown>), 'events[7]');
    expect(Array.isArray(w) && w.map((p) => p.pointer).sort()).toEqual(['events[7].data.event.reason', 'events[7].data.run.uid']);
  });
  it('refuses a namespace that is not a DNS label', () => {
    const w = toWrite(parsed({ ...ce, subject: `namespaces/Not_A_Label/taskruns/${tr.name}` }), 'event');
    expect(Array.isArray(w) && w[0]!.detail).toMatch(/not a Kubernetes namespace name/);
  });
  const problemsOf = (c: Record<string, unknown>, body?: string) => {
    const events = body
      ? readCloudEvents(req({ 'content-type': 'application/cloudevents+json' }, body)).events
      : [parsed(c)];
    const w = toWrite(events[0]!, 'event');
    return Array.isArray(w) ? w : [];
  };
  it('requires the subject', () => {
    const { subject: _s, ...noSubject } = ce;
    expect(problemsOf(noSubject)).toEqual([expect.objectContaining({ pointer: 'event.subject', detail: expect.stringMatching(/^required/) })]);
  });
  it("refuses a subject whose namespace is not the Event's", () => {
    const other = eventCe(storedEvent({ namespace: 'team-a' }), tr, pr, 'team-b');
    expect(problemsOf(other)).toEqual([expect.objectContaining({ pointer: 'event.subject', detail: expect.stringMatching(/team-b.*team-a/) })]);
  });
  it.each(['Build', 'build_1', '-build', 'a'.repeat(254), 'build/x'])('refuses the run name %j, which Kubernetes would refuse', (name) => {
    const run = { ...tr, name };
    const c = { ...eventCe(storedEvent({}), run, pr), subject: 'namespaces/ci/taskruns/build' };
    expect(problemsOf(c).map((p) => p.pointer)).toContain('event.data.run.name');
  });
  it('accepts a run name with dots, as Kubernetes does', () => {
    const run = { ...tr, name: 'build.v2-1' };
    expect(problemsOf(eventCe(storedEvent({}), run, pr))).toEqual([]);
  });
  it.each([
    ['a lone high surrogate', '"\\ud800 oops"'],
    ['a lone low surrogate', '"oops \\udc00"'],
    ['a NUL', '"a\\u0000b"'],
  ])('refuses a note with %s, which Postgres would refuse', (_what, note) => {
    const body = JSON.stringify(ce).replace(/"note":"[^"]*"/, `"note":${note}`);
    expect(problemsOf(ce, body)).toEqual([expect.objectContaining({ pointer: 'event.data.event.note' })]);
  });
  it('accepts an escaped surrogate pair (an emoji)', () => {
    const body = JSON.stringify(ce).replace(/"note":"[^"]*"/, '"note":"\\ud83c\\udf0e"');
    expect(problemsOf(ce, body)).toEqual([]);
  });
});
