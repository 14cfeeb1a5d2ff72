import { describe, expect, it } from 'vitest';
import { batchMessage, binaryMessage, eventCloudEvent, runStatusCloudEvent } from '../../forwarder/cloudevent.js';
import { readCloudEvents } from '../../functions/ingest/parse.js';
import { toWrite } from '../../functions/ingest/toWrites.js';
import type { StoredEvent } from '../../shared/event.js';

const PR = { name: 'pr', uid: '11111111-1111-4111-8111-111111111111' };
const TR = { kind: 'TaskRun' as const, name: 'pr-build', uid: '22222222-2222-4222-8222-222222222222' };
const link = { namespace: 'ci', run: TR, pipelineRun: PR };
const opts = { clusterName: 'east', extensions: { team: 'ci' } };

const event: StoredEvent = {
  metadata: { name: 'pr-build-pod.17a2f3c1e0b5c3d1', namespace: 'ci', uid: '0b9c1d2e-3f4a-4b5c-8d6e-7f8091a2b3c4', resourceVersion: '4242', creationTimestamp: '2026-01-02T03:04:05Z' },
  regarding: { kind: 'Pod', name: 'pr-build-pod', namespace: 'ci', apiVersion: 'v1', taskName: 'build' },
  reason: 'BackOff',
  note: 'Back-off restarting failed container step-build in pod pr-build-pod (ünïcode)',
  type: 'Warning',
  series: { count: 5, lastObservedTime: '2026-01-02T03:09:05Z' },
};

function asRequest(msg: { headers: Record<string, string>; body: string }) {
  return { method: 'POST', path: '/ingest', query: new URLSearchParams(), headers: msg.headers, body: Buffer.from(msg.body) };
}

describe('CloudEvents the forwarder builds', () => {
  it('carries the attributes of SPEC §3', () => {
    const built = eventCloudEvent(event, link, opts);
    if ('problem' in built) throw new Error(built.problem);
    expect(built.ce).toMatchObject({
      specversion: '1.0',
      type: 'dev.tekton.results.event.v1',
      source: '/tekton-events/forwarder/east',
      id: '0b9c1d2e-3f4a-4b5c-8d6e-7f8091a2b3c4/4242',
      subject: 'namespaces/ci/taskruns/pr-build',
      datacontenttype: 'application/json',
      team: 'ci',
      data: { event, run: TR, pipelineRun: PR },
    });
    expect(Date.parse(built.ce.time!)).toBe(Date.parse('2026-01-02T03:09:05Z'));
  });

  it('gives the same Event state the same id, and a newer state a new one', () => {
    const a = eventCloudEvent(event, link, opts);
    const b = eventCloudEvent({ ...event, metadata: { ...event.metadata, resourceVersion: '4243' } }, link, opts);
    if ('problem' in a || 'problem' in b) throw new Error('invalid');
    expect(eventCloudEvent(event, link, opts)).toMatchObject({ ce: { id: a.ce.id } });
    expect(b.ce.id).not.toBe(a.ce.id);
  });

  it('is read back by the ingest function, in binary and in batched mode', () => {
    const built = eventCloudEvent(event, link, opts);
    const status = runStatusCloudEvent('ci', TR, PR, '900', { reason: 'Failed', message: 'oom', steps: [{ name: 'build', exitCode: 137, reason: 'OOMKilled' }] }, opts);
    if ('problem' in built || 'problem' in status) throw new Error('invalid');
    const one = readCloudEvents(asRequest(binaryMessage(built.ce)));
    expect(one.mode).toBe('binary');
    expect(one.problems).toEqual([]);
    const w = toWrite(one.events[0]!, 'event');
    expect(w).toMatchObject({ kind: 'event', list: { parent: 'ci', resultUid: PR.uid, runUid: TR.uid, runName: 'pr-build' }, seriesCount: 5 });
    expect((w as { event: StoredEvent }).event).toEqual(event);

    const many = readCloudEvents(asRequest(batchMessage([built.ce, status.ce])));
    expect(many.mode).toBe('batch');
    expect(many.problems).toEqual([]);
    expect(many.events.map((e) => toWrite(e, 'e'))).toMatchObject([{ kind: 'event' }, { kind: 'status', version: '900', status: { steps: [{ reason: 'OOMKilled' }] } }]);
  });

  it('refuses, before sending, an Event the ingest function would refuse', () => {
    const bad = eventCloudEvent(event, { ...link, run: { ...TR, uid: 'not-a-uuid' } }, opts);
    expect(bad).toHaveProperty('problem');
    expect((bad as { problem: string }).problem).toMatch(/data\.run\.uid/);
  });
});
