/**
 * `/ui/subscriptions` and `/ui/subscriptions/{id}`: webhook subscriptions as a person checks
 * them. What a subscription sends (target, filter, namespaces, kinds), whether it is on (and why
 * not: a 410 from its target), and its deliveries: state, the target's last status code,
 * attempts, latency, next retry, dead letters, each with a Redeliver button (a plain form post).
 * Pure rendering; the views (subscriptionsView.ts) read and authorise.
 */
import { html, href, type SafeHtml } from './html.js';
import { duration, firstLine, when } from './format.js';
import type { Subscription } from '../../shared/store/subscriptions.js';
import type { DeliveryState, DeliveryView } from '../../shared/store/deliveries.js';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

const STATE_LABEL: Record<DeliveryState, [string, string]> = {
  pending: ['Pending', 's-running'],
  delivered: ['Delivered', 's-success'],
  failed: ['Dead letter', 's-failure'],
  cancelled: ['Cancelled', 's-cancelled'],
};

export const STATE_OPTIONS: Array<[DeliveryState | '', string]> = [
  ['', 'any state'],
  ['pending', 'pending'],
  ['delivered', 'delivered'],
  ['failed', 'dead letters'],
  ['cancelled', 'cancelled'],
];

export const subscriptionPath = (id: string, query?: Record<string, string | undefined>): string => href(['ui', 'subscriptions', id], query);

function enabledBadge(s: Subscription): SafeHtml {
  return s.enabled ? html`<span class="badge s-success">Enabled</span>` : html`<span class="badge s-failure">Disabled</span>`;
}

function kinds(s: Subscription): string {
  return s.kinds.map((k) => (k === 'event' ? 'Events' : 'runs finished')).join(', ');
}

/** What the subscription sends, where, and whether it is on. */
export function facts(s: Subscription): SafeHtml {
  return html`<dl class="facts">
<dt>Target</dt><dd class="mono target">${s.url}</dd>
<dt>Filter</dt><dd>${s.filter ? html`<code class="filter">${s.filter}</code>` : html`<span class="muted">every change</span>`}</dd>
<dt>Namespaces</dt><dd>${s.namespaces ? s.namespaces.join(', ') : html`<span class="muted">every namespace</span>`}</dd>
<dt>Sends</dt><dd>${kinds(s)}</dd>
<dt>State</dt><dd>${enabledBadge(s)}${s.enabled ? '' : html` <span class="why disabled-reason">${s.disabled_reason ?? 'turned off by request'}</span>`}</dd>
<dt>Created</dt><dd>${when(iso(s.create_time))}</dd>
</dl>`;
}

function redeliverButton(s: Subscription, d: DeliveryView, back: 'list' | 'detail'): SafeHtml {
  if (!s.enabled) return html`<span class="muted">turn the subscription back on to redeliver</span>`;
  if (d.state === 'pending') return html``;
  return html`<form class="inline" method="post" action="${href(['ui', 'subscriptions', s.id, 'deliveries', d.id, 'redeliver'])}">
<input type="hidden" name="back" value="${back}"><button class="small" type="submit">Redeliver</button></form>`;
}

function attemptLog(d: DeliveryView): SafeHtml {
  const entries = (Array.isArray(d.attempt_log) ? d.attempt_log : []).slice(0, 10) as Array<{ time?: string; status?: number | null; error?: string | null; latency_ms?: number | null }>;
  if (entries.length === 0) return html``;
  return html`<details><summary>${entries.length} recent attempt${entries.length === 1 ? '' : 's'}</summary><ol class="attempts">${entries.map(
    (a) => html`<li>${when(a.time)} · ${a.status ?? 'no answer'}${typeof a.latency_ms === 'number' ? ` · ${duration(a.latency_ms)}` : ''}${a.error ? html` · <span class="why">${a.error}</span>` : ''}</li>`,
  )}</ol></details>`;
}

function deliveryRow(s: Subscription, d: DeliveryView, back: 'list' | 'detail'): SafeHtml {
  const [label, cls] = STATE_LABEL[d.state];
  const next =
    d.state === 'pending' ? when(iso(d.next_attempt_time)) : d.state === 'failed' ? html`<span class="muted">given up</span>` : html`<span class="muted">—</span>`;
  const error = d.last_error ? firstLine(d.last_error, 160) : undefined;
  return html`<tr class="delivery ${d.state === 'failed' ? 'failed' : ''}" id="d-${d.id}">
<td><span class="badge ${cls}">${label}</span></td>
<td class="change"><div>${d.kind === 'event' ? 'Event' : 'Run finished'} <code>${d.ce_id}</code></div><div class="why">${d.ce_subject}</div>${back === 'detail' ? attemptLog(d) : ''}</td>
<td class="count status">${d.last_status ?? '—'}${error ? html`<div class="why">${error.short}</div>` : ''}</td>
<td class="count">${d.attempts}</td>
<td class="count">${d.last_latency_ms === null ? '—' : duration(d.last_latency_ms)}</td>
<td class="when">${when(iso(d.last_attempt_time))}</td>
<td class="when">${next}</td>
<td>${redeliverButton(s, d, back)}</td>
</tr>`;
}

