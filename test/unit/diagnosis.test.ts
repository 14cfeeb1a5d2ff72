/**
 * The diagnosis rules, one case per rule, each with an Event or termination as kubelet, the
 * scheduler or the Tekton controller writes it; then ranking, merging and the headline.
 */
import { describe, expect, it } from 'vitest';
import { diagnose } from '../../shared/diagnosis/diagnose.js';
import { EVENT_RULES, schedulingCause } from '../../shared/diagnosis/eventRules.js';
import { STATUS_RULES, STEP_RULES } from '../../shared/diagnosis/runRules.js';
import type { DiagnosisEvent, DiagnosisRun, DiagnosisStep } from '../../shared/diagnosis/types.js';

function ev(over: Partial<DiagnosisEvent> & { reason: string; note: string }): DiagnosisEvent {
  return {
    taskName: 'build',
    run: { kind: 'TaskRun', name: 'pr-build' },
    regarding: { kind: 'Pod', name: 'pr-build-pod' },
    container: null,
    type: 'Warning',
    count: 1,
    firstSeen: '2026-01-02T03:04:05Z',
    lastSeen: '2026-01-02T03:04:05Z',
    reportingController: 'kubelet',
    ...over,
  };
}

const onRun = (kind: 'TaskRun' | 'PipelineRun') => ({ regarding: { kind, name: 'pr-build' }, reportingController: kind, container: null });

function run(over: Partial<DiagnosisRun> = {}): DiagnosisRun {
  return {
    kind: 'TaskRun',
    name: 'pr-build',
    taskName: 'build',
    status: 'FAILURE',
    finished: true,
    reason: 'Failed',
    message: null,
    completionTime: '2026-01-02T03:10:00Z',
    steps: [],
    ...over,
  };
}

const step = (name: string, exitCode: number | null, reason: string | null): DiagnosisStep => ({ name, container: `step-${name}`, exitCode, reason });

