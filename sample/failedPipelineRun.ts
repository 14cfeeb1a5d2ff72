/**
 * A recorded failed PipelineRun, as the forwarder would send it: `npm start` loads it when no
 * cluster is reachable, so the query API shows real-looking data at once.
 *
 * ci/build-and-deploy-x7k2p: fetch-source succeeds; build-image waits for a node
 * (FailedScheduling), pulls, its step is OOMKilled and restarts in BackOff (one Event, five
 * repeats), so the TaskRun and then the PipelineRun fail.
 */
import { EVENT_TYPE, RUN_TYPE, type RunStatusData, type StoredEvent } from '../shared/event.js';

const NS = 'ci';
const PR = { name: 'build-and-deploy-x7k2p', uid: '5b0a3f4e-2c1d-4e8f-9a6b-7c3d2e1f0a9b' };
const FETCH = { kind: 'TaskRun' as const, name: 'build-and-deploy-x7k2p-fetch-source', uid: '8d2c4b6a-1e3f-4a5b-8c7d-9e0f1a2b3c4d' };
const BUILD = { kind: 'TaskRun' as const, name: 'build-and-deploy-x7k2p-build-image', uid: 'c3e5a7b9-2d4f-4b6a-9c8e-0f1a2b3c4d5e' };
const PR_RUN = { kind: 'PipelineRun' as const, ...PR };
const SOURCE = '/tekton-events/forwarder/sample';

