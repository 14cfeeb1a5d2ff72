/**
 * The timeline's JSON shape (GET /v1/…/timeline), as the API, the page and the CLI share it.
 * Field names are camelCase, as in the Kubernetes and Tekton objects they come from. Keep it
 * stable: clients read it (add fields, never rename or remove them).
 */
import type { SummaryStatus } from '../event.js';
import type { Diagnosis } from '../diagnosis/types.js';

export type { Cause, CauseKind, Diagnosis } from '../diagnosis/types.js';
export type { SummaryStatus } from '../event.js';

export type RunKind = 'PipelineRun' | 'TaskRun';

/** One step's termination, from the run-status event (SPEC §3). */
export interface StepTermination {
  /** The step's name as the Task spells it (`build`). */
  name: string;
  /** The container that runs it, as Pod Events' fieldPath names it (`step-build`). */
  container: string;
  /** null when the step never ran (skipped after an earlier step failed). */
  exitCode: number | null;
  /** `Completed`, `Error`, `OOMKilled`, `Skipped`, `TimeoutExceeded`, … */
  reason: string | null;
}

/** What is known of a run (the PipelineRun, or a TaskRun). */
export interface RunInfo {
  kind: RunKind;
  name: string;
  uid: string;
  namespace: string;
  /** The pipeline task name; the TaskRun's own name for a standalone TaskRun; null for a PipelineRun. */
  taskName: string | null;
  /** Its Result's name (`<ns>/results/<uid>`) and its EventList record's name, for the Results API. */
  result: string;
  record: string;
  /** The Results summary vocabulary; UNKNOWN until the run's terminal status is stored. */
  status: SummaryStatus;
  /** Whether its terminal status is stored (false: still running, or its end was not seen). */
  finished: boolean;
  /** The terminal `Succeeded` condition's reason and message (`Failed`, `TaskRunTimeout`, …). */
  reason: string | null;
  message: string | null;
  startTime: string | null;
  completionTime: string | null;
  /** Step terminations; empty for a PipelineRun and for a run still going. */
  steps: StepTermination[];
}

/** The object an Event is about. */
export interface RegardingRef {
  kind: string;
  name: string;
  uid: string | null;
  apiVersion: string | null;
  fieldPath: string | null;
}

export interface TimelineEvent {
  /** The Event's uid (its namespace/name when it has none): stable across repeats. */
  key: string;
  /** The Event object's own name. */
  name: string;
  /** Whose EventList it is stored in: the PipelineRun, or the TaskRun (for its Pod's Events too). */
  run: { kind: RunKind; name: string; uid: string };
  /** The pipeline task it concerns; null for the PipelineRun's own Events. */
  taskName: string | null;
  regarding: RegardingRef;
  /** The container a Pod Event regards (`step-build`, from `spec.containers{step-build}`), else null. */
  container: string | null;
  reason: string;
  /** `Normal` or `Warning` (null when the Event had none). */
  type: string | null;
  /** The full note, as stored (at most 1 KiB). */
  note: string;
  /** How often Kubernetes saw it (series count, or the deprecated count); at least 1. */
  count: number;
  firstSeen: string;
  lastSeen: string;
  reportingController: string | null;
}

export interface Timeline {
  run: RunInfo;
  /** The PipelineRun a TaskRun belongs to; null for a PipelineRun or a standalone TaskRun. */
  pipelineRun: { name: string; uid: string } | null;
  /** A PipelineRun's TaskRuns in the order they were first seen; for a TaskRun, itself. */
  taskRuns: RunInfo[];
  /** In time order (first seen, then last seen). */
  events: TimelineEvent[];
  /** How many Events are stored for these runs (more than `events` holds when truncated). */
  totalEvents: number;
  /** Some Events were left out: Warnings are kept before Normal Events, newer before older. */
  truncated: boolean;
  diagnosis: Diagnosis;
}
