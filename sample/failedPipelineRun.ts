/**
 * A recorded failed PipelineRun, as the forwarder would send it: `npm start` loads it when no
 * cluster is reachable, so the query API, the timeline and the CLI show real-looking data at once.
 *
 * ci/build-and-deploy-x7k2p (Tasks: fetch-source → build-image ∥ unit-tests → deploy):
 *   fetch-source  succeeds in 20 s;
 *   unit-tests    runs, and is cancelled by a person after two minutes (TaskRunCancelled);
 *   build-image   waits for a node (FailedScheduling: Insufficient memory, three times) until
 *                 the autoscaler adds one, pulls kaniko, starts, and step-build is OOMKilled
 *                 (exit 137), restarting in BackOff, so the TaskRun fails;
 *   deploy        is skipped; the PipelineRun fails.
 * Its Events and statuses use the reasons and messages the scheduler, kubelet, cluster
 * autoscaler and Tekton controller write. Each run is one batch, sent in the order the runs
 * were created, so their records get distinct create_times (the failing TaskRun is the newest).
 */
import { EVENT_TYPE, RUN_TYPE, type RunStatusData, type StoredEvent } from '../shared/event.js';

const NS = 'ci';
const PR = { name: 'build-and-deploy-x7k2p', uid: '5b0a3f4e-2c1d-4e8f-9a6b-7c3d2e1f0a9b', pipeline: 'build-and-deploy' };
type Run = { kind: 'TaskRun' | 'PipelineRun'; name: string; uid: string };
const taskRun = (task: string, uid: string): Run => ({ kind: 'TaskRun', name: `${PR.name}-${task}`, uid });
const FETCH = taskRun('fetch-source', '8d2c4b6a-1e3f-4a5b-8c7d-9e0f1a2b3c4d');
const TESTS = taskRun('unit-tests', '4e6f8a0b-3c5d-4e7f-8a9b-1c2d3e4f5a6b');
const BUILD = taskRun('build-image', 'c3e5a7b9-2d4f-4b6a-9c8e-0f1a2b3c4d5e');
const PR_RUN: Run = { kind: 'PipelineRun', ...PR };
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
  repeat?: { count: number; lastSecond: number },
): StoredEvent {
  rv += 7;
  const hex = (T0 / 1000 + second).toString(16);
  const node = controller === 'kubelet' ? (taskName === 'build-image' ? 'gke-ci-pool-2-4c1d' : 'gke-ci-pool-2-9f3b') : undefined;
  return {
    metadata: {
      name: `${regarding.name}.${hex}${rv.toString(16)}`,
      namespace: NS,
      uid: `${((rv * 2654435761) % 0xffffffff).toString(16).padStart(8, '0')}-7e1a-4c2b-8d3e-${rv.toString(16).padStart(12, '0')}`,
      resourceVersion: String(repeat ? rv + 40 : rv),
      creationTimestamp: at(second),
    },
    regarding: { ...regarding, namespace: NS, taskName },
    reason,
    note,
    type,
    reportingController: controller,
    reportingInstance: node ?? `${controller}-7d9c`,
    eventTime: null,
    deprecatedFirstTimestamp: at(second),
    deprecatedLastTimestamp: at(repeat?.lastSecond ?? second),
    deprecatedCount: repeat?.count ?? 1,
  };
}

const pod = (r: Run, uid: string): Regarding => ({ kind: 'Pod', name: `${r.name}-pod`, uid, apiVersion: 'v1' });
const fetchPod = pod(FETCH, '1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b');
const testsPod = pod(TESTS, '6c7d8e9f-0a1b-4c2d-9e3f-4a5b6c7d8e9f');
const buildPod = pod(BUILD, '2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d');
const step = (p: Regarding, s: string): Regarding => ({ ...p, fieldPath: `spec.containers{step-${s}}` });
const tr = (r: Run): Regarding => ({ kind: 'TaskRun', name: r.name, uid: r.uid, apiVersion: 'tekton.dev/v1' });
const pr: Regarding = { kind: 'PipelineRun', name: PR.name, uid: PR.uid, apiVersion: 'tekton.dev/v1' };

