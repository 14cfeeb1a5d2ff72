/**
 * A failing PipelineRun, as a cluster with Tekton Pipelines would write it, step by step: the
 * objects (PipelineRun, TaskRuns, Pods) and the Events the scheduler, the kubelet and the Tekton
 * controller record about them, with the timestamps of the moment they are played.
 *
 * ci/build-and-deploy-<id>: fetch-source succeeds; build-image's pod waits for a node
 * (FailedScheduling, repeated to a series of 3), is scheduled, pulls its image, starts, and its
 * step is OOMKilled (exit 137); the kubelet backs off (BackOff ×2); the TaskRun fails, then the
 * PipelineRun. About 25 seconds at speed 1.
 */
import { randomBytes } from 'node:crypto';
import type { FakeKube } from '../fakeKube/server.js';
import { eventV1, finish, iso, pipelineRun, pod, repeat, taskRun } from '../fakeKube/fixtures.js';

type Obj = Record<string, unknown> & { metadata: Record<string, unknown> };

export interface Step {
  /** seconds after the start, at speed 1 */
  at: number;
  /** what a person watching would call it */
  what: string;
  apply(kube: FakeKube): void;
}

export interface Scenario {
  namespace: string;
  pipelineRun: string;
  steps: Step[];
}

const KANIKO = 'gcr.io/kaniko-project/executor:v1.23.2';
const GIT = 'gcr.io/tekton-releases/github.com/tektoncd/pipeline/cmd/git-init:v0.40.2';

/** Tekton's generateName suffix: 5 lower-case letters and digits. */
function suffix(): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  return [...randomBytes(5)].map((b) => alphabet[b % alphabet.length]).join('');
}

const metadataOf = (o: Obj) => o.metadata as { name: string; namespace: string; uid: string };