/** One real Event per Event rule, and the summary the rule must give it. */
const EVENT_CASES: Record<string, { event: DiagnosisEvent; summary: string }> = {
  'image-pull': {
    event: ev({ reason: 'Failed', note: 'Failed to pull image "ghcr.io/acme/builder:v9": rpc error: code = NotFound desc = failed to pull and unpack image "ghcr.io/acme/builder:v9": not found', container: 'step-build' }),
    summary: 'could not pull image "ghcr.io/acme/builder:v9" (not found)',
  },
  scheduling: {
    event: ev({ reason: 'FailedScheduling', note: '0/5 nodes are available: 2 Insufficient cpu, 3 node(s) had untolerated taint {dedicated: gpu}. preemption: 0/5 nodes are available: 5 Preemption is not helpful for scheduling.', reportingController: 'default-scheduler' }),
    summary: 'FailedScheduling: Insufficient cpu, node(s) had untolerated taint {dedicated: gpu}',
  },
  quota: {
    event: ev({ reason: 'ExceededResourceQuota', type: 'Normal', note: 'TaskRun Pod exceeded available resources: pods "pr-build-pod" is forbidden: exceeded quota: compute, requested: limits.memory=4Gi', ...onRun('TaskRun') }),
    summary: 'ExceededResourceQuota: TaskRun Pod exceeded available resources: pods "pr-build-pod" is forbidden: exceeded quota: compute, requested: limits.memory=4Gi',
  },
  evicted: {
    event: ev({ reason: 'Evicted', note: 'The node was low on resource: ephemeral-storage. Threshold quantity: 10Gi, available: 8Gi. Container step-build was using 12Gi, request is 0, has larger consumption of ephemeral-storage.' }),
    summary: 'pod was evicted: the node was low on ephemeral-storage',
  },
  preempted: {
    event: ev({ reason: 'Preempted', note: 'Preempted by pod 9b1f0c2e-7a6d-4f3b-8e2a-1c5d4b3a2f10 on node gke-ci-pool-1-abcd', reportingController: 'default-scheduler' }),
    summary: 'pod was preempted: Preempted by pod 9b1f0c2e-7a6d-4f3b-8e2a-1c5d4b3a2f10 on node gke-ci-pool-1-abcd',
  },
  'oom-killing': {
    event: ev({ reason: 'OOMKilling', note: 'Memory cgroup out of memory: Killed process 4242 (java) total-vm:8123456kB, anon-rss:2097152kB', reportingController: 'kernel-monitor' }),
    summary: 'out of memory on the node: Memory cgroup out of memory: Killed process 4242 (java) total-vm:8123456kB, anon-rss:2097152kB',
  },
  probe: {
    event: ev({ reason: 'Unhealthy', note: 'Readiness probe failed: Get "http://10.4.2.7:2375/_ping": dial tcp 10.4.2.7:2375: connect: connection refused', container: 'sidecar-dind' }),
    summary: 'sidecar-dind: Readiness probe failed: Get "http://10.4.2.7:2375/_ping": dial tcp 10.4.2.7:2375: connect: connection refused',
  },
  'crash-loop': {
    event: ev({ reason: 'BackOff', note: 'Back-off restarting failed container step-build in pod pr-build-pod_ci(2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d)', container: 'step-build' }),
    summary: 'BackOff restarting failed container step-build',
  },
  mount: {
    event: ev({ reason: 'FailedMount', note: 'MountVolume.SetUp failed for volume "docker-config" : secret "regcred" not found' }),
    summary: 'FailedMount of volume "docker-config": secret "regcred" not found',
  },
  sandbox: {
    event: ev({
      reason: 'FailedCreatePodSandBox',
      note: 'Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "3f1e": plugin type="calico" failed (add): error getting ClusterInformation: connection is unauthorized',
    }),
    summary: 'FailedCreatePodSandBox: failed to setup network for sandbox "3f1e": plugin type="calico" failed (add): error getting ClusterInformation: connection is unauthorized',
  },
  'container-config': {
    event: ev({ reason: 'Failed', note: 'Error: secret "git-credentials" not found', container: 'step-clone' }),
    summary: 'step-clone could not be created: secret "git-credentials" not found',
  },
  'tekton-oom': {
    event: ev({ reason: 'Failed', note: '"step-build" exited with code 137: OOMKilled', ...onRun('TaskRun') }),
    summary: 'step-build was OOMKilled (exit 137)',
  },
  'tekton-exit': {
    event: ev({ reason: 'Failed', note: '"step-unit-test" exited with code 2', ...onRun('TaskRun') }),
    summary: 'step-unit-test exited with code 2',
  },
  'tekton-timeout': {
    event: ev({ reason: 'Failed', note: 'TaskRun "pr-build" failed to finish within "1h0m0s"', ...onRun('TaskRun') }),
    summary: 'timed out after 1h0m0s',
  },
  'tekton-cancelled': {
    event: ev({ reason: 'Failed', note: 'TaskRun "pr-build" was cancelled. TaskRun cancelled as the PipelineRun it belongs to has been cancelled.', ...onRun('TaskRun') }),
    summary: 'was cancelled',
  },
  'tekton-error': {
    event: ev({ reason: 'Error', note: 'failed to create PVC for workspace "source": persistentvolumeclaims "pvc-1" is forbidden: exceeded quota', ...onRun('PipelineRun') }),
    summary: 'controller error: failed to create PVC for workspace "source": persistentvolumeclaims "pvc-1" is forbidden: exceeded quota',
  },
};

