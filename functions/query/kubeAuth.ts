/**
 * `kubernetes` query authorisation, as Tekton Results does it: the caller's bearer token is a
 * Kubernetes token; a TokenReview says who it is, a SubjectAccessReview says whether that user
 * may `get`/`list`/`delete` `results` or `records` (group `results.tekton.dev`) in a namespace.
 *
 * Unlike Results, both answers are cached for a short while (DecisionCache): two API round trips
 * per request is what made Results' API take 20–60 s under load.
 *
 * For the parent `-` (every namespace): a user allowed cluster-wide sees everything; anyone else
 * sees only those namespaces that hold data (listParents) for which a SubjectAccessReview allows
 * the verb, so `-` never shows a namespace the user could not read by name.
 *
 * Impersonation headers (a proxy acting for its users) are honoured as the API server and Tekton
 * Results honour them: the token's user must be allowed to `impersonate` each requested user,
 * group, uid and extra value; then every decision is made for the impersonated identity.
 */
import {
  ApiException,
  AuthenticationV1Api,
  AuthorizationV1Api,
  type KubeConfig,
  type V1ResourceAttributes,
  type V1SubjectAccessReview,
  type V1TokenReview,
} from '@kubernetes/client-node';
import { unauthorized } from '../../shared/http/auth.js';
import { impersonationKey, type Caller, type Impersonation } from '../../shared/http/caller.js';
import { HttpError } from '../../shared/http/problem.js';
import { logger } from '../../shared/log.js';
import type { Authorizer, Resource, Scope, Verb } from './access.js';
import { DecisionCache, tokenKey } from './decisionCache.js';

export const RESULTS_GROUP = 'results.tekton.dev';

interface Identity {
  username: string;
  uid: string | undefined;
  groups: string[];
  extra: Record<string, string[]> | undefined;
}

export interface KubeAuthOptions {
  kubeConfig: KubeConfig;
  /** The namespaces that hold data: the candidates for `-`. */
  parents: () => Promise<string[]>;
  /** How long decisions are reused (0: not at all) and how many are kept. */
  cacheSeconds: number;
  cacheMax: number;
  /** TokenReview audiences; empty: the API server's own. */
  audiences?: string[];
  /** An API server slower than this answers 503 rather than hanging the request. */
  timeoutMs?: number;
  /** Parallel SubjectAccessReviews when resolving `-` namespace by namespace. */
  concurrency?: number;
  now?: () => number;
}

