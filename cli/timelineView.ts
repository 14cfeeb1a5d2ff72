/**
 * A timeline as a person reads it in a terminal: the headline, the run, its TaskRuns with step
 * terminations, the ranked causes, then every Event in time order.
 */
import type { RunInfo, Timeline } from '../shared/client/index.js';
import { duration, offset, oneLine, PLAIN, statusText, table, when, width, type Style } from './output.js';

const ms = (t: string | null) => (t ? Date.parse(t) : NaN);

function steps(r: RunInfo, style: Style): string {
  return (
    r.steps
      .map((s) => {
        const text = `${s.name}: ${s.exitCode ?? '-'}${s.reason && s.reason !== 'Completed' && s.reason !== 'Error' ? ` ${s.reason}` : ''}`;
        // red for a step that failed, not for one stopped by its TaskRun's cancellation or timeout
        return s.exitCode !== null && s.exitCode !== 0 && !/Cancel|Skipped|Timeout/.test(s.reason ?? '') ? style.red(text) : text;
      })
      .join(', ') || '-'
  );
}

function runLine(r: RunInfo, style: Style): string {
  const status = statusText(r.finished ? r.status : 'RUNNING', style);
  const took = r.startTime && r.completionTime ? `, took ${duration(ms(r.completionTime) - ms(r.startTime))}` : '';
  return `${r.kind} ${r.namespace}/${r.name}  ${status}${r.reason ? ` (${r.reason})` : ''}  started ${when(r.startTime)}${took}`;
}

export interface ViewOptions {
  /** Terminal width to fit notes into; 0: print notes whole (a pipe, a file). */
  columns: number;
}

export function renderTimeline(t: Timeline, style: Style, opts: ViewOptions): string {
  const out: string[] = [];
  const failed = t.run.status !== 'SUCCESS' && t.run.finished;
  out.push(failed ? style.bold(style.red(t.diagnosis.headline)) : style.bold(t.diagnosis.headline), '');
  out.push(runLine(t.run, style));
  if (t.pipelineRun) out.push(`part of PipelineRun ${t.run.namespace}/${t.pipelineRun.name}`);
  if (t.run.message) out.push(style.dim(oneLine(t.run.message, opts.columns)));

  const start = ms(t.run.startTime) || Math.min(...t.events.map((e) => ms(e.firstSeen)));
  if (t.run.kind === 'PipelineRun' || t.taskRuns.length > 0) {
    out.push('');
    out.push(
      table(
        ['TASK', 'TASKRUN', 'STATUS', 'REASON', 'START', 'DURATION', 'STEPS (EXIT)'],
        t.taskRuns.map((r) => [
          r.taskName ?? '-',
          r.name,
          statusText(r.finished ? r.status : 'RUNNING', style),
          r.reason ?? '-',
          r.startTime ? offset(ms(r.startTime) - start) : '-',
          r.startTime && r.completionTime ? duration(ms(r.completionTime) - ms(r.startTime)) : '-',
          steps(r, style),
        ]),
        style,
      ),
    );
  }

  if (t.diagnosis.causes.length > 0) {
    out.push('', style.bold('CAUSES'));
    t.diagnosis.causes.forEach((c, i) => out.push(`  ${i + 1}. ${c.taskName ? `${c.taskName}: ` : ''}${c.summary}`));
  }

  out.push('');
  if (t.events.length === 0) {
    out.push('No Events are stored for this run.');
  } else {
    const rows = t.events.map((e) => [
      offset(ms(e.firstSeen) - start),
      e.taskName ?? '-',
      `${e.regarding.kind}/${e.regarding.name}${e.container ? ` (${e.container})` : ''}`,
      e.type === 'Warning' ? style.yellow('Warning') : (e.type ?? '-'),
      e.type === 'Warning' ? style.yellow(e.reason) : e.reason,
      e.count > 1 ? `${e.count}×` : '',
      e.note,
    ]);
    const header = ['TIME', 'TASK', 'OBJECT', 'TYPE', 'REASON', 'COUNT', 'NOTE'];
    // Fit the notes to the terminal; in a pipe they stay whole, for grep.
    const fixed = table(header.slice(0, -1), rows.map((r) => r.slice(0, -1)), PLAIN)
      .split('\n')
      .reduce((w, l) => Math.max(w, width(l)), 0);
    const room = opts.columns > 0 ? Math.max(20, opts.columns - fixed - 2) : 0;
    out.push(table(header, rows.map((r) => [...r.slice(0, -1), oneLine(r[6]!, room)]), style));
  }
  if (t.truncated) out.push('', style.yellow(`Showing ${t.events.length} of ${t.totalEvents} Events (Warnings first, then the newest).`));
  return out.join('\n');
}