export function deliveryTable(s: Subscription, deliveries: DeliveryView[], back: 'list' | 'detail'): SafeHtml {
  if (deliveries.length === 0) return html`<div class="card empty">No deliveries${back === 'detail' ? ' match' : ' yet'}.</div>`;
  return html`<table class="deliveries">
<thead><tr><th>State</th><th>Change</th><th>Status</th><th>Attempts</th><th>Latency</th><th>Last attempt</th><th>Next retry</th><th></th></tr></thead>
<tbody>${deliveries.map((d) => deliveryRow(s, d, back))}</tbody>
</table>`;
}

function notice(text: string | undefined): SafeHtml {
  return text ? html`<p class="notice" role="status">${text}</p>` : html``;
}

export interface SubscriptionWithRecent {
  subscription: Subscription;
  recent: DeliveryView[];
  /** more deliveries than shown */
  more: boolean;
}

export function subscriptionList(items: SubscriptionWithRecent[], opts: { nextAfter: string | undefined; paged: boolean; notice?: string }): SafeHtml {
  return html`<h1>Webhook subscriptions</h1>
<p class="muted">The subscriptions covering only namespaces you may read, each with its newest deliveries.
Also from a shell: <code>tkn-events subscription</code>, or the API (<code>/v1/subscriptions</code>).</p>
<p class="actions"><a class="button-link" href="/ui/subscriptions/new">New subscription</a></p>
${notice(opts.notice)}
${
  items.length === 0
    ? html`<div class="card empty">No subscriptions${opts.paged ? ' after these' : ''}.</div>`
    : items.map(
        ({ subscription: s, recent, more }) => html`<section class="card subscription" id="sub-${s.id}">
<h2 class="sub-title"><a href="${subscriptionPath(s.id)}">${s.url}</a> ${enabledBadge(s)}</h2>
${facts(s)}
${deliveryTable(s, recent, 'list')}
<p class="more"><a href="${subscriptionPath(s.id)}">${more ? 'All deliveries →' : 'Details →'}</a> · <a href="${subscriptionPath(s.id, { state: 'failed' })}">Dead letters</a></p>
</section>`,
      )
}
<div class="pager">
<span>${opts.paged ? html`<a href="/ui/subscriptions">← First subscriptions</a>` : ''}</span>
<span>${opts.nextAfter ? html`<a href="${href(['ui', 'subscriptions'], { after: opts.nextAfter })}">More subscriptions →</a>` : ''}</span>
</div>`;
}

export function subscriptionDetail(
  s: Subscription,
  deliveries: DeliveryView[],
  opts: { state: DeliveryState | null; nextCursor: string | undefined; paged: boolean; notice?: string },
): SafeHtml {
  return html`<p class="crumbs"><a href="/ui/subscriptions">Webhook subscriptions</a></p>
<h1 class="sub-title">${s.url} ${enabledBadge(s)}</h1>
${notice(opts.notice)}
<section class="card subscription">${facts(s)}
<form class="inline" method="post" action="${href(['ui', 'subscriptions', s.id, 'enabled'])}">
<input type="hidden" name="enabled" value="${s.enabled ? 'false' : 'true'}"><button class="small" type="submit">${s.enabled ? 'Turn off' : 'Turn back on'}</button></form>
</section>
<h2>Deliveries</h2>
<form class="filters" method="get" action="${subscriptionPath(s.id)}">
<label>State<select name="state">${STATE_OPTIONS.map(([v, label]) => html`<option value="${v}"${v === (opts.state ?? '') ? html` selected` : ''}>${label}</option>`)}</select></label>
<button class="primary" type="submit">Show</button>
</form>
${deliveryTable(s, deliveries, 'detail')}
<div class="pager">
<span>${opts.paged ? html`<a href="${subscriptionPath(s.id, { state: opts.state ?? undefined })}">← Newest deliveries</a>` : ''}</span>
<span>${opts.nextCursor ? html`<a href="${subscriptionPath(s.id, { state: opts.state ?? undefined, before: opts.nextCursor })}">Older deliveries →</a>` : ''}</span>
</div>
<h2>Delete</h2>
<form class="card danger-zone" method="post" action="${href(['ui', 'subscriptions', s.id, 'delete'])}">
<label class="check"><input type="checkbox" name="confirm" value="yes" required> Delete this subscription and its deliveries; its target receives nothing more.</label>
<button class="danger" type="submit">Delete subscription</button>
</form>`;
}
