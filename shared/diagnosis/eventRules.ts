/**
 * Rules over stored Events: which Event reasons and notes (as kubelet, the scheduler and the
 * Tekton controller write them) explain a failure, how much, and in what words. Pure data plus
 * small text helpers; diagnose.ts applies them.
 *
 * Sources of the reasons and messages:
 *   scheduler  FailedScheduling "0/3 nodes are available: 3 Insufficient memory. preemption: …",
 *              Preempted "Preempted by ci/other-pod on node n1"
 *   kubelet    Failed "Failed to pull image \"x\": …" / "Error: ErrImagePull" / "Error: ImagePullBackOff",
 *              BackOff "Back-off pulling image \"x\"" / "Back-off restarting failed container c in pod …",
 *              ErrImageNeverPull, InspectFailed, Evicted "The node was low on resource: memory. …",
 *              Unhealthy "Liveness probe failed: …", FailedMount "MountVolume.SetUp failed for volume
 *              \"v\" : secret \"s\" not found", FailedCreatePodSandBox "Failed to create pod sandbox: …",
 *              Failed "Error: secret \"s\" not found" (CreateContainerConfigError)
 *   kernel     OOMKilling "Memory cgroup out of memory: Killed process …" (node problem detector)
 *   Tekton     Failed on a TaskRun/PipelineRun with the condition's message ("\"step-build\" exited
 *              with code 137: OOMKilled", "TaskRun \"x\" failed to finish within \"1h0m0s\"",
 *              "TaskRun \"x\" was cancelled. …"), Error (reconcile errors), ExceededResourceQuota
 */
import type { CauseKind, DiagnosisEvent } from './types.js';

export interface EventRule {
  /** Names the rule in tests and logs. */
  id: string;
  kind: CauseKind;
  score: number;
  /** Whether a cause from this rule ends a run (one per task is kept) or led up to it (all are kept). */
  terminal?: boolean;
  match(e: DiagnosisEvent): boolean;
  /** The cause in a few words, without the repeat count: "FailedScheduling: Insufficient memory". */
  summary(e: DiagnosisEvent): string;
  /**
   * What makes Events one cause, when not their wording: kubelet tells one failed pull in up to
   * four Events (Failed to pull image, ErrImagePull, Back-off pulling image, ImagePullBackOff),
   * one container's. The merged cause keeps the most telling (longest) wording.
   */
  key?(e: DiagnosisEvent): string;
}

const isRun = (e: DiagnosisEvent) => e.regarding.kind === 'TaskRun' || e.regarding.kind === 'PipelineRun';

/** The first line of `s`, at most `max` characters. */
export function short(s: string, max = 160): string {
  const line = (s.split('\n', 1)[0] ?? '').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/**
 * The scheduler's reasons without node counts: "0/3 nodes are available: 3 Insufficient memory,
 * 1 node(s) had untolerated taint {x: y}. preemption: …" → "Insufficient memory, node(s) had untolerated taint {x: y}".
 */
export function schedulingCause(note: string): string {
  const m = /nodes are available: (.*?)(?:\. preemption:|\.\s*$|$)/s.exec(note);
  if (!m?.[1]) return short(note) || 'no node fits';
  const parts = m[1]
    .split(/, (?=\d)/)
    .map((p) => p.replace(/^\d+\s+/, '').replace(/\.$/, '').trim())
    .filter(Boolean);
  return [...new Set(parts)].join(', ') || 'no node fits';
}

/** The image a kubelet note names. */
export function imageOf(note: string): string | undefined {
  return /image "([^"]+)"/.exec(note)?.[1];
}

const PULL_HINTS: [RegExp, string][] = [
  [/not found|manifest unknown|does not exist/i, 'not found'],
  [/unauthorized|authentication required|denied|forbidden|401|403/i, 'access denied'],
  [/toomanyrequests|rate limit/i, 'rate limited'],
  [/no such host|dial tcp|connection refused|network is unreachable/i, 'registry unreachable'],
  [/timeout|deadline exceeded/i, 'timed out'],
  [/InvalidImageName|invalid reference format/i, 'invalid image name'],
];

export function pullHint(note: string): string | undefined {
  return PULL_HINTS.find(([re]) => re.test(note))?.[1];
}

function pullSummary(e: DiagnosisEvent): string {
  const image = imageOf(e.note);
  const hint = pullHint(e.note);
  const what = image ? `could not pull image "${image}"` : `could not pull the image of ${e.container ?? e.regarding.name}`;
  return hint ? `${what} (${hint})` : what;
}

/** Kubelet's "Failed" reason covers pulls, container creation and start; the note tells which. */
const PULL_FAILED_RE = /^(Failed to pull image|Error: (ErrImagePull|ImagePullBackOff|InvalidImageName|ErrImageNeverPull))/;

