/**
 * `/ui/namespaces/{ns}/pipelineruns|taskruns/{name}`: one run read at a glance. The diagnosis
 * headline on top, the timeline (timelineChart.ts), then every Event in time order with its
 * full note on expand. Read from the same model as the timeline API (runTimeline.ts).
 */
import type pg from 'pg';
import type { CoreResponse } from '../../shared/http/core.js';
import { HttpError } from '../../shared/http/problem.js';
import { readTimeline, type Timeline, type TimelineEvent } from '../../shared/store/runTimeline.js';
import { html, href, type SafeHtml } from './html.js';
import { between, firstLine, offset, statusBadge, when } from './format.js';
import { page } from './layout.js';
import type { UiRoute } from './routes.js';
import { spanOf, timelineChart, type Span } from './timelineChart.js';
import { runPath } from './runListPage.js';

/** Events the page draws at most; the API's own bound still applies beneath it. */
export const PAGE_MAX_EVENTS = 2000;

function diagnosisBox(t: Timeline, span: Span): SafeHtml {
  const d = t.diagnosis;
  const fine = d.causes.length === 0;
  return html`<section class="diagnosis ${fine ? 'fine' : ''}" aria-label="Diagnosis">
<div class="label">${fine ? 'Diagnosis' : 'Why it failed'}</div>
<p class="headline">${d.headline}</p>
${
  d.causes.length > 0
    ? html`<ol>${d.causes.map(
        (c) => html`<li>${c.taskName ? html`<strong>${c.taskName}</strong>: ` : ''}${c.summary}${c.count > 1 ? ` (${c.count}×)` : ''}${
          c.at ? html` <span class="why">${offset(c.at, span.origin)}</span>` : ''
        }</li>`,
      )}</ol>`
    : ''
}
</section>`;
}

function objectText(e: TimelineEvent): string {
  return `${e.regarding.kind}/${e.regarding.name}${e.container ? ` · ${e.container}` : ''}`;
}

function eventRow(e: TimelineEvent, index: number, span: Span): SafeHtml {
  const { short } = firstLine(e.note || '(no note)');
  const warning = e.type === 'Warning';
  return html`<tr id="ev-${index}" class="${warning ? 'warning' : ''}">
<td class="when" title="${when(e.firstSeen)}">${offset(e.firstSeen, span.origin)}</td>
<td>${e.taskName ?? html`<span class="muted">pipeline</span>`}</td>
<td class="reason">${e.reason}${warning ? html` <span class="badge s-failure">Warning</span>` : ''}</td>
<td class="count">${e.count > 1 ? `×${e.count}` : ''}</td>
<td class="note"><details><summary>${short}</summary>
<div class="full">${e.note || '(no note)'}</div>
<div class="why">${objectText(e)} · reported by ${e.reportingController ?? 'unknown'} · first seen ${when(e.firstSeen)}${
    e.lastSeen !== e.firstSeen ? ` · last seen ${when(e.lastSeen)}` : ''
  }</div>
</details></td>
</tr>`;
}

function header(t: Timeline, apiPath: string): SafeHtml {
  const r = t.run;
  return html`<div class="crumbs"><a href="/ui">Runs</a> › <a href="${href(['ui'], { namespace: r.namespace })}">${r.namespace}</a> › ${r.kind}</div>
<h1>${r.name} ${statusBadge(r.finished ? r.status : null)}</h1>
<div class="meta">
<span>started ${when(r.startTime ?? t.events[0]?.firstSeen)}</span>
${r.completionTime ? html`<span>finished ${when(r.completionTime)}</span><span>took ${between(r.startTime, r.completionTime)}</span>` : ''}
${r.reason ? html`<span>reason ${r.reason}</span>` : ''}
${t.pipelineRun ? html`<span>in <a href="${runPath({ parent: r.namespace, runKind: 'PipelineRun', runName: t.pipelineRun.name, uid: t.pipelineRun.uid })}">${t.pipelineRun.name}</a></span>` : ''}
<span>uid <code>${r.uid}</code></span>
</div>
<div class="meta"><span>API: <code>GET ${apiPath}</code></span></div>`;
}

export async function runPage(pool: pg.Pool, route: UiRoute & { view: 'run' }, signedIn: boolean): Promise<CoreResponse> {
  const t = await readTimeline(pool, { namespace: route.namespace, kind: route.kind, name: route.name, uid: route.uid }, { maxEvents: PAGE_MAX_EVENTS });
  if (!t) throw new HttpError(404, `No ${route.kind} ${route.namespace}/${route.name}${route.uid ? ` with uid ${route.uid}` : ''} is stored.`);
  const span = spanOf(t);
  const apiPath = href(['v1', 'namespaces', route.namespace, route.kind === 'TaskRun' ? 'taskruns' : 'pipelineruns', route.name, 'timeline'], { uid: route.uid });
  const content = html`${header(t, apiPath)}
${diagnosisBox(t, span)}
<h2>Timeline</h2>
${timelineChart(t, span)}
<h2>Events</h2>
${t.truncated ? html`<p class="muted">Showing ${t.events.length} of ${t.totalEvents} Events: Warnings first, then the newest.</p>` : ''}
${
  t.events.length === 0
    ? html`<div class="card empty">No Events are stored for this run.</div>`
    : html`<table class="events">
<thead><tr><th>When</th><th>Task</th><th>Reason</th><th>Count</th><th>Note</th></tr></thead>
<tbody>${t.events.map((e, i) => eventRow(e, i, span))}</tbody>
</table>`
}`;
  return page(200, { title: `${route.name} (${route.namespace})`, signedIn }, content);
}
