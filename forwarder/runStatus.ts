/**
 * A finished TaskRun or PipelineRun → the status the `dev.tekton.results.run.v1` event carries
 * (SPEC §3): the terminal `Succeeded` condition's reason and message, start and completion time,
 * and each step's termination (exit code, and a reason such as OOMKilled) — what Tekton's own
 * Events (`Failed`) do not say. Pure.
 */
import type { RunStatus } from '../shared/event.js';

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

interface StepState {
  name?: string;
  container?: string;
  terminated?: { exitCode?: number; reason?: string } | null;
}

export interface RawRun {
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
  status?: {
    conditions?: Condition[];
    startTime?: string | Date;
    completionTime?: string | Date;
    steps?: StepState[];
  };
}

function time(v: string | Date | undefined): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (v instanceof Date) return v.toISOString();
  return Number.isNaN(Date.parse(v)) ? undefined : v;
}

/** The terminal status of a run, or undefined while it runs. */
export function finishedStatus(run: RawRun): RunStatus | undefined {
  const cond = run.status?.conditions?.find((c) => c?.type === 'Succeeded');
  if (!cond || (cond.status !== 'True' && cond.status !== 'False')) return undefined;
  const steps: RunStatus['steps'] = [];
  for (const s of run.status?.steps ?? []) {
    const name = s?.name || s?.container?.replace(/^step-/, '');
    if (!name || !s.terminated) continue;
    steps.push({
      name: name.slice(0, 253),
      exitCode: typeof s.terminated.exitCode === 'number' ? Math.trunc(s.terminated.exitCode) : null,
      reason: s.terminated.reason ? s.terminated.reason.slice(0, 256) : null,
    });
  }
  const status: RunStatus = { steps: steps.slice(0, 1000) };
  if (cond.reason) status.reason = cond.reason.slice(0, 256);
  if (cond.message !== undefined) status.message = cond.message;
  const start = time(run.status?.startTime);
  const end = time(run.status?.completionTime);
  if (start) status.startTime = start;
  if (end) status.completionTime = end;
  return status;
}
