/**
 * The pages for people (`/ui/…`): server-rendered HTML that needs no JavaScript. Every page
 * asks the same Authorizer as the query API, with the token from `Authorization: Bearer` or the
 * sign-in cookie; a page the caller may not see answers with the sign-in form (401) or an error
 * page (403), never with data.
 */
import type pg from 'pg';
import type { CoreRequest, CoreResponse, Handler } from '../../shared/http/core.js';
import { mediaType } from '../../shared/http/core.js';
import { HttpError } from '../../shared/http/problem.js';
import { unavailableOr } from '../../shared/http/unavailable.js';
import { callerOf, type Caller } from '../../shared/http/caller.js';
import { logger } from '../../shared/log.js';
import { listParents } from '../../shared/store/listParents.js';
import { recentRuns } from '../../shared/store/recentRuns.js';
import type { Authorizer, Scope } from '../query/access.js';
import { namespacesOf } from '../query/access.js';
import { html } from './html.js';
import { page, seeOther, SECURITY_HEADERS } from './layout.js';
import { checkSameOrigin, pageToken, signInCookie, signOutCookie } from './session.js';
import { safeReturnPath, signInPage } from './signInPage.js';
import { STYLESHEET } from './style.js';
import { encodeCursor, matchUiRoute, parseListQuery, SUBSCRIPTIONS_PAGE, type UiRoute } from './routes.js';
import { runList } from './runListPage.js';
import { runPage } from './runPage.js';
import { subscriptionViews } from './subscriptionsView.js';
import type { CreateDeps } from '../subscriptions/create.js';

export interface UiDeps {
  pool: pg.Pool;
  authorizer: Authorizer;
  /** Most results one list page reads per namespace, whatever the filter (bounded work). */
  listWindow?: number;
  /** The subscriptions' access rule and creation, as the subscriptions API has them (functions/subscriptions/build.ts). */
  subscriptions: CreateDeps;
}

const MAX_TOKEN_LENGTH = 4096;

function errorPage(err: HttpError, signedIn: boolean): CoreResponse {
  const title = err.status === 404 ? 'Not found' : err.status === 403 ? 'Not allowed' : err.status >= 500 ? 'Unavailable' : 'Cannot show this';
  return page(err.status, { title, signedIn }, html`<section class="card"><h1>${title}</h1><p>${err.message}</p><p><a href="/ui">Back to the runs</a></p></section>`, err.headers);
}

function formBody(req: CoreRequest): URLSearchParams {
  if (mediaType(req.headers['content-type']) !== 'application/x-www-form-urlencoded') {
    throw new HttpError(415, 'post the form as application/x-www-form-urlencoded');
  }
  return new URLSearchParams(req.body.toString('utf8'));
}

/** A token that may not read every namespace may still cover some: only a 401 stops it here. */
function forbiddenIsFine(err: unknown): undefined {
  if (err instanceof HttpError && err.status === 403) return undefined;
  throw err;
}