const T0 = Date.parse('2026-11-24T09:00:00Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString().replace('.000Z', 'Z');
let rv = 48_210;

interface Regarding {
  kind: string;
  name: string;
  uid: string;
  apiVersion: string;
  fieldPath?: string;
}

function ev(
  regarding: Regarding,
  taskName: string,
  second: number,
  reason: string,
  note: string,
  type: 'Normal' | 'Warning',
  controller: string,
  extra: Partial<StoredEvent> = {},
): StoredEvent {
  rv += 7;
  const hex = (T0 / 1000 + second).toString(16);
  return {
    metadata: {
      name: `${regarding.name}.${hex}${rv.toString(16)}`,
      namespace: NS,
      uid: `${(rv * 2654435761 % 0xffffffff).toString(16).padStart(8, '0')}-7e1a-4c2b-8d3e-${rv.toString(16).padStart(12, '0')}`,
      resourceVersion: String(rv),
      creationTimestamp: at(second),
    },
    regarding: { ...regarding, namespace: NS, taskName },
    reason,
    note,
    type,
    reportingController: controller,
    reportingInstance: controller === 'kubelet' ? 'gke-ci-pool-2-9f3b' : `${controller}-7d9c`,
    eventTime: null,
    deprecatedFirstTimestamp: at(second),
    deprecatedLastTimestamp: at(second),
    deprecatedCount: 1,
    ...extra,
  };
}

const fetchPod: Regarding = { kind: 'Pod', name: `${FETCH.name}-pod`, uid: '1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b', apiVersion: 'v1' };
const buildPod: Regarding = { kind: 'Pod', name: `${BUILD.name}-pod`, uid: '2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d', apiVersion: 'v1' };
const step = (pod: Regarding, s: string): Regarding => ({ ...pod, fieldPath: `spec.containers{step-${s}}` });
const tr = (r: typeof FETCH): Regarding => ({ kind: 'TaskRun', name: r.name, uid: r.uid, apiVersion: 'tekton.dev/v1' });
const pr: Regarding = { kind: 'PipelineRun', name: PR.name, uid: PR.uid, apiVersion: 'tekton.dev/v1' };

const pipelineEvents = [
  ev(pr, PR.name, 0, 'Started', '', 'Normal', 'PipelineRun'),
  ev(pr, PR.name, 1, 'Running', 'Tasks Completed: 0 (Failed: 0, Cancelled 0), Incomplete: 2, Skipped: 0', 'Normal', 'PipelineRun'),
  ev(pr, PR.name, 190, 'Failed', 'Tasks Completed: 2 (Failed: 1, Cancelled 0), Skipped: 0', 'Warning', 'PipelineRun'),
];

const fetchEvents = [
  ev(tr(FETCH), 'fetch-source', 1, 'Started', '', 'Normal', 'TaskRun'),
  ev(fetchPod, 'fetch-source', 2, 'Scheduled', `Successfully assigned ${NS}/${fetchPod.name} to gke-ci-pool-2-9f3b`, 'Normal', 'default-scheduler'),
  ev(step(fetchPod, 'clone'), 'fetch-source', 4, 'Pulled', 'Container image "gcr.io/tekton-releases/git-init:v0.40.2" already present on machine', 'Normal', 'kubelet'),
  ev(step(fetchPod, 'clone'), 'fetch-source', 5, 'Started', 'Started container step-clone', 'Normal', 'kubelet'),
  ev(tr(FETCH), 'fetch-source', 21, 'Succeeded', 'All Steps have completed executing', 'Normal', 'TaskRun'),
];

const backOff = ev(step(buildPod, 'build'), 'build-image', 140, 'BackOff', 'Back-off restarting failed container step-build in pod ' + buildPod.name, 'Warning', 'kubelet');
const buildEvents = [
  ev(tr(BUILD), 'build-image', 22, 'Started', '', 'Normal', 'TaskRun'),
  ev(buildPod, 'build-image', 23, 'FailedScheduling', '0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.', 'Warning', 'default-scheduler'),
  ev(buildPod, 'build-image', 61, 'Scheduled', `Successfully assigned ${NS}/${buildPod.name} to gke-ci-pool-2-4c1d`, 'Normal', 'default-scheduler'),
  ev(step(buildPod, 'build'), 'build-image', 62, 'Pulling', 'Pulling image "gcr.io/kaniko-project/executor:v1.23.2"', 'Normal', 'kubelet'),
  ev(step(buildPod, 'build'), 'build-image', 79, 'Pulled', 'Successfully pulled image "gcr.io/kaniko-project/executor:v1.23.2" in 16.8s', 'Normal', 'kubelet'),
  ev(step(buildPod, 'build'), 'build-image', 80, 'Started', 'Started container step-build', 'Normal', 'kubelet'),
  // A repeating Event: Kubernetes updates it in place, its count growing to 5.
  { ...backOff, deprecatedCount: 5, deprecatedLastTimestamp: at(186), metadata: { ...backOff.metadata, resourceVersion: String(rv + 40) } },
  ev(tr(BUILD), 'build-image', 188, 'Failed', `"step-build" exited with code 137: OOMKilled`, 'Warning', 'TaskRun'),
];

function eventCe(e: StoredEvent, run: { kind: 'TaskRun' | 'PipelineRun'; name: string; uid: string }) {
  return {
    specversion: '1.0',
    type: EVENT_TYPE,
    source: SOURCE,
    id: `${e.metadata.uid}/${e.metadata.resourceVersion}`,
    subject: `namespaces/${NS}/${run.kind === 'TaskRun' ? 'taskruns' : 'pipelineruns'}/${run.name}`,
    time: e.deprecatedLastTimestamp ?? e.metadata.creationTimestamp,
    datacontenttype: 'application/json',
    data: { event: e, run, pipelineRun: PR },
  };
}

function statusCe(data: RunStatusData, version: number) {
  return {
    specversion: '1.0',
    type: RUN_TYPE,
    source: SOURCE,
    id: `${data.run.uid}/${version}`,
    subject: `namespaces/${NS}/${data.run.kind === 'TaskRun' ? 'taskruns' : 'pipelineruns'}/${data.run.name}`,
    time: data.status.completionTime ?? undefined,
    datacontenttype: 'application/json',
    data,
  };
}

/** The sample as one CloudEvents batch (`application/cloudevents-batch+json`). */
export function sampleBatch(): unknown[] {
  return [
    ...pipelineEvents.map((e) => eventCe(e, PR_RUN)),
    ...fetchEvents.map((e) => eventCe(e, FETCH)),
    ...buildEvents.map((e) => eventCe(e, BUILD)),
    statusCe(
      {
        run: FETCH,
        pipelineRun: PR,
        status: { reason: 'Succeeded', message: 'All Steps have completed executing', startTime: at(1), completionTime: at(21), steps: [{ name: 'clone', exitCode: 0, reason: 'Completed' }] },
      },
      48_300,
    ),
    statusCe(
      {
        run: BUILD,
        pipelineRun: PR,
        status: { reason: 'Failed', message: '"step-build" exited with code 137: OOMKilled', startTime: at(22), completionTime: at(188), steps: [{ name: 'build', exitCode: 137, reason: 'OOMKilled' }, { name: 'push', exitCode: null, reason: 'Skipped' }] },
      },
      48_400,
    ),
    statusCe(
      {
        run: PR_RUN,
        pipelineRun: null,
        status: { reason: 'Failed', message: 'Tasks Completed: 2 (Failed: 1, Cancelled 0), Skipped: 0', startTime: at(0), completionTime: at(190), steps: [] },
      },
      48_500,
    ),
  ];
}

export const SAMPLE = { namespace: NS, pipelineRun: PR, taskRuns: [FETCH, BUILD] };
