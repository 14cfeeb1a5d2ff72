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
 */
import {
  ApiException,
  AuthenticationV1Api,
  AuthorizationV1Api,
  type KubeConfig,
  type V1SubjectAccessReview,
  type V1TokenReview,
} from '@kubernetes/client-node';
import { unauthorized } from '../../shared/http/auth.js';
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
  private readonly timeoutMs: number;

  constructor(private readonly opts: KubeAuthOptions) {
    this.authn = opts.kubeConfig.makeApiClient(AuthenticationV1Api);
    this.authz = opts.kubeConfig.makeApiClient(AuthorizationV1Api);
    const cache = { ttlMs: opts.cacheSeconds * 1000, maxEntries: opts.cacheMax, now: opts.now };
    this.identities = new DecisionCache(cache);
    this.decisions = new DecisionCache(cache);
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  async authorize(token: string | undefined, parent: string, verb: Verb, resource: Resource): Promise<Scope> {
    if (!token) throw unauthorized('missing token: send Authorization: Bearer <a Kubernetes token>');
    const key = tokenKey(token);
    const who = await this.identities.get(key, () => this.review(token));
    if (!who) throw unauthorized('invalid token: the Kubernetes API server does not accept it');

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
  private async access(who: Identity, namespace: string | undefined, verb: Verb, resource: Resource): Promise<boolean> {
    const body: V1SubjectAccessReview = {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: {
        user: who.username,
        uid: who.uid,
        groups: who.groups,
        extra: who.extra,
        resourceAttributes: { group: RESULTS_GROUP, resource, verb, ...(namespace !== undefined ? { namespace } : {}) },
      },
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