function unavailable(what: string, err: unknown): HttpError {
  // Logged as the cause: only the status code and the error's kind, never the client's message,
  // which can quote the API server's reply and so the reviewed token.
  const code = err instanceof ApiException ? ` (HTTP ${err.code})` : '';
  const kind = err instanceof Error ? err.name : 'error';
  return new HttpError(503, `the Kubernetes API server did not answer the ${what}; retry later`, {
    headers: { 'retry-after': '2' },
    cause: new Error(`${what} failed: ${kind}${code}`),
  });
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`${what} timed out after ${ms} ms`), { name: 'TimeoutError' })), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export class KubeAuthorizer implements Authorizer {
  private readonly authn: AuthenticationV1Api;
  private readonly authz: AuthorizationV1Api;
  private readonly identities: DecisionCache<Identity | null>;
  private readonly decisions: DecisionCache<boolean>;
  /** false: the requester may impersonate that identity; else what it may not. */
  private readonly impersonations: DecisionCache<string | false>;
  private readonly timeoutMs: number;

  constructor(private readonly opts: KubeAuthOptions) {
    this.authn = opts.kubeConfig.makeApiClient(AuthenticationV1Api);
    this.authz = opts.kubeConfig.makeApiClient(AuthorizationV1Api);
    const cache = { ttlMs: opts.cacheSeconds * 1000, maxEntries: opts.cacheMax, now: opts.now };
    this.identities = new DecisionCache(cache);
    this.decisions = new DecisionCache(cache);
    this.impersonations = new DecisionCache(cache);
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  async authorize(caller: Caller, parent: string, verb: Verb, resource: Resource): Promise<Scope> {
    const { token } = caller;
    if (!token) throw unauthorized('missing token: send Authorization: Bearer <a Kubernetes token>');
    const requesterKey = tokenKey(token);
    const requester = await this.identities.get(requesterKey, () => this.review(token));
    if (!requester) throw unauthorized('invalid token: the Kubernetes API server does not accept it');
    let who = requester;
    let key = requesterKey;
    if (caller.impersonate) {
      const imp = caller.impersonate;
      key = `${requesterKey}\n${impersonationKey(imp)}`;
      const refused = await this.impersonations.get(key, () => this.mayImpersonate(requester, imp));
      if (refused !== false) throw new HttpError(403, `user "${requester.username}" may not impersonate ${refused}`);
      who = impersonated(imp);
    }

    const allowed = (namespace: string | undefined) =>
      this.decisions.get([key, namespace ?? '', verb, resource].join('\n'), () => this.access(who, namespace, verb, resource));

    if (parent !== '-') {
      if (!(await allowed(parent))) {
        throw new HttpError(403, `user "${who.username}" may not ${verb} ${resource}.${RESULTS_GROUP} in namespace "${parent}"`);
      }
      return { all: false, namespaces: [parent] };
    }
    if (await allowed(undefined)) return { all: true };
    const candidates = await this.opts.parents();
    const verdicts = await this.mapLimited(candidates, allowed);
    return { all: false, namespaces: candidates.filter((_, i) => verdicts[i]) };
  }

  /**
   * Whether `requester` may impersonate everything `imp` asks for: false when it may, else what
   * it may not (for the 403), asked one SubjectAccessReview per item as the API server does.
   */
  private async mayImpersonate(requester: Identity, imp: Impersonation): Promise<string | false> {
    for (const attrs of impersonationChecks(imp)) {
      if (!(await this.subjectAccessReview(requester, attrs))) return `${attrs.resource} "${attrs.name}"`;
    }
    return false;
  }

  /** The user behind a token, or null when the API server does not authenticate it. */
  private async review(token: string): Promise<Identity | null> {
    const body: V1TokenReview = {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenReview',
      spec: { token, ...(this.opts.audiences?.length ? { audiences: this.opts.audiences } : {}) },
    };
    let res: V1TokenReview;
    try {
      res = await withTimeout(this.authn.createTokenReview({ body }), this.timeoutMs, 'TokenReview');
    } catch (err) {
      throw unavailable('TokenReview', err);
    }
    const status = res.status;
    if (!status?.authenticated || !status.user?.username) {
      if (status?.error) logger.debug({ error: status.error }, 'token not authenticated');
      return null;
    }
    return {
      username: status.user.username,
      uid: status.user.uid,
      groups: status.user.groups ?? [],
      extra: status.user.extra,
    };
  }

  /** Whether `who` may `verb` `resource` in `namespace` (undefined: in every namespace). */
  private access(who: Identity, namespace: string | undefined, verb: Verb, resource: Resource): Promise<boolean> {
    return this.subjectAccessReview(who, { group: RESULTS_GROUP, resource, verb, ...(namespace !== undefined ? { namespace } : {}) });
  }

  /** One SubjectAccessReview for `who`. */
  private async subjectAccessReview(who: Identity, resourceAttributes: V1ResourceAttributes): Promise<boolean> {
    const body: V1SubjectAccessReview = {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: { user: who.username, uid: who.uid, groups: who.groups, extra: who.extra, resourceAttributes },
    };
    try {
      const res = await withTimeout(this.authz.createSubjectAccessReview({ body }), this.timeoutMs, 'SubjectAccessReview');
      return res.status?.allowed === true && res.status.denied !== true;
    } catch (err) {
      throw unavailable('SubjectAccessReview', err);
    }
  }

  private async mapLimited<T, R>(items: T[], fn: (item: T) => Promise<R>): Promise<R[]> {
    const out: R[] = new Array<R>(items.length);
    let next = 0;
    const worker = async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.opts.concurrency ?? 8, items.length) }, worker));
    return out;
  }
}

const AUTHN_GROUP = 'authentication.k8s.io';
const SA_PREFIX = 'system:serviceaccount:';

/** What the API server checks before it lets a user act as `imp` (k8s.io/apiserver's impersonation filter). */
export function impersonationChecks(imp: Impersonation): (V1ResourceAttributes & { name: string })[] {
  const out: (V1ResourceAttributes & { name: string })[] = [];
  const sa = serviceAccountOf(imp.user);
  if (sa) out.push({ verb: 'impersonate', group: '', resource: 'serviceaccounts', namespace: sa.namespace, name: sa.name });
  else out.push({ verb: 'impersonate', group: '', resource: 'users', name: imp.user });
  for (const g of imp.groups) out.push({ verb: 'impersonate', group: '', resource: 'groups', name: g });
  if (imp.uid !== undefined) out.push({ verb: 'impersonate', group: AUTHN_GROUP, resource: 'uids', name: imp.uid });
  for (const [k, vs] of Object.entries(imp.extra)) {
    for (const v of vs) out.push({ verb: 'impersonate', group: AUTHN_GROUP, resource: 'userextras', subresource: k, name: v });
  }
  return out;
}

function serviceAccountOf(user: string): { namespace: string; name: string } | undefined {
  if (!user.startsWith(SA_PREFIX)) return undefined;
  const [namespace, name, ...rest] = user.slice(SA_PREFIX.length).split(':');
  return namespace && name && rest.length === 0 ? { namespace, name } : undefined;
}

/** The identity the API server would authorise for `imp`, groups completed as it completes them. */
function impersonated(imp: Impersonation): Identity {
  const groups = [...imp.groups];
  const sa = serviceAccountOf(imp.user);
  if (sa && groups.length === 0) groups.push('system:serviceaccounts', `system:serviceaccounts:${sa.namespace}`);
  if (imp.user === 'system:anonymous') {
    if (!groups.includes('system:unauthenticated')) groups.push('system:unauthenticated');
  } else if (!groups.includes('system:authenticated') && !groups.includes('system:unauthenticated')) {
    groups.push('system:authenticated');
  }
  return { username: imp.user, uid: imp.uid, groups, extra: Object.keys(imp.extra).length ? imp.extra : undefined };
}