describe('Event rules', () => {
  it('have one case each here', () => {
    expect(Object.keys(EVENT_CASES).sort()).toEqual(EVENT_RULES.map((r) => r.id).sort());
  });

  it.each(EVENT_RULES.map((r) => [r.id, r] as const))('%s matches its Event first and words it', (id, rule) => {
    const { event, summary } = EVENT_CASES[id]!;
    // the first matching rule is the one applied: no earlier rule may take this Event
    expect(EVENT_RULES.find((r) => r.match(event))?.id).toBe(id);
    expect(rule.summary(event)).toBe(summary);
  });

  it('image pulls: the ErrImagePull and BackOff forms, and the hints', () => {
    const rule = EVENT_RULES.find((r) => r.id === 'image-pull')!;
    expect(rule.match(ev({ reason: 'Failed', note: 'Error: ErrImagePull' }))).toBe(true);
    expect(rule.match(ev({ reason: 'Failed', note: 'Error: ImagePullBackOff' }))).toBe(true);
    const backOff = ev({ reason: 'BackOff', note: 'Back-off pulling image "registry.internal/acme/tool:1.2"' });
    expect(rule.match(backOff)).toBe(true);
    expect(rule.summary(backOff)).toBe('could not pull image "registry.internal/acme/tool:1.2"');
    const denied = ev({ reason: 'Failed', note: 'Failed to pull image "ghcr.io/acme/private:1": failed to authorize: failed to fetch anonymous token: unexpected status: 401 Unauthorized' });
    expect(rule.summary(denied)).toBe('could not pull image "ghcr.io/acme/private:1" (access denied)');
    // kubelet's "Failed" for a container that could not start is not a pull
    expect(rule.match(ev({ reason: 'Failed', note: 'Error: failed to create containerd task: OCI runtime create failed' }))).toBe(false);
  });

  it('scheduling: the cause without node counts, whatever the message ends with', () => {
    expect(schedulingCause('0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.')).toBe('Insufficient memory');
    expect(schedulingCause('0/1 nodes are available: 1 pod has unbound immediate PersistentVolumeClaims.')).toBe('pod has unbound immediate PersistentVolumeClaims');
    expect(schedulingCause('skip schedule deleting pod: ci/p')).toBe('skip schedule deleting pod: ci/p');
  });
});

describe('step termination rules', () => {
  const CASES: Record<string, { step: DiagnosisStep; summary: string }> = {
    'step-oom': { step: step('build', 137, 'OOMKilled'), summary: 'step-build was OOMKilled (exit 137)' },
    'step-timeout': { step: step('test', 1, 'TimeoutExceeded'), summary: 'step-test exceeded its step timeout' },
    'step-exit': { step: step('lint', 2, 'Error'), summary: 'step-lint failed (exit 2)' },
  };

  it('have one case each here', () => {
    expect(Object.keys(CASES).sort()).toEqual(STEP_RULES.map((r) => r.id).sort());
  });

  it.each(STEP_RULES.map((r) => [r.id, r] as const))('%s matches its termination first and words it', (id, rule) => {
    const { step: s, summary } = CASES[id]!;
    expect(STEP_RULES.find((r) => r.match(s))?.id).toBe(id);
    expect(rule.summary(s)).toBe(summary);
  });

  it('a kill by signal says so; a skipped, cancelled or successful step is no cause', () => {
    const exit = STEP_RULES.find((r) => r.id === 'step-exit')!;
    expect(exit.summary(step('build', 137, 'Error'))).toBe('step-build failed (exit 137: killed (SIGKILL))');
    for (const s of [step('push', 1, 'Skipped'), step('test', 1, 'Cancelled'), step('test', 1, 'TaskRunCancelled'), step('test', 1, 'TaskRunTimeout'), step('clone', 0, 'Completed'), step('push', null, null)]) {
      expect(STEP_RULES.some((r) => r.match(s)), JSON.stringify(s)).toBe(false);
    }
  });
});

