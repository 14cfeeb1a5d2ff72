/**
 * The timeline drawn in HTML and CSS alone: one lane per run (the PipelineRun's own Events,
 * then each TaskRun), a bar from its start to its end, its Events as marks at their first
 * sighting (Warnings as larger red diamonds, labelled), a repeating Event's span as a band, and
 * failed step terminations as red ticks at the TaskRun's end. Positions are `.at-N`/`.len-N`
 * classes (style.ts): the CSP allows no inline style.
 */
import { href, html, type SafeHtml } from './html.js';
import { duration, offset, parseTime, statusBadge, statusClass } from './format.js';
import { step } from './style.js';
import type { RunInfo, StepTermination, Timeline, TimelineEvent } from '../../shared/store/runTimeline.js';

export interface Span {
  origin: number;
  end: number;
}

/** From the earliest start or Event to the latest end or Event; at least one second wide. */
export function spanOf(t: Timeline): Span {
  const times: number[] = [];
  for (const r of [t.run, ...t.taskRuns]) {
    for (const v of [parseTime(r.startTime), parseTime(r.completionTime)]) if (v !== undefined) times.push(v);
  }
  for (const e of t.events) {
    for (const v of [parseTime(e.firstSeen), parseTime(e.lastSeen)]) if (v !== undefined) times.push(v);
  }
  if (times.length === 0) return { origin: 0, end: 1000 };
  const origin = Math.min(...times);
  return { origin, end: Math.max(origin + 1000, ...times) };
}

const frac = (span: Span, t: number) => (t - span.origin) / (span.end - span.origin);

/** A step stopped because its TaskRun was cancelled or timed out: Tekton records exit 1 with the TaskRun's reason. */
const STOPPED_RE = /cancel|timeout/i;

/** A step that failed on its own: a non-zero exit, or a reason other than completed or skipped. */
export function badStep(s: StepTermination): boolean {
  if (s.reason !== null && STOPPED_RE.test(s.reason)) return false;
  return (s.exitCode !== null && s.exitCode !== 0) || (s.reason !== null && !['Completed', 'Skipped', 'Succeeded'].includes(s.reason));
}

function stepClass(s: StepTermination): string {
  if (badStep(s)) return 'bad';
  return s.reason !== null && STOPPED_RE.test(s.reason) ? 'stopped' : '';
}

export function stepText(s: StepTermination): string {
  const exit = s.exitCode === null ? '' : `exit ${s.exitCode}`;
  return [s.container, s.reason && s.reason !== 'Completed' ? s.reason : '', exit].filter(Boolean).join(' · ');
}

function labelSide(at: number): string {
  return at < 12 ? 'left' : at > 188 ? 'right' : '';
}

function mark(e: TimelineEvent, index: number, span: Span): SafeHtml {
  const first = parseTime(e.firstSeen) ?? span.origin;
  const last = parseTime(e.lastSeen) ?? first;
  const at = step(frac(span, first));
  const warning = e.type === 'Warning';
  const title = `${e.reason}${e.count > 1 ? ` ×${e.count}` : ''} · ${offset(e.firstSeen, span.origin)} · ${e.note.slice(0, 300)}`;
  const band =
    e.count > 1 && last > first
      ? html`<span class="band ${warning ? 'warning' : ''} at-${at} len-${Math.max(1, step(frac(span, last)) - at)}"></span>`
      : '';
  return html`${band}<a class="mark ${warning ? 'warning' : ''} at-${at}" href="#ev-${index}" title="${title}"><span class="sr">${e.reason}</span></a>${
    warning ? html`<span class="mark-label ${labelSide(at)} at-${at}">${e.reason}${e.count > 1 ? ` ×${e.count}` : ''}</span>` : ''
  }`;
}

/** Warnings are drawn last, so no Normal mark ever covers one. */
function drawOrder(events: Array<[TimelineEvent, number]>): Array<[TimelineEvent, number]> {
  return [...events.filter(([e]) => e.type !== 'Warning'), ...events.filter(([e]) => e.type === 'Warning')];
}

