/** The sign-in form: asks once for a query token, posted (never in a URL) to `/ui/login`. */
import { html } from './html.js';
import { page } from './layout.js';
import type { CoreResponse } from '../../shared/http/core.js';

/** Only a page path of this site may be returned to after signing in. */
export function safeReturnPath(value: string | null | undefined): string {
  // No dot segments either (also percent-encoded: browsers resolve `%2e%2e` as `..`).
  if (!value || !value.startsWith('/ui') || value.startsWith('//') || /[\\\s]|\.\.|%2e/i.test(value)) return '/ui';
  if (value !== '/ui' && !value.startsWith('/ui/') && !value.startsWith('/ui?')) return '/ui';
  if (value.startsWith('/ui/login') || value.startsWith('/ui/logout')) return '/ui';
  return value;
}

export function signInPage(status: number, opts: { error?: string; next?: string; headers?: Record<string, string> } = {}): CoreResponse {
  const content = html`<section class="signin card">
<h1>Sign in</h1>
<p class="muted">Paste a query token: the same token the API takes as <code>Authorization: Bearer</code>.
It is kept in a cookie this site's pages cannot read with scripts and other sites never receive.</p>
${opts.error ? html`<p class="error" role="alert">${opts.error}</p>` : ''}
<form method="post" action="/ui/login">
<input type="hidden" name="next" value="${safeReturnPath(opts.next)}">
<label>Query token<input type="password" name="token" autocomplete="current-password" required autofocus maxlength="4096"></label>
<button class="primary" type="submit">Sign in</button>
</form>
</section>`;
  return page(status, { title: 'Sign in', signedIn: false }, content, opts.headers);
}