describe('terminal condition rules', () => {
  const CASES: Record<string, { run: DiagnosisRun; summary: string }> = {
    validation: {
      run: run({ reason: 'CouldntGetTask', message: 'Pipeline ci/build-and-deploy can\'t be Run; it contains Tasks that don\'t exist: Couldn\'t retrieve Task "kaniko": tasks.tekton.dev "kaniko" not found' }),
      summary: 'CouldntGetTask: Pipeline ci/build-and-deploy can\'t be Run; it contains Tasks that don\'t exist: Couldn\'t retrieve Task "kaniko": tasks.tekton.dev "kaniko" not found',
    },
    timeout: { run: run({ status: 'TIMEOUT', reason: 'TaskRunTimeout', message: 'TaskRun "pr-build" failed to finish within "10m0s"' }), summary: 'timed out after 10m0s (TaskRunTimeout)' },
    'image-pull-status': {
      run: run({ reason: 'TaskRunImagePullFailed', message: 'the step "build" in TaskRun "pr-build" failed to pull the image "ghcr.io/acme/builder:v9". The pod errored with the message: "Back-off pulling image "ghcr.io/acme/builder:v9"."' }),
      summary: 'step build could not pull image "ghcr.io/acme/builder:v9"',
    },
    'evicted-status': { run: run({ reason: 'PodEvicted', message: 'The node was low on resource: memory.' }), summary: 'pod was evicted: The node was low on resource: memory.' },
    'oom-status': { run: run({ reason: 'StepOOM', message: '"step-build" exited with code 137: OOMKilled' }), summary: 'step-build was OOMKilled (exit 137)' },
    cancelled: { run: run({ status: 'CANCELLED', reason: 'TaskRunCancelled', message: 'TaskRun "pr-build" was cancelled. ' }), summary: 'was cancelled (TaskRunCancelled)' },
  };

  it('have one case each here', () => {
    expect(Object.keys(CASES).sort()).toEqual(STATUS_RULES.map((r) => r.id).sort());
  });

  it.each(STATUS_RULES.map((r) => [r.id, r] as const))('%s matches its reason and words it', (id, rule) => {
    const { run: r, summary } = CASES[id]!;
    expect(STATUS_RULES.find((x) => x.reasons.includes(r.reason!))?.id).toBe(id);
    expect(rule.summary(r)).toBe(summary);
  });

  it('an image pull failure names the image and the hint the pod gave', () => {
    const pull = STATUS_RULES.find((r) => r.id === 'image-pull-status')!;
    const msg = 'the step "build" in TaskRun "pr-build" failed to pull the image "ghcr.io/acme/builder:v9". The pod errored with the message: "rpc error: code = NotFound desc = ghcr.io/acme/builder:v9: not found."';
    expect(pull.summary(run({ reason: 'TaskRunImagePullFailed', message: msg }))).toBe('step build could not pull image "ghcr.io/acme/builder:v9" (not found)');
    expect(pull.summary(run({ reason: 'TaskRunImagePullFailed', message: 'odd' }))).toBe('could not pull an image: odd');
  });

  it('validation covers the PipelineRun reasons too', () => {
    const v = STATUS_RULES.find((r) => r.id === 'validation')!;
    for (const reason of ['PipelineValidationFailed', 'InvalidParamValue', 'CouldntGetPipeline', 'ParameterMissing', 'InvalidWorkspaceBindings']) expect(v.reasons).toContain(reason);
  });

  it('a PipelineRun cancelled because it timed out says so', () => {
    const c = STATUS_RULES.find((r) => r.id === 'cancelled')!;
    expect(c.summary(run({ reason: 'TaskRunCancelled', message: 'TaskRun "x" was cancelled. TaskRun cancelled as the PipelineRun it belongs to has timed out.' }))).toBe('cancelled: its PipelineRun timed out');
  });
});