function lane(who: SafeHtml, run: RunInfo, events: Array<[TimelineEvent, number]>, span: Span, showTerms: boolean): SafeHtml {
  const start = parseTime(run.startTime) ?? (events[0] ? parseTime(events[0][0].firstSeen) : undefined);
  const stop = parseTime(run.completionTime) ?? (run.finished ? undefined : span.end);
  const bar =
    start !== undefined && stop !== undefined
      ? html`<span class="bar ${run.finished ? statusClass(run.status) : 's-running'} at-${step(frac(span, start))} len-${Math.max(1, step(frac(span, stop)) - step(frac(span, start)))}"></span>`
      : '';
  const terms =
    showTerms && run.completionTime
      ? run.steps.filter(badStep).map((s) => html`<span class="mark term at-${step(frac(span, parseTime(run.completionTime) ?? span.end))}" title="${stepText(s)}"></span>`)
      : [];
  return html`<div class="lane">
<div class="who">${who}</div>
<div class="track">${bar}${terms}${drawOrder(events).map(([e, i]) => mark(e, i, span))}</div>
</div>`;
}

function runLabel(run: RunInfo, title: string | SafeHtml, sub: string): SafeHtml {
  const took = parseTime(run.startTime) !== undefined && parseTime(run.completionTime) !== undefined ? duration(parseTime(run.completionTime)! - parseTime(run.startTime)!) : '';
  return html`<div class="name">${title} ${statusBadge(run.finished ? run.status : null)}</div>
<div class="sub">${sub}${took ? ` · ${took}` : ''}</div>
${run.steps.length > 0 ? html`<ul class="steps">${run.steps.map((s) => html`<li class="${stepClass(s)}">${stepText(s)}</li>`)}</ul>` : ''}`;
}

export function timelineChart(t: Timeline, span: Span): SafeHtml {
  const ticks = [0, 0.25, 0.5, 0.75, 1].map(
    (f, i, all) => html`<span class="tick at-${step(f)} ${i === 0 ? 'first' : i === all.length - 1 ? 'last' : ''}">${offset(new Date(span.origin + f * (span.end - span.origin)).toISOString(), span.origin)}</span>`,
  );
  // Events grouped by their run once: a PipelineRun may have hundreds of TaskRuns.
  const byRun = new Map<string, Array<[TimelineEvent, number]>>();
  t.events.forEach((e, i) => {
    const key = e.run.kind === 'PipelineRun' ? 'PipelineRun' : e.run.uid;
    const list = byRun.get(key) ?? [];
    list.push([e, i]);
    byRun.set(key, list);
  });
  const lanes: SafeHtml[] = [];
  if (t.run.kind === 'PipelineRun') {
    lanes.push(lane(runLabel(t.run, 'PipelineRun', t.run.name), t.run, byRun.get('PipelineRun') ?? [], span, false));
  }
  for (const tr of t.taskRuns) {
    // On a PipelineRun's page each TaskRun's name leads to its own page.
    const title = t.run.kind === 'PipelineRun' ? html`<a href="${href(['ui', 'namespaces', tr.namespace, 'taskruns', tr.name], { uid: tr.uid })}">${tr.taskName ?? tr.name}</a>` : (tr.taskName ?? tr.name);
    lanes.push(lane(runLabel(tr, title, tr.name), tr, byRun.get(tr.uid) ?? [], span, true));
  }
  return html`<section class="timeline" aria-label="Timeline">
<div class="axis"><div class="who"></div><div class="scale">${ticks}</div></div>
${lanes}
<div class="legend"><span><i></i>Normal Event</span><span><i class="w"></i>Warning</span><span><i class="t"></i>failed step</span><span>Hover a mark for its note; click it for the row below.</span></div>
</section>`;
}
