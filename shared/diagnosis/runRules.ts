/**
 * Rules over what the run-status event stores: each step's termination (exit code and reason,
 * as the Pod's container status says) and the run's terminal condition (reason and message, as
 * the Tekton controller sets them: pkg/apis/pipeline/v1 TaskRunReason*, PipelineRunReason*).
 */
import { pullHint, short } from './eventRules.js';
import type { CauseKind, DiagnosisRun, DiagnosisStep } from './types.js';

export interface StepRule {
  id: string;
  kind: CauseKind;
  score: number;
  match(s: DiagnosisStep): boolean;
  summary(s: DiagnosisStep): string;
}

/** 128 + n: the process was killed by signal n. */
function exitText(code: number): string {
  if (code === 137) return 'exit 137: killed (SIGKILL)';
  if (code === 143) return 'exit 143: terminated (SIGTERM)';
  return `exit ${code}`;
}

/**
 * Terminations a step did not cause: skipped after an earlier step failed, or stopped because
 * its TaskRun was cancelled or timed out (Tekton then records exit code 1 with the TaskRun's
 * reason, pkg/reconciler/taskrun terminateStepsInPod); the TaskRun's own reason explains those.
 */
const NOT_THE_STEPS_DOING: ReadonlySet<string> = new Set(['Skipped', 'Cancelled', 'TaskRunCancelled', 'TaskRunTimeout']);

export const STEP_RULES: StepRule[] = [
  {
    id: 'step-oom',
    kind: 'oom',
    score: 100,
    match: (s) => s.reason === 'OOMKilled',
    summary: (s) => `${s.container} was OOMKilled (exit ${s.exitCode ?? 137})`,
  },
  {
    id: 'step-timeout',
    kind: 'timeout',
    score: 80,
    match: (s) => s.reason === 'TimeoutExceeded',
    summary: (s) => `${s.container} exceeded its step timeout`,
  },
  {
    id: 'step-exit',
    kind: 'exit-code',
    score: 60,
    match: (s) => s.exitCode !== null && s.exitCode !== 0 && !NOT_THE_STEPS_DOING.has(s.reason ?? ''),
    summary: (s) => {
      const reason = s.reason && !['Error', 'Completed'].includes(s.reason) ? ` (${s.reason})` : '';
      return `${s.container} failed (${exitText(s.exitCode!)})${reason}`;
    },
  },
];

export interface StatusRule {
  id: string;
  kind: CauseKind;
  score: number;
  reasons: string[];
  /** Left out when the task's Events already show a cause of this kind, in more detail. */
  eventsTellMore?: boolean;
  summary(r: DiagnosisRun): string;
}

const within = (m: string | null) => (m ? /within "([^"]+)"/.exec(m)?.[1] : undefined);
const message = (r: DiagnosisRun) => (r.message ? `: ${short(r.message)}` : '');

export const STATUS_RULES: StatusRule[] = [
  {
    id: 'validation',
    kind: 'validation',
    score: 95,
    reasons: [
      'CouldntGetTask',
      'CouldntGetPipeline',
      'PipelineValidationFailed',
      'TaskRunValidationFailed',
      'TaskValidationFailed',
      'InvalidParamValue',
      'ParameterMissing',
      'ParameterTypeMismatch',
      'ObjectParameterMissKeys',
      'ParamArrayIndexingInvalid',
      'InvalidWorkspaceBindings',
      'InvalidTaskRunSpecs',
      'PipelineInvalidGraph',
      'InvalidTaskResultReference',
      'InvalidPipelineResultReference',
      'RequiredWorkspaceMarkedOptional',
      'InvalidMatrixParameterTypes',
      'CELEvaluationFailed',
      'TaskRunResolutionFailed',
      'ResourceVerificationFailed',
      'CreateContainerConfigError',
      'CouldntGetPipelineResult',
      'CouldntCreateWorkspacePVC',
      'PodCreationFailed',
      'PodAdmissionFailed',
      'TaskRunResultLargerThanAllowedLimit',
    ],
    summary: (r) => `${r.reason}${message(r)}`,
  },
  {
    id: 'timeout',
    kind: 'timeout',
    score: 90,
    reasons: ['TaskRunTimeout', 'PipelineRunTimeout', 'PipelineRunTimeoutRunningFinally'],
    summary: (r) => `timed out after ${within(r.message) ?? 'its timeout'} (${r.reason})`,
  },
  {
    id: 'image-pull-status',
    kind: 'image-pull',
    score: 84,
    eventsTellMore: true,
    reasons: ['TaskRunImagePullFailed', 'PullImageFailed'],
    // Tekton: the step "build" in TaskRun "x" failed to pull the image "ghcr.io/…". The pod errored with the message: "…"
    summary: (r) => {
      const m = r.message ? /the (step|sidecar) "([^"]+)" in TaskRun "[^"]*" failed to pull the image "([^"]+)"/.exec(r.message) : null;
      if (!m) return `could not pull an image${message(r)}`;
      const hint = pullHint(r.message!.slice(m.index + m[0].length));
      return `${m[1]} ${m[2]} could not pull image "${m[3]}"${hint ? ` (${hint})` : ''}`;
    },
  },
  {
    id: 'evicted-status',
    kind: 'eviction',
    score: 87,
    reasons: ['PodEvicted'],
    summary: (r) => `pod was evicted${message(r)}`,
  },
  {
    id: 'oom-status',
    kind: 'oom',
    score: 98,
    reasons: ['StepOOM', 'SidecarOOM', 'InitContainerOOM'],
    summary: (r) => (r.message ? short(r.message.replace(/^"([^"]+)" exited with code (\d+): OOMKilled/, '$1 was OOMKilled (exit $2)')) : `${r.reason}`),
  },
  {
    id: 'cancelled',
    kind: 'cancellation',
    score: 50,
    reasons: ['TaskRunCancelled', 'Cancelled', 'CancelledRunningFinally', 'StoppedRunningFinally', 'PipelineRunStopping'],
    summary: (r) => (r.message && /timed out/.test(r.message) ? 'cancelled: its PipelineRun timed out' : `was cancelled (${r.reason})`),
  },
];

/** A run that failed for a reason no rule names: its own words, lowest of all. */
export function failedSummary(r: DiagnosisRun): string {
  return `failed${r.reason && r.reason !== 'Failed' ? ` (${r.reason})` : ''}${message(r)}`;
}
