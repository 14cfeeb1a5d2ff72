/**
 * TokenReview (authentication.k8s.io/v1) and SubjectAccessReview (authorization.k8s.io/v1), as
 * a webhook-delegating service (the query functions) sees them: a token maps to a user (who is
 * also in `system:authenticated`); a SubjectAccessReview is allowed when a rule for the user or
 * one of the groups in the review covers its verb, group, resource and namespace.
 */

export interface User {
  username: string;
  uid?: string;
  groups?: string[];
}

export interface Rule {
  verb: string;
  group: string;
  resource: string;
  /** undefined: in every namespace and cluster-wide */
  namespace?: string;
}

interface ResourceAttributes {
  verb?: string;
  group?: string;
  resource?: string;
  namespace?: string;
}

const matches = (want: string, got: string | undefined) => want === '*' || want === (got ?? '');

export class Reviews {
  private readonly users = new Map<string, User>();
  /** subject (username or group name) → rules */
  private readonly rules = new Map<string, Rule[]>();
  readonly count = { tokenReviews: 0, subjectAccessReviews: 0 };

  addUser(token: string, user: User): void {
    this.users.set(token, user);
  }

  allow(subject: string, rule: Rule): void {
    this.rules.set(subject, [...(this.rules.get(subject) ?? []), rule]);
  }

  tokenReview(body: unknown): Record<string, unknown> {
    this.count.tokenReviews++;
    const spec = ((body as { spec?: unknown } | undefined)?.spec ?? {}) as { token?: string; audiences?: string[] };
    const user = spec.token ? this.users.get(spec.token) : undefined;
    const status = user
      ? {
          authenticated: true,
          user: { username: user.username, ...(user.uid ? { uid: user.uid } : {}), groups: [...new Set([...(user.groups ?? []), 'system:authenticated'])] },
          // A token is good for the audiences asked about (the API server's own audience when none are).
          ...(spec.audiences?.length ? { audiences: spec.audiences } : {}),
        }
      : { authenticated: false, user: {}, error: '[invalid bearer token, token lookup failed]' };
    return { kind: 'TokenReview', apiVersion: 'authentication.k8s.io/v1', metadata: { creationTimestamp: null }, spec, status };
  }

  subjectAccessReview(body: unknown): Record<string, unknown> {
    this.count.subjectAccessReviews++;
    const spec = ((body as { spec?: unknown } | undefined)?.spec ?? {}) as { user?: string; groups?: string[]; resourceAttributes?: ResourceAttributes };
    const a = spec.resourceAttributes ?? {};
    const subjects = [spec.user ?? '', ...(spec.groups ?? [])];
    const rule = subjects
      .flatMap((s) => this.rules.get(s) ?? [])
      .find((r) => matches(r.verb, a.verb) && matches(r.group, a.group) && matches(r.resource, a.resource) && (r.namespace === undefined || r.namespace === a.namespace));
    const status = rule ? { allowed: true, reason: `allowed by a rule for ${subjects.find((s) => this.rules.get(s)?.includes(rule))}` } : { allowed: false };
    return { kind: 'SubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', metadata: { creationTimestamp: null }, spec, status };
  }
}
