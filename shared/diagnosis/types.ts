/**
 * What the diagnosis reads and what it answers. Terminology:
 *   cause     one explanation of (part of) a failure, found by one rule from Events and step
 *             terminations, e.g. "step-build was OOMKilled (exit 137)"
 *   headline  one line for the whole run, built from the strongest cause and what led to it
 */

/** The rule families; a cause names the one that found it. */
export type CauseKind =
  | 'oom'
  | 'image-pull'
  | 'scheduling'
  | 'eviction'
  | 'probe'
  | 'timeout'
  | 'cancellation'
  | 'validation'
  | 'crash-loop'
  | 'mount'
  | 'sandbox'
  | 'exit-code'
  | 'failed';

export interface Cause {
  kind: CauseKind;
  /** Higher explains more; causes are ranked by it (then by time). */
  score: number;
  /** The pipeline task it concerns (the TaskRun's name for a standalone TaskRun); null for the PipelineRun itself. */
  taskName: string | null;
  /** One line for people, e.g. "step-build was OOMKilled (exit 137)". */
  summary: string;
  /** The Event reason or termination reason the rule matched. */
  reason: string;
  /** Repeats behind this cause (an Event's count, summed over the matched Events). */
  count: number;
  /** When it was last seen, when an Event said so (RFC 3339). */
  at: string | null;
  /** The matched Event's note or the run's message, when there is one (the full text). */
  detail: string | null;
}

export interface Diagnosis {
  /** One line: "build-image: step-build was OOMKilled (exit 137) after 3× FailedScheduling: Insufficient memory". */
  headline: string;
  /** Strongest first; empty for a run that succeeded or has nothing to explain. */
  causes: Cause[];
}

/** What the rules read of a stored Event (a timeline Event has these fields). */
export interface DiagnosisEvent {
  taskName: string | null;
  run: { kind: 'PipelineRun' | 'TaskRun'; name: string };
  regarding: { kind: string; name: string };
  container: string | null;
  reason: string;
  type: string | null;
  note: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
  reportingController: string | null;
}

export interface DiagnosisStep {
  name: string;
  container: string;
  exitCode: number | null;
  reason: string | null;
}

/** What the rules read of a run (a timeline run has these fields). */
export interface DiagnosisRun {
  kind: 'PipelineRun' | 'TaskRun';
  name: string;
  taskName: string | null;
  status: 'SUCCESS' | 'FAILURE' | 'TIMEOUT' | 'CANCELLED' | 'UNKNOWN';
  finished: boolean;
  reason: string | null;
  message: string | null;
  completionTime: string | null;
  steps: DiagnosisStep[];
}

export interface DiagnosisInput {
  run: DiagnosisRun;
  /** A PipelineRun's TaskRuns; for a TaskRun, itself. */
  taskRuns: DiagnosisRun[];
  events: DiagnosisEvent[];
}