describe('diagnose', () => {
  const pipeline = (over: Partial<DiagnosisRun> = {}) => run({ kind: 'PipelineRun', name: 'pr', taskName: null, message: 'Tasks Completed: 2 (Failed: 1, Cancelled 0), Skipped: 0', ...over });

  it('heads with the strongest cause of the failed task, after what delayed it', () => {
    const build = run({ message: '"step-build" exited with code 137: OOMKilled', steps: [step('build', 137, 'OOMKilled'), step('push', null, 'Skipped')] });
    const d = diagnose({
      run: pipeline(),
      taskRuns: [run({ name: 'pr-fetch', taskName: 'fetch', status: 'SUCCESS', reason: 'Succeeded' }), build],
      events: [
        ev({ taskName: 'fetch', reason: 'FailedScheduling', note: '0/3 nodes are available: 3 Insufficient cpu.' }),
        ev({ reason: 'FailedScheduling', note: '0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.', count: 3 }),
        ev({ reason: 'BackOff', note: 'Back-off restarting failed container step-build in pod pr-build-pod_ci(1)', count: 5 }),
        ev({ reason: 'Failed', note: '"step-build" exited with code 137: OOMKilled', ...onRun('TaskRun') }),
      ],
    });
    expect(d.headline).toBe('build: step-build was OOMKilled (exit 137) after 3× FailedScheduling: Insufficient memory');
    // one OOM cause for the task (the step's, not also Tekton's Failed Event), nothing from the task that succeeded
    expect(d.causes.map((c) => [c.kind, c.taskName, c.summary])).toEqual([
      ['oom', 'build', 'step-build was OOMKilled (exit 137)'],
      ['crash-loop', 'build', '5× BackOff restarting failed container step-build'],
      ['scheduling', 'build', '3× FailedScheduling: Insufficient memory'],
    ]);
    expect(d.causes[0]).toMatchObject({ reason: 'OOMKilled', count: 1, detail: '"step-build" exited with code 137: OOMKilled' });
  });

  it('merges repeats of one cause into one, summing counts and keeping the latest note', () => {
    const d = diagnose({
      run: run({ reason: 'TaskRunImagePullFailed', message: null }),
      taskRuns: [],
      events: [
        ev({ reason: 'Failed', note: 'Failed to pull image "x:1": not found', count: 2, lastSeen: '2026-01-02T03:05:00Z' }),
        ev({ reason: 'Failed', note: 'Failed to pull image "x:1": manifest unknown', count: 3, lastSeen: '2026-01-02T03:06:00Z' }),
      ],
    });
    const pulls = d.causes.filter((c) => c.kind === 'image-pull');
    // the TaskRun's own TaskRunImagePullFailed says less than the Events: left out
    expect(pulls.map((c) => c.summary)).toEqual(['5× could not pull image "x:1" (not found)']);
    expect(pulls[0]).toMatchObject({ count: 5, at: '2026-01-02T03:06:00Z', detail: 'Failed to pull image "x:1": manifest unknown' });
    expect(d.headline).toBe('build: 5× could not pull image "x:1" (not found)');
  });

  it('tells one failed pull once, however many of kubelet\'s Events it took', () => {
    const c = { container: 'step-build', regarding: { kind: 'Pod', name: 'pr-build-pod' } };
    const d = diagnose({
      run: run({ reason: 'TaskRunImagePullFailed', message: 'the step "build" in TaskRun "pr-build" failed to pull the image "ghcr.io/acme/builder:v9". The pod errored with the message: "Back-off pulling image "ghcr.io/acme/builder:v9"."' }),
      taskRuns: [],
      events: [
        ev({ ...c, type: 'Normal', reason: 'Pulling', note: 'Pulling image "ghcr.io/acme/builder:v9"' }),
        ev({ ...c, reason: 'Failed', note: 'Failed to pull image "ghcr.io/acme/builder:v9": rpc error: code = NotFound desc = failed to pull and unpack image "ghcr.io/acme/builder:v9": not found', count: 4 }),
        ev({ ...c, reason: 'Failed', note: 'Error: ErrImagePull', count: 4 }),
        ev({ ...c, type: 'Normal', reason: 'BackOff', note: 'Back-off pulling image "ghcr.io/acme/builder:v9"', count: 6 }),
        ev({ ...c, reason: 'Failed', note: 'Error: ImagePullBackOff', count: 6 }),
      ],
    });
    expect(d.causes.map((x) => x.summary)).toEqual(['20× could not pull image "ghcr.io/acme/builder:v9" (not found)']);
    expect(d.headline).toBe('build: 20× could not pull image "ghcr.io/acme/builder:v9" (not found)');
  });

  it('a timed-out PipelineRun leads with its timeout, its cancelled TaskRuns below', () => {
    const d = diagnose({
      run: pipeline({ status: 'TIMEOUT', reason: 'PipelineRunTimeout', message: 'PipelineRun "pr" failed to finish within "1h0m0s"' }),
      taskRuns: [run({ status: 'CANCELLED', reason: 'TaskRunCancelled', message: 'TaskRun "pr-build" was cancelled. TaskRun cancelled as the PipelineRun it belongs to has timed out.' })],
      events: [],
    });
    expect(d.headline).toBe('pr: timed out after 1h0m0s (PipelineRunTimeout)');
    expect(d.causes.map((c) => c.kind)).toEqual(['timeout', 'cancellation']);
  });

  it('a validation failure of a PipelineRun with no TaskRun is the headline', () => {
    const d = diagnose({ run: pipeline({ reason: 'PipelineValidationFailed', message: 'Pipeline ci/p can\'t be Run; it has an invalid spec: missing field(s): tasks[0].name' }), taskRuns: [], events: [] });
    expect(d.headline).toBe('pr: PipelineValidationFailed: Pipeline ci/p can\'t be Run; it has an invalid spec: missing field(s): tasks[0].name');
  });

  it('a failure no rule knows is still told, in the run\'s own words', () => {
    const d = diagnose({ run: pipeline({ message: 'Tasks Completed: 1 (Failed: 1, Cancelled 0), Skipped: 0' }), taskRuns: [], events: [] });
    expect(d.headline).toBe('pr: failed: Tasks Completed: 1 (Failed: 1, Cancelled 0), Skipped: 0');
    const tr = diagnose({ run: run({ reason: 'StepFailed', message: 'something odd' }), taskRuns: [], events: [] });
    expect(tr.headline).toBe('build: failed (StepFailed): something odd');
  });

  it('a run that succeeded has no causes, whatever Warnings it had', () => {
    const d = diagnose({
      run: pipeline({ status: 'SUCCESS', reason: 'Succeeded' }),
      taskRuns: [],
      events: [ev({ reason: 'FailedScheduling', note: '0/3 nodes are available: 3 Insufficient memory.' })],
    });
    expect(d).toEqual({ headline: 'PipelineRun pr succeeded (1 Warning)', causes: [] });
  });

  it('a run still going is diagnosed from its Events so far', () => {
    const going = run({ status: 'UNKNOWN', finished: false, reason: null });
    expect(diagnose({ run: going, taskRuns: [going], events: [] }).headline).toBe('TaskRun pr-build has not finished, or its end was not recorded');
    const d = diagnose({ run: going, taskRuns: [going], events: [ev({ reason: 'FailedMount', note: 'MountVolume.SetUp failed for volume "ws" : configmap "settings" not found', count: 4 })] });
    expect(d.headline).toBe('build: 4× FailedMount of volume "ws": configmap "settings" not found');
  });

  it('ranks by strength, then by time', () => {
    const d = diagnose({
      run: run({ reason: 'Failed' }),
      taskRuns: [],
      events: [
        ev({ reason: 'Unhealthy', note: 'Liveness probe failed: timeout', firstSeen: '2026-01-02T03:09:00Z' }),
        ev({ reason: 'FailedScheduling', note: '0/1 nodes are available: 1 Insufficient cpu.', firstSeen: '2026-01-02T03:01:00Z' }),
        ev({ reason: 'Unhealthy', note: 'Readiness probe failed: timeout', firstSeen: '2026-01-02T03:02:00Z' }),
      ],
    });
    expect(d.causes.map((c) => c.summary)).toEqual(['Readiness probe failed: timeout', 'Liveness probe failed: timeout', 'FailedScheduling: Insufficient cpu', 'failed']);
  });
});
