import { describe, expect, it } from 'vitest';
import { LinkCaches } from '../../forwarder/caches.js';
import { linkEvent, LinkQueue } from '../../forwarder/link.js';
import type { StrippedEvent } from '../../forwarder/strip.js';

const PR_UID = '11111111-1111-4111-8111-111111111111';
const TR_UID = '22222222-2222-4222-8222-222222222222';
const SOLO_UID = '33333333-3333-4333-8333-333333333333';

function caches(): LinkCaches {
  const c = new LinkCaches(100, 'results.tekton.dev/eventlist');
  c.putPipelineRun({ metadata: { name: 'pr', namespace: 'ci', uid: PR_UID } });
  c.putTaskRun({
    metadata: {
      name: 'pr-build',
      namespace: 'ci',
      uid: TR_UID,
      labels: { 'tekton.dev/pipelineRun': 'pr', 'tekton.dev/pipelineTask': 'build' },
      ownerReferences: [{ kind: 'PipelineRun', name: 'pr', uid: PR_UID }],
    },
    status: { podName: 'pr-build-pod-retry1', retriesStatus: [{ podName: 'pr-build-pod' }] },
  });
  c.putTaskRun({ metadata: { name: 'solo', namespace: 'ci', uid: SOLO_UID }, status: { podName: 'solo-pod' } });
  return c;
}

function ev(kind: string, name: string, apiVersion = kind === 'Pod' ? 'v1' : 'tekton.dev/v1', uid = 'e1'): StrippedEvent {
  return {
    metadata: { name: `${name}.17a2f3c1e0b5c3d1`, namespace: 'ci', uid, creationTimestamp: '2026-01-02T03:04:05Z' },
    regarding: { kind, name, namespace: 'ci', apiVersion },
    reason: 'Scheduled',
    note: '',
  };
}

const inPipeline = { namespace: 'ci', run: { kind: 'TaskRun', name: 'pr-build', uid: TR_UID }, pipelineRun: { name: 'pr', uid: PR_UID }, taskName: 'build' };

