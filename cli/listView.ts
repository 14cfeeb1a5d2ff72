/** Results (one per PipelineRun or standalone TaskRun) as a table, newest first. */
import type { Result } from '../shared/client/index.js';
import { runningSummary } from '../shared/event.js';
import { duration, statusText, table, when, type Style } from './output.js';

export function runName(r: Result): string {
  return r.annotations['tekton.dev/pipelineRun'] ?? r.annotations['tekton.dev/taskRun'] ?? '-';
}

export function runKind(r: Result): string {
  if (r.summary?.type) return r.summary.type.replace(/^tekton\.dev\/v1\./, '');
  return r.annotations['tekton.dev/pipelineRun'] ? 'PipelineRun' : 'TaskRun';
}

/** The run's uid: a Result is named `<ns>/results/<run uid>`. */
export function runUid(r: Result): string {
  return r.name.slice(r.name.lastIndexOf('/') + 1);
}

export function renderResults(results: Result[], style: Style, allNamespaces: boolean): string {
  if (results.length === 0) return 'No runs found.';
  const rows = results.map((r) => {
    const s = r.summary;
    const took = s?.start_time && s.end_time ? duration(Date.parse(s.end_time) - Date.parse(s.start_time)) : '-';
    const row = [runName(r), runKind(r), runningSummary(s) ? 'RUNNING' : statusText(s!.status, style), s?.annotations?.reason || '-', when(s?.start_time ?? r.create_time), took, runUid(r)];
    return allNamespaces ? [r.name.split('/', 1)[0] ?? '-', ...row] : row;
  });
  const header = ['NAME', 'KIND', 'STATUS', 'REASON', 'STARTED', 'DURATION', 'UID'];
  return table(allNamespaces ? ['NAMESPACE', ...header] : header, rows, style);
}