const KANIKO = 'gcr.io/kaniko-project/executor:v1.23.2';
const PR_MESSAGE = 'Tasks Completed: 3 (Failed: 1, Cancelled 1), Skipped: 1';
const BUILD_MESSAGE = '"step-build" exited with code 137: OOMKilled';
const TESTS_MESSAGE = `TaskRun "${TESTS.name}" was cancelled. `;

const pipelineEvents = [
  ev(pr, PR.name, 0, 'Started', '', 'Normal', 'PipelineRun'),
  ev(pr, PR.name, 1, 'Running', 'Tasks Completed: 0 (Failed: 0, Cancelled 0), Incomplete: 4, Skipped: 0', 'Normal', 'PipelineRun'),
  ev(pr, PR.name, 21, 'Running', 'Tasks Completed: 1 (Failed: 0, Cancelled 0), Incomplete: 3, Skipped: 0', 'Normal', 'PipelineRun'),
  ev(pr, PR.name, 150, 'Running', 'Tasks Completed: 2 (Failed: 0, Cancelled 1), Incomplete: 1, Skipped: 0', 'Normal', 'PipelineRun'),
  ev(pr, PR.name, 190, 'Failed', PR_MESSAGE, 'Warning', 'PipelineRun'),
];

const fetchEvents = [
  ev(tr(FETCH), 'fetch-source', 1, 'Started', '', 'Normal', 'TaskRun'),
  ev(fetchPod, 'fetch-source', 2, 'Scheduled', `Successfully assigned ${NS}/${fetchPod.name} to gke-ci-pool-2-9f3b`, 'Normal', 'default-scheduler'),
  ev(step(fetchPod, 'clone'), 'fetch-source', 4, 'Pulled', 'Container image "gcr.io/tekton-releases/github.com/tektoncd/pipeline/cmd/git-init:v0.40.2" already present on machine', 'Normal', 'kubelet'),
  ev(step(fetchPod, 'clone'), 'fetch-source', 4, 'Created', 'Created container step-clone', 'Normal', 'kubelet'),
  ev(step(fetchPod, 'clone'), 'fetch-source', 5, 'Started', 'Started container step-clone', 'Normal', 'kubelet'),
  ev(tr(FETCH), 'fetch-source', 21, 'Succeeded', 'All Steps have completed executing', 'Normal', 'TaskRun'),
];

const testsEvents = [
  ev(tr(TESTS), 'unit-tests', 22, 'Started', '', 'Normal', 'TaskRun'),
  ev(testsPod, 'unit-tests', 23, 'Scheduled', `Successfully assigned ${NS}/${testsPod.name} to gke-ci-pool-2-9f3b`, 'Normal', 'default-scheduler'),
  ev(step(testsPod, 'test'), 'unit-tests', 24, 'Pulled', 'Container image "docker.io/library/golang:1.23" already present on machine', 'Normal', 'kubelet'),
  ev(step(testsPod, 'test'), 'unit-tests', 24, 'Created', 'Created container step-test', 'Normal', 'kubelet'),
  ev(step(testsPod, 'test'), 'unit-tests', 25, 'Started', 'Started container step-test', 'Normal', 'kubelet'),
  ev(step(testsPod, 'test'), 'unit-tests', 150, 'Killing', 'Stopping container step-test', 'Normal', 'kubelet'),
  ev(tr(TESTS), 'unit-tests', 150, 'Failed', TESTS_MESSAGE, 'Warning', 'TaskRun'),
];

