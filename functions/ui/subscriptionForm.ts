/**
 * The form that makes a subscription, and the page that shows its secret: once, as the API
 * does, never again. Pure rendering; subscriptionsView.ts checks and creates.
 */
import { html, type SafeHtml } from './html.js';
import type { Subscription } from '../../shared/store/subscriptions.js';
import { facts, subscriptionPath } from './subscriptionsPage.js';

export const NEW_SUBSCRIPTION_PAGE = '/ui/subscriptions/new';

/** What the person typed, kept when the form comes back with an error. */
export interface SubscriptionFormValues {
  url: string;
  filter: string;
  namespaces: string;
  kinds: string[];
}

export const EMPTY_FORM: SubscriptionFormValues = { url: '', filter: '', namespaces: '', kinds: ['event', 'run'] };

/** The form's fields → the API's body (body.ts checks it): namespaces split on commas and spaces, none for every namespace. */
export function formValues(form: URLSearchParams): { values: SubscriptionFormValues; body: Record<string, unknown> } {
  const values: SubscriptionFormValues = {
    url: (form.get('url') ?? '').trim(),
    filter: (form.get('filter') ?? '').trim(),
    namespaces: (form.get('namespaces') ?? '').trim(),
    kinds: form.getAll('kinds'),
  };
  const namespaces = values.namespaces.split(/[\s,]+/).filter(Boolean);
  return { values, body: { url: values.url, filter: values.filter, namespaces: namespaces.length > 0 ? namespaces : null, kinds: values.kinds } };
}

export function subscriptionForm(values: SubscriptionFormValues, error?: string): SafeHtml {
  const kind = (k: string, label: string) => html`<label class="check"><input type="checkbox" name="kinds" value="${k}"${values.kinds.includes(k) ? html` checked` : ''}> ${label}</label>`;
  return html`<p class="crumbs"><a href="/ui/subscriptions">Webhook subscriptions</a></p>
<h1>New subscription</h1>
<p class="muted">The target must answer the CloudEvents webhook handshake (an <code>OPTIONS</code> request) before the subscription is made.
Deliveries are signed with a secret generated for it, shown once on the next page.</p>
${error ? html`<p class="error" role="alert">${error}</p>` : ''}
<form class="card stacked" method="post" action="${NEW_SUBSCRIPTION_PAGE}">
<label>Target URL<input name="url" type="url" required maxlength="2048" value="${values.url}" placeholder="https://chat-bridge.example.com/tekton"></label>
<label>Filter (CEL; empty: every change)<textarea name="filter" rows="3" maxlength="4096" placeholder='event.reason == "FailedScheduling"'>${values.filter}</textarea></label>
<label>Namespaces (comma-separated; empty: every namespace, if you may read them all)<input name="namespaces" maxlength="4096" value="${values.namespaces}" placeholder="ci, web"></label>
<fieldset><legend>Send</legend>${kind('event', 'Events')} ${kind('run', 'runs finished')}</fieldset>
<button class="primary" type="submit">Create subscription</button>
</form>`;
}

export function createdPage(s: Subscription, secret: string): SafeHtml {
  return html`<p class="crumbs"><a href="/ui/subscriptions">Webhook subscriptions</a></p>
<h1>Subscription created</h1>
<section class="card secret-once">
<p><strong>Its signing secret, shown this once:</strong> store it now; it cannot be shown again (PATCH a new one through the API if it is lost).</p>
<p><code class="secret">${secret}</code></p>
<p class="muted">Verify deliveries with it as the Standard Webhooks libraries do (<code>new Webhook(secret).verify(body, headers)</code>).</p>
</section>
<section class="card subscription">${facts(s)}<p class="more"><a href="${subscriptionPath(s.id)}">Its deliveries →</a></p></section>`;
}
