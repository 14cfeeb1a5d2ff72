/**
 * `/ui`: recent runs of the namespaces the caller may read, newest first with each page's
 * failed runs on top, filtered by a GET form (namespace, status, part of the name).
 */
import { html, href, type SafeHtml } from './html.js';
import { between, firstLine, isFailed, statusBadge, when } from './format.js';
import type { RecentRun, RecentRunsPage, StatusFilter } from '../../shared/store/recentRuns.js';

export interface ListFilters {
  namespace: string | undefined;
  status: StatusFilter | undefined;
  name: string | undefined;
}

const STATUS_OPTIONS: Array<[StatusFilter | '', string]> = [
  ['', 'any status'],
  ['failed', 'failed or timed out'],
  ['cancelled', 'cancelled'],
  ['succeeded', 'succeeded'],
  ['running', 'running'],
  ['unknown', 'unknown'],
];

export function runPath(run: { parent: string; runKind: string; runName: string; uid?: string }): string {
  const kind = run.runKind === 'TaskRun' ? 'taskruns' : 'pipelineruns';
  return href(['ui', 'namespaces', run.parent, kind, run.runName], { uid: run.uid });
}

/** Failed first, the rest after; each group stays newest first (the order the store gave). */
export function failedFirst(runs: RecentRun[]): RecentRun[] {
  return [...runs.filter((r) => isFailed(r.status)), ...runs.filter((r) => !isFailed(r.status))];
}

function row(run: RecentRun): SafeHtml {
  // One line under the name; the run's page has the whole message.
  const detail = run.reason ? firstLine(run.message ? `${run.reason}: ${run.message}` : run.reason, 200).short : '';
  return html`<tr class="${isFailed(run.status) ? 'failed' : ''}">
<td>${statusBadge(run.status)}</td>
<td><a href="${runPath({ ...run, uid: undefined })}">${run.runName}</a>${detail ? html`<div class="why">${detail}</div>` : ''}</td>
<td>${run.parent}</td>
<td>${run.runKind}</td>
<td class="when">${when(run.startTime ?? run.createTime)}</td>
<td class="when">${between(run.startTime, run.endTime)}</td>
</tr>`;
}

export function runList(page: RecentRunsPage, filters: ListFilters, namespaces: string[] | null, nextCursor: string | undefined, paged: boolean): SafeHtml {
  const nsField =
    namespaces !== null && namespaces.length > 0 && namespaces.length <= 200
      ? html`<select name="namespace"><option value="">every namespace</option>${namespaces.map(
          (ns) => html`<option value="${ns}"${ns === filters.namespace ? html` selected` : ''}>${ns}</option>`,
        )}</select>`
      : html`<input name="namespace" value="${filters.namespace ?? ''}" placeholder="every namespace" maxlength="63">`;
  const runs = failedFirst(page.runs);
  const filterQuery = { namespace: filters.namespace, status: filters.status, name: filters.name };
  return html`<h1>Recent runs</h1>
<p class="muted">Newest first; the failed runs of each page come first.</p>
<form class="filters" method="get" action="/ui">
<label>Namespace${nsField}</label>
<label>Status<select name="status">${STATUS_OPTIONS.map(
    ([v, label]) => html`<option value="${v}"${v === (filters.status ?? '') ? html` selected` : ''}>${label}</option>`,
  )}</select></label>
<label>Name contains<input name="name" value="${filters.name ?? ''}" maxlength="253"></label>
<button class="primary" type="submit">Filter</button>
</form>
${
  runs.length === 0
    ? html`<div class="card empty">No runs match${nextCursor ? html` among the newest ones; <a href="${href(['ui'], { ...filterQuery, before: nextCursor })}">look further back</a>` : ''}.</div>`
    : html`<table>
<thead><tr><th>Status</th><th>Run</th><th>Namespace</th><th>Kind</th><th>Started</th><th>Took</th></tr></thead>
<tbody>${runs.map(row)}</tbody>
</table>`
}
<div class="pager">
<span>${paged ? html`<a href="${href(['ui'], filterQuery)}">← Newest runs</a> ` : ''}${filters.namespace || filters.status || filters.name ? html`<a href="/ui">Clear filters</a>` : ''}</span>
<span>${nextCursor && runs.length > 0 ? html`<a href="${href(['ui'], { ...filterQuery, before: nextCursor })}">Older runs →</a>` : ''}</span>
</div>`;
}