const buildEvents = [
  ev(tr(BUILD), 'build-image', 22, 'Started', '', 'Normal', 'TaskRun'),
  // The scheduler repeats one Event (its count grows) while no node has the memory asked for.
  ev(
    buildPod,
    'build-image',
    22,
    'FailedScheduling',
    '0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.',
    'Warning',
    'default-scheduler',
    { count: 3, lastSecond: 52 },
  ),
  ev(buildPod, 'build-image', 24, 'TriggeredScaleUp', 'pod triggered scale-up: [{https://www.googleapis.com/compute/v1/projects/acme-ci/zones/europe-west1-b/instanceGroups/gke-ci-pool-2-grp 3->4 (max: 6)}]', 'Normal', 'cluster-autoscaler'),
  ev(buildPod, 'build-image', 61, 'Scheduled', `Successfully assigned ${NS}/${buildPod.name} to gke-ci-pool-2-4c1d`, 'Normal', 'default-scheduler'),
  ev(step(buildPod, 'build'), 'build-image', 62, 'Pulling', `Pulling image "${KANIKO}"`, 'Normal', 'kubelet'),
  ev(step(buildPod, 'build'), 'build-image', 79, 'Pulled', `Successfully pulled image "${KANIKO}" in 16.8s (16.8s including waiting). Image size: 41234567 bytes.`, 'Normal', 'kubelet'),
  ev(step(buildPod, 'build'), 'build-image', 80, 'Created', 'Created container step-build', 'Normal', 'kubelet'),
  ev(step(buildPod, 'build'), 'build-image', 80, 'Started', 'Started container step-build', 'Normal', 'kubelet'),
  ev(step(buildPod, 'build'), 'build-image', 140, 'BackOff', `Back-off restarting failed container step-build in pod ${buildPod.name}_${NS}(${buildPod.uid})`, 'Warning', 'kubelet', { count: 5, lastSecond: 186 }),
  ev(tr(BUILD), 'build-image', 188, 'Failed', BUILD_MESSAGE, 'Warning', 'TaskRun'),
];

function eventCe(e: StoredEvent, run: Run) {
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

function statusCe(run: Run, status: RunStatusData['status'], version: number) {
  const data: RunStatusData = { run, pipelineRun: PR, status };
  return {
    specversion: '1.0',
    type: RUN_TYPE,
    source: SOURCE,
    id: `${run.uid}/${version}`,
    subject: `namespaces/${NS}/${run.kind === 'TaskRun' ? 'taskruns' : 'pipelineruns'}/${run.name}`,
    time: status.completionTime ?? undefined,
    datacontenttype: 'application/json',
    data,
  };
}

/**
 * The sample as CloudEvents batches (`application/cloudevents-batch+json`), one per run in the
 * order the runs were created: send them one after another.
 */
export function sampleBatches(): unknown[][] {
  return [
    [
      ...pipelineEvents.map((e) => eventCe(e, PR_RUN)),
      statusCe(PR_RUN, { reason: 'Failed', message: PR_MESSAGE, startTime: at(0), completionTime: at(190), steps: [] }, 48_500),
    ],
    [
      ...fetchEvents.map((e) => eventCe(e, FETCH)),
      statusCe(FETCH, { reason: 'Succeeded', message: 'All Steps have completed executing', startTime: at(1), completionTime: at(21), steps: [{ name: 'clone', exitCode: 0, reason: 'Completed' }] }, 48_300),
    ],
    [
      ...testsEvents.map((e) => eventCe(e, TESTS)),
      statusCe(TESTS, { reason: 'TaskRunCancelled', message: TESTS_MESSAGE, startTime: at(22), completionTime: at(150), steps: [{ name: 'test', exitCode: 1, reason: 'TaskRunCancelled' }] }, 48_350),
    ],
    [
      ...buildEvents.map((e) => eventCe(e, BUILD)),
      statusCe(
        BUILD,
        {
          reason: 'Failed',
          message: BUILD_MESSAGE,
          startTime: at(22),
          completionTime: at(188),
          steps: [
            { name: 'build', exitCode: 137, reason: 'OOMKilled' },
            { name: 'push', exitCode: null, reason: 'Skipped' },
          ],
        },
        48_400,
      ),
    ],
  ];
}

/** The whole sample as one batch (its records then share one create_time). */
export function sampleBatch(): unknown[] {
  return sampleBatches().flat();
}

export const SAMPLE = { namespace: NS, pipelineRun: { name: PR.name, uid: PR.uid }, taskRuns: [FETCH, TESTS, BUILD] };