export const EVENT_RULES: EventRule[] = [
  {
    id: 'image-pull',
    kind: 'image-pull',
    score: 85,
    match: (e) =>
      !isRun(e) &&
      (['ErrImagePull', 'ImagePullBackOff', 'ErrImageNeverPull', 'InspectFailed', 'InvalidImageName'].includes(e.reason) ||
        (e.reason === 'Failed' && PULL_FAILED_RE.test(e.note)) ||
        (e.reason === 'BackOff' && /^Back-off pulling image/.test(e.note))),
    summary: pullSummary,
    key: (e) => e.container ?? imageOf(e.note) ?? e.regarding.name,
  },
  {
    id: 'scheduling',
    kind: 'scheduling',
    score: 30,
    match: (e) => e.reason === 'FailedScheduling',
    summary: (e) => `FailedScheduling: ${schedulingCause(e.note)}`,
  },
  {
    id: 'quota',
    kind: 'scheduling',
    score: 40,
    match: (e) => e.reason === 'ExceededResourceQuota' || e.reason === 'ExceededNodeResources',
    summary: (e) => `${e.reason}: ${short(e.note)}`,
  },
  {
    id: 'evicted',
    kind: 'eviction',
    score: 88,
    terminal: true,
    match: (e) => e.reason === 'Evicted',
    summary: (e) => {
      const res = /low on resource: (\S+?)\.? /.exec(e.note)?.[1];
      return res ? `pod was evicted: the node was low on ${res}` : `pod was evicted: ${short(e.note)}`;
    },
  },
  {
    id: 'preempted',
    kind: 'eviction',
    score: 70,
    terminal: true,
    match: (e) => e.reason === 'Preempted',
    summary: (e) => `pod was preempted: ${short(e.note)}`,
  },
  {
    id: 'oom-killing',
    kind: 'oom',
    score: 90,
    match: (e) => e.reason === 'OOMKilling' || e.reason === 'SystemOOM',
    summary: (e) => `out of memory on the node: ${short(e.note)}`,
  },
  {
    id: 'probe',
    kind: 'probe',
    score: 35,
    match: (e) => e.reason === 'Unhealthy',
    summary: (e) => `${e.container ? `${e.container}: ` : ''}${short(e.note)}`,
  },
  {
    id: 'crash-loop',
    kind: 'crash-loop',
    score: 45,
    match: (e) => e.reason === 'BackOff' && /^Back-off restarting failed container/.test(e.note),
    summary: (e) => {
      const c = /failed container (\S+)/.exec(e.note)?.[1] ?? e.container;
      return `BackOff restarting failed container${c ? ` ${c}` : ''}`;
    },
  },
  {
    id: 'mount',
    kind: 'mount',
    score: 75,
    match: (e) => e.reason === 'FailedMount' || e.reason === 'FailedAttachVolume',
    summary: (e) => {
      const volume = /volume "([^"]+)"/.exec(e.note)?.[1];
      const why = e.note.includes(' : ') ? e.note.slice(e.note.indexOf(' : ') + 3) : e.note;
      return `${e.reason}${volume ? ` of volume "${volume}"` : ''}: ${short(why)}`;
    },
  },
  {
    id: 'sandbox',
    kind: 'sandbox',
    score: 70,
    match: (e) => e.reason === 'FailedCreatePodSandBox',
    summary: (e) => `FailedCreatePodSandBox: ${short(e.note.replace(/^Failed to create pod sandbox: (rpc error: code = \w+ desc = )?/, ''))}`,
  },
  {
    id: 'container-config',
    kind: 'validation',
    score: 80,
    match: (e) => !isRun(e) && e.reason === 'Failed' && /^Error: /.test(e.note) && !PULL_FAILED_RE.test(e.note),
    summary: (e) => `${e.container ?? 'a container'} could not be created: ${short(e.note.slice('Error: '.length))}`,
  },
  // Tekton's own Events carry the run's terminal condition: used when its status was not stored.
  {
    id: 'tekton-oom',
    kind: 'oom',
    score: 99,
    terminal: true,
    match: (e) => isRun(e) && e.reason === 'Failed' && /exited with code \d+: OOMKilled/.test(e.note),
    summary: (e) => {
      const m = /"([^"]+)" exited with code (\d+)/.exec(e.note);
      return m ? `${m[1]} was OOMKilled (exit ${m[2]})` : 'a step was OOMKilled';
    },
  },
  {
    id: 'tekton-exit',
    kind: 'exit-code',
    score: 59,
    terminal: true,
    match: (e) => isRun(e) && e.reason === 'Failed' && /exited with code \d+/.test(e.note) && !/OOMKilled/.test(e.note),
    summary: (e) => short(e.note.replace(/^"([^"]+)"/, '$1')),
  },
  {
    id: 'tekton-timeout',
    kind: 'timeout',
    score: 89,
    terminal: true,
    match: (e) => isRun(e) && e.reason === 'Failed' && /failed to finish within/.test(e.note),
    summary: (e) => `timed out after ${/within "([^"]+)"/.exec(e.note)?.[1] ?? 'its timeout'}`,
  },
  {
    id: 'tekton-cancelled',
    kind: 'cancellation',
    score: 49,
    terminal: true,
    match: (e) => isRun(e) && e.reason === 'Failed' && /was cancelled/.test(e.note),
    summary: (e) => (/timed out/.test(e.note) ? 'cancelled: its PipelineRun timed out' : 'was cancelled'),
  },
  {
    id: 'tekton-error',
    kind: 'failed',
    score: 15,
    match: (e) => isRun(e) && e.reason === 'Error',
    summary: (e) => `controller error: ${short(e.note)}`,
  },
];