export function failingPipelineRun(namespace = 'ci', name = `build-and-deploy-${suffix()}`): Scenario {
  // Objects are created by the steps; later steps use what the earlier ones stored.
  let pr: Obj | undefined;
  let fetch: Obj | undefined;
  let fetchPod: Obj | undefined;
  let build: Obj | undefined;
  let buildPod: Obj | undefined;
  let unschedulable: Obj | undefined;
  let backOff: Obj | undefined;
  // Strictly increasing, so Events of one step keep their order (EventList items sort by first observed time).
  let last = 0;
  const now = () => (last = Math.max(Date.now(), last + 1));
  const event = (about: Obj, reason: string, note: string, opts: Parameters<typeof eventV1>[3] = {}) => (kube: FakeKube) => {
    kube.create('events', eventV1(about, reason, note, { at: now(), ...opts }));
  };
  const container = (step: string) => `spec.containers{step-${step}}`;
  const running = (run: Obj): Obj => ({ ...run, status: { ...(run['status'] as object), startTime: iso(now()) } });

  const steps: Step[] = [
    {
      at: 0,
      what: `PipelineRun ${name} created`,
      apply(kube) {
        pr = kube.create('pipelineruns', running(pipelineRun(namespace, name, { pipeline: 'build-and-deploy' })));
        event(pr, 'Started', '', { controller: 'PipelineRun' })(kube);
      },
    },
    {
      at: 0.5,
      what: 'TaskRun fetch-source and its pod created',
      apply(kube) {
        fetch = kube.create('taskruns', running(taskRun(namespace, `${name}-fetch-source`, { pipelineRun: pr!, pipelineTask: 'fetch-source' })));
        fetchPod = kube.create('pods', pod(namespace, `${name}-fetch-source-pod`, fetch));
        event(fetch, 'Started', '', { controller: 'TaskRun' })(kube);
        event(pr!, 'Running', 'Tasks Completed: 0 (Failed: 0, Cancelled 0), Incomplete: 2, Skipped: 0', { controller: 'PipelineRun' })(kube);
      },
    },
    { at: 1, what: 'fetch-source scheduled', apply: (kube) => event(fetchPod!, 'Scheduled', `Successfully assigned ${namespace}/${metadataOf(fetchPod!).name} to gke-ci-pool-2-9f3b`, { controller: 'default-scheduler' })(kube) },
    { at: 1.5, what: 'fetch-source image present', apply: (kube) => event(fetchPod!, 'Pulled', `Container image "${GIT}" already present on machine`, { fieldPath: container('clone') })(kube) },
    {
      at: 2,
      what: 'fetch-source step started',
      apply(kube) {
        event(fetchPod!, 'Created', 'Created container step-clone', { fieldPath: container('clone') })(kube);
        event(fetchPod!, 'Started', 'Started container step-clone', { fieldPath: container('clone') })(kube);
      },
    },
    {
      at: 4,
      what: 'fetch-source succeeded',
      apply(kube) {
        fetch = kube.update('taskruns', finish(fetch!, 'Succeeded', 'All Steps have completed executing', { succeeded: true, at: now(), steps: [{ name: 'clone', exitCode: 0, reason: 'Completed' }] }));
        event(fetch, 'Succeeded', 'All Steps have completed executing', { controller: 'TaskRun' })(kube);
      },
    },
    {
      at: 5,
      what: 'TaskRun build-image and its pod created; no node has the memory (FailedScheduling)',
      apply(kube) {
        build = kube.create('taskruns', running(taskRun(namespace, `${name}-build-image`, { pipelineRun: pr!, pipelineTask: 'build-image' })));
        buildPod = kube.create('pods', pod(namespace, `${name}-build-image-pod`, build));
        event(build, 'Started', '', { controller: 'TaskRun' })(kube);
        unschedulable = kube.create(
          'events',
          eventV1(buildPod, 'FailedScheduling', '0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.', {
            type: 'Warning',
            controller: 'default-scheduler',
            at: now(),
          }),
        );
      },
    },
    { at: 7.5, what: 'FailedScheduling again (2)', apply: (kube) => void (unschedulable = kube.update('events', repeat(unschedulable!, 2, now()))) },
    { at: 10, what: 'FailedScheduling again (3)', apply: (kube) => void (unschedulable = kube.update('events', repeat(unschedulable!, 3, now()))) },
    { at: 12, what: 'build-image scheduled (the autoscaler added a node)', apply: (kube) => event(buildPod!, 'Scheduled', `Successfully assigned ${namespace}/${metadataOf(buildPod!).name} to gke-ci-pool-2-a41c`, { controller: 'default-scheduler' })(kube) },
    { at: 13, what: 'pulling the kaniko image', apply: (kube) => event(buildPod!, 'Pulling', `Pulling image "${KANIKO}"`, { fieldPath: container('build') })(kube) },
    { at: 15.5, what: 'image pulled', apply: (kube) => event(buildPod!, 'Pulled', `Successfully pulled image "${KANIKO}" in 2.41s (2.41s including waiting). Image size: 78812562 bytes.`, { fieldPath: container('build') })(kube) },
    {
      at: 16,
      what: 'step-build started',
      apply(kube) {
        event(buildPod!, 'Created', 'Created container step-build', { fieldPath: container('build') })(kube);
        event(buildPod!, 'Started', 'Started container step-build', { fieldPath: container('build') })(kube);
      },
    },
    {
      at: 19.5,
      what: 'step-build OOMKilled (exit 137); the kubelet backs off',
      apply(kube) {
        const p = kube.get<Obj>('pods', namespace, metadataOf(buildPod!).name)!;
        const terminated = { exitCode: 137, reason: 'OOMKilled', startedAt: iso(now() - 3500), finishedAt: iso(now()) };
        buildPod = kube.update('pods', { ...p, status: { phase: 'Failed', containerStatuses: [{ name: 'step-build', ready: false, restartCount: 0, image: KANIKO, state: { terminated } }] } });
        backOff = kube.create('events', eventV1(buildPod, 'BackOff', `Back-off restarting failed container step-build in pod ${metadataOf(buildPod).name}_${namespace}(${metadataOf(buildPod).uid})`, { type: 'Warning', fieldPath: container('build'), at: now() }));
      },
    },
    { at: 22, what: 'BackOff again (2)', apply: (kube) => void (backOff = kube.update('events', repeat(backOff!, 2, now()))) },
    {
      at: 23.5,
      what: 'TaskRun build-image failed',
      apply(kube) {
        const message = `"step-build" exited with code 137: OOMKilled`;
        build = kube.update('taskruns', finish(build!, 'Failed', message, { at: now(), steps: [{ name: 'build', exitCode: 137, reason: 'OOMKilled' }] }));
        event(build, 'Failed', message, { type: 'Warning', controller: 'TaskRun' })(kube);
      },
    },
    {
      at: 25,
      what: 'PipelineRun failed',
      apply(kube) {
        const message = 'Tasks Completed: 2 (Failed: 1, Cancelled 0), Skipped: 0';
        pr = kube.update('pipelineruns', finish(pr!, 'Failed', message, { at: now() }));
        event(pr, 'Failed', message, { type: 'Warning', controller: 'PipelineRun' })(kube);
      },
    },
  ];
  return { namespace, pipelineRun: name, steps };
}

/**
 * Plays the steps into the fake cluster at their times, divided by `speed` (2: twice as fast).
 * Resolves after the last step; `signal` stops it between steps.
 */
export async function play(kube: FakeKube, scenario: Scenario, opts: { speed?: number; signal?: AbortSignal; onStep?: (s: Step) => void } = {}): Promise<void> {
  const speed = opts.speed ?? 1;
  const start = Date.now();
  for (const step of scenario.steps) {
    const wait = start + (step.at * 1000) / speed - Date.now();
    if (wait > 0) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(t);
          opts.signal?.removeEventListener('abort', done);
          resolve();
        };
        const t = setTimeout(done, wait);
        opts.signal?.addEventListener('abort', done, { once: true });
      });
    }
    if (opts.signal?.aborted) return;
    step.apply(kube);
    opts.onStep?.(step);
  }
}
