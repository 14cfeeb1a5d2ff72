import { describe, expect, it } from 'vitest';
import { compileEventPredicate, type EventFilterContext } from '../../shared/filter/evaluate.js';
import type { StoredEvent } from '../../shared/event.js';

const event: StoredEvent = {
  metadata: { name: 'build-pod.17a2', namespace: 'ci', uid: 'e-1', creationTimestamp: '2026-01-02T03:04:05Z' },
  regarding: { kind: 'Pod', name: 'build-pod', namespace: 'ci', fieldPath: 'spec.containers{step-build}', taskName: 'build' },
  reason: 'FailedScheduling',
  note: '0/3 nodes are available: 3 Insufficient memory.',
  type: 'Warning',
  series: { count: 4, lastObservedTime: '2026-01-02T03:09:05Z' },
};
const run = { kind: 'TaskRun' as const, name: 'ci-run-build', uid: '11111111-1111-4111-8111-111111111111', namespace: 'ci' };
const onEvent: EventFilterContext = { kind: 'event', event, run, pipelineRun: { name: 'ci-run', uid: '22222222-2222-4222-8222-222222222222' } };
const onStatus: EventFilterContext = {
  kind: 'run',
  run,
  pipelineRun: null,
  status: { reason: 'Failed', message: 'step-build exited 137', steps: [{ name: 'build', exitCode: 137, reason: 'OOMKilled' }, { name: 'push', exitCode: 0, reason: 'Completed' }] },
};

describe('compileEventPredicate', () => {
  it.each([
    ['event.reason == "FailedScheduling"', true, false],
    ['event.type == "Warning" && run.kind == "TaskRun" && run.namespace == "ci"', true, false],
    ['event.regarding.kind == "Pod" && event.regarding.taskName.startsWith("bu") && event.regarding.fieldPath.contains("step-build")', true, false],
    ['event.series.count >= 4', true, false],
    ['event.note.matches("^0/[0-9]+ nodes")', true, false],
    ['kind == "run" && status.steps.exists(s, s.reason == "OOMKilled" && s.exitCode == 137)', false, true],
    ['status.steps.all(s, s.exitCode == 0)', true, false],
    ['status.steps.exists_one(s, s.exitCode != 0)', false, true],
    ['status.reason == "Failed" || event.reason == "FailedScheduling"', true, true],
    ['pipelineRun.name == "ci-run"', true, false],
    ['run.name in ["ci-run-build", "other"]', true, true],
    // A missing field is false both ways: a run status has no event, a standalone run no pipelineRun.
    ['event.reason != "FailedScheduling"', false, false],
    ['!(event.reason == "FailedScheduling")', false, false],
    ['pipelineRun.name != "x"', true, false],
    ['has(event.series) && has(pipelineRun.name)', true, false],
    ['has(status.reason) && !has(event.reason)', false, true],
    ['size(status.steps) == 2', false, true],
  ])('%s → %s on an Event, %s on a run status', (src, onEv, onSt) => {
    const p = compileEventPredicate(src);
    expect(p(onEvent)).toBe(onEv);
    expect(p(onStatus)).toBe(onSt);
  });

  it('matches everything with an empty filter', () => {
    expect(compileEventPredicate('')(onStatus)).toBe(true);
  });

  it.each([
    ['event.secret == "x"', /unknown field "event.secret"/],
    ['status.steps.exists(s, status.steps.exists(t, s.name == t.name))', /inside exists/],
    ['event.reason ==', /unexpected end/],
    ['event.reason', /expected a condition/],
    ['event.series.count == "4"', /cannot compare num with text/],
  ])('refuses %s with a 400', (src, detail) => {
    expect(() => compileEventPredicate(src)).toThrow(expect.objectContaining({ status: 400, message: expect.stringMatching(detail) }));
  });
});