export function createUiHandler(deps: UiDeps): Handler {
  const { pool, authorizer } = deps;
  const listWindow = deps.listWindow ?? 2000;
  const subscriptions = subscriptionViews(deps.subscriptions);

  async function login(req: CoreRequest): Promise<CoreResponse> {
    checkSameOrigin(req);
    const form = formBody(req);
    const token = (form.get('token') ?? '').trim();
    const next = safeReturnPath(form.get('next'));
    if (!token) return signInPage(400, { error: 'Enter a token.', next });
    if (token.length > MAX_TOKEN_LENGTH || !/^[\x21-\x7e]+$/.test(token)) return signInPage(400, { error: 'That is not a token.', next });
    try {
      await authorizer.authorize({ ...callerOf(req), token }, '-', 'list', 'results');
    } catch (err) {
      if (err instanceof HttpError && err.status === 401) return signInPage(401, { error: 'That token was not accepted.', next });
      // 403: a valid token that may not list every namespace it has; its pages still check each view.
      if (!(err instanceof HttpError && err.status === 403)) throw err;
    }
    return seeOther(next, { 'set-cookie': signInCookie(req, token) });
  }

  async function list(route: UiRoute & { view: 'list' }, caller: Caller, signedIn: boolean): Promise<CoreResponse> {
    const q = parseListQuery(route.query);
    const parent = q.namespace ?? '-';
    const scope: Scope = await authorizer.authorize(caller, parent, 'list', 'results');
    const namespaces = namespacesOf(scope, parent);
    const result = await recentRuns(pool, {
      namespaces,
      status: q.status,
      nameContains: q.name,
      before: q.before,
      pageSize: q.pageSize,
      window: listWindow,
    });
    const choices = scope.all ? await listParents(pool) : scope.namespaces;
    const content = runList(result, q, choices, result.next ? encodeCursor(result.next) : undefined, q.before !== undefined);
    return page(200, { title: 'Recent runs', signedIn }, content);
  }

  async function view(req: CoreRequest): Promise<CoreResponse> {
    const route = matchUiRoute(req.method, req.path, req.query);
    if (route.view === 'stylesheet') {
      return {
        status: 200,
        headers: { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=31536000, immutable', ...SECURITY_HEADERS },
        body: STYLESHEET,
      };
    }
    if (route.view === 'login') return req.method === 'POST' ? login(req) : signInPage(200, { next: route.query.get('next') ?? undefined });
    if (route.view === 'logout') {
      checkSameOrigin(req);
      return seeOther('/ui/login', { 'set-cookie': signOutCookie(req) });
    }
    // Form posts that change something pass the Origin check before anything is read or authorised.
    if (req.method === 'POST') checkSameOrigin(req);
    const { token, via } = pageToken(req);
    const signedIn = via === 'cookie';
    try {
      // Impersonation headers (a proxy acting for a user) apply to pages as to the API.
      const caller: Caller = { ...callerOf(req), token };
      if (route.view === 'list') return await list(route, caller, signedIn);
      if (route.view === 'newSubscription') {
        // The form is shown only to a caller the Authorizer accepts (401 otherwise: the sign-in form).
        if (req.method !== 'POST') await authorizer.authorize(caller, '-', 'list', 'records').catch(forbiddenIsFine);
        return req.method === 'POST' ? await subscriptions.create(req, caller, signedIn) : subscriptions.newForm(signedIn);
      }
      if (route.view === 'subscriptions') return await subscriptions.list(route, caller, signedIn);
      if (route.view === 'subscription') return await subscriptions.detail(route, caller, signedIn);
      if (route.view === 'redeliver') return await subscriptions.redeliver(req, route, caller);
      if (route.view === 'deleteSubscription') return await subscriptions.remove(req, route, caller);
      if (route.view === 'enableSubscription') return await subscriptions.setEnabled(req, route, caller);
      await authorizer.authorize(caller, route.namespace, 'get', 'records');
      return await runPage(pool, route, signedIn);
    } catch (err) {
      if (err instanceof HttpError && err.status === 401) {
        // After signing in the browser GETs `next`: a form post's path would only answer 405.
        const next = req.method === 'POST' ? SUBSCRIPTIONS_PAGE : req.path + (req.query.size ? `?${req.query.toString()}` : '');
        // A stale cookie (the token was revoked) is dropped, so the form is not shown forever.
        const headers = via === 'cookie' ? { 'set-cookie': signOutCookie(req), ...err.headers } : err.headers;
        return signInPage(401, { next, headers, error: via === 'none' ? undefined : 'The token was not accepted; sign in again.' });
      }
      throw unavailableOr(err, 'retry in a moment', 2);
    }
  }

  return async (req) => {
    const signedIn = pageToken(req).via === 'cookie';
    try {
      return await view(req);
    } catch (err) {
      if (err instanceof HttpError) {
        if (err.status >= 500) logger.warn({ err: err.cause ?? err, status: err.status }, err.message);
        return errorPage(err, signedIn);
      }
      logger.error({ err }, 'unhandled error');
      return errorPage(new HttpError(500, 'Something went wrong; nothing was changed.'), signedIn);
    }
  };
}