describe('linkEvent', () => {
  it("carries the Pipeline's name: the PipelineRun's label first, else the TaskRun's or Pod's copy of it", () => {
    const c = new LinkCaches(100, 'results.tekton.dev/eventlist');
    const trMeta = (name: string, pipeline?: string) => ({
      name,
      namespace: 'ci',
      uid: name === 'pr-a' ? TR_UID : SOLO_UID,
      labels: { 'tekton.dev/pipelineRun': 'pr', 'tekton.dev/pipelineTask': 'a', ...(pipeline ? { 'tekton.dev/pipeline': pipeline } : {}) },
      ownerReferences: [{ kind: 'PipelineRun', name: 'pr', uid: PR_UID }],
    });
    c.putTaskRun({ metadata: trMeta('pr-a', 'from-taskrun') });
    const link = () => linkEvent(ev('TaskRun', 'pr-a'), c);
    // Only the TaskRun's copy known (the PipelineRun not seen yet: its uid comes from the owner).
    expect(link()).toMatchObject({ link: { pipelineRun: { name: 'pr', uid: PR_UID, pipeline: 'from-taskrun' } } });
    c.putPipelineRun({ metadata: { name: 'pr', namespace: 'ci', uid: PR_UID, labels: { 'tekton.dev/pipeline': 'from-pipelinerun' } } });
    expect(link()).toMatchObject({ link: { pipelineRun: { pipeline: 'from-pipelinerun' } } });
    expect(linkEvent(ev('PipelineRun', 'pr'), c)).toMatchObject({ link: { pipelineRun: { name: 'pr', uid: PR_UID, pipeline: 'from-pipelinerun' } } });
    // A Pod whose TaskRun is not cached: the Pod's own copy.
    const d = new LinkCaches(100, 'results.tekton.dev/eventlist');
    d.putPipelineRun({ metadata: { name: 'pr', namespace: 'ci', uid: PR_UID } });
    d.putPod({ metadata: { name: 'pr-b-pod', namespace: 'ci', labels: { 'tekton.dev/taskRun': 'pr-b', 'tekton.dev/pipelineRun': 'pr', 'tekton.dev/pipeline': 'from-pod' }, ownerReferences: [{ kind: 'TaskRun', name: 'pr-b', uid: SOLO_UID }] } });
    expect(linkEvent(ev('Pod', 'pr-b-pod'), d)).toMatchObject({ link: { pipelineRun: { pipeline: 'from-pod' } } });
    // Nothing known, or not a label value: left out, never an invalid event.
    d.putPod({ metadata: { name: 'pr-c-pod', namespace: 'ci', labels: { 'tekton.dev/taskRun': 'pr-c', 'tekton.dev/pipelineRun': 'pr', 'tekton.dev/pipeline': '-bad-' }, ownerReferences: [{ kind: 'TaskRun', name: 'pr-c', uid: SOLO_UID }] } });
    expect(linkEvent(ev('Pod', 'pr-c-pod'), d)).toMatchObject({ link: { pipelineRun: { name: 'pr', uid: PR_UID } } });
    expect((linkEvent(ev('Pod', 'pr-c-pod'), d) as { link: { pipelineRun: object } }).link.pipelineRun).not.toHaveProperty('pipeline');
  });

  it('links a Pod Event to its TaskRun and PipelineRun through the Pod labels', () => {
    const c = caches();
    c.putPod({ metadata: { name: 'pr-build-pod', namespace: 'ci', labels: { 'tekton.dev/taskRun': 'pr-build', 'tekton.dev/pipelineRun': 'pr', 'tekton.dev/pipelineTask': 'build' } } });
    expect(linkEvent(ev('Pod', 'pr-build-pod'), c)).toEqual({ link: inPipeline });
  });

  it('links an Event of a Pod already gone through the TaskRun that named it, retries included', () => {
    const c = caches();
    expect(linkEvent(ev('Pod', 'pr-build-pod-retry1'), c)).toEqual({ link: inPipeline });
    expect(linkEvent(ev('Pod', 'pr-build-pod'), c)).toEqual({ link: inPipeline });
  });

  it("names a standalone TaskRun's Events after the TaskRun, with no PipelineRun", () => {
    expect(linkEvent(ev('Pod', 'solo-pod'), caches())).toEqual({
      link: { namespace: 'ci', run: { kind: 'TaskRun', name: 'solo', uid: SOLO_UID }, pipelineRun: null, taskName: 'solo' },
    });
    expect(linkEvent(ev('TaskRun', 'solo'), caches())).toEqual({
      link: { namespace: 'ci', run: { kind: 'TaskRun', name: 'solo', uid: SOLO_UID }, pipelineRun: null, taskName: 'solo' },
    });
  });

  it("links a TaskRun's and a PipelineRun's own Events to themselves", () => {
    expect(linkEvent(ev('TaskRun', 'pr-build'), caches())).toEqual({ link: inPipeline });
    expect(linkEvent(ev('PipelineRun', 'pr'), caches())).toEqual({
      link: { namespace: 'ci', run: { kind: 'PipelineRun', name: 'pr', uid: PR_UID }, pipelineRun: { name: 'pr', uid: PR_UID }, taskName: 'pr' },
    });
  });

  it('makes an Event of a Pod not seen yet wait, and ignores Events of other objects at once', () => {
    const c = caches();
    expect(linkEvent(ev('Pod', 'later-pod'), c)).toHaveProperty('wait');
    expect(linkEvent(ev('TaskRun', 'later'), c)).toHaveProperty('wait');
    expect(linkEvent(ev('Pod', 'nginx-7d9c4b5f6-abcde'), c)).toHaveProperty('ignore');
    expect(linkEvent(ev('Deployment', 'web', 'apps/v1'), c)).toHaveProperty('ignore');
    expect(linkEvent(ev('TaskRun', 'x', 'example.com/v1'), c)).toHaveProperty('ignore');
  });
});

describe('LinkQueue', () => {
  it('links a waiting Event once its Pod is seen', () => {
    const c = caches();
    const q = new LinkQueue(10, 30_000);
    const e = ev('Pod', 'pr-build-pod-retry2', 'v1');
    q.add(e, 'pod not seen');
    expect(q.retry(c).linked).toEqual([]);
    c.putPod({ metadata: { name: 'pr-build-pod-retry2', namespace: 'ci', labels: { 'tekton.dev/taskRun': 'pr-build' } } });
    expect(q.retry(c).linked).toEqual([{ event: e, link: inPipeline }]);
    expect(q.size).toBe(0);
  });

  it('keeps one entry per Event uid, the newest state, and gives up after the wait', () => {
    let now = 0;
    const q = new LinkQueue(10, 1000, () => now);
    q.add(ev('Pod', 'a-pod', 'v1', 'u1'), 'wait');
    const newer = { ...ev('Pod', 'a-pod', 'v1', 'u1'), reason: 'Pulled' };
    q.add(newer, 'wait');
    expect(q.size).toBe(1);
    now = 999;
    expect(q.retry(caches()).expired).toEqual([]);
    now = 1000;
    const { expired } = q.retry(caches());
    expect(expired.map((w) => w.event)).toEqual([newer]);
    expect(q.size).toBe(0);
  });

  it('is bounded: when full, the longest waiting Event is given up', () => {
    const q = new LinkQueue(2, 1000);
    expect(q.add(ev('Pod', 'a-pod', 'v1', 'a'), 'w')).toBeUndefined();
    expect(q.add(ev('Pod', 'b-pod', 'v1', 'b'), 'w')).toBeUndefined();
    expect(q.add(ev('Pod', 'c-pod', 'v1', 'c'), 'w')?.event.metadata.uid).toBe('a');
    expect(q.size).toBe(2);
  });
});
