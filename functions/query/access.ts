/**
 * Who may read which namespaces. The query handler asks an Authorizer; it never sees how the
 * answer is made (a static token table, staticAuth.ts, or Kubernetes TokenReview and
 * SubjectAccessReview, kubeAuth.ts).
 */

import type { Caller } from '../../shared/http/caller.js';

/** The namespaces a caller may read: every one, or these. */
export type Scope = { all: true } | { all: false; namespaces: string[] };

export type Verb = 'get' | 'list' | 'delete';

/** What a call touches, as Tekton Results names it in RBAC (group results.tekton.dev). */
export type Resource = 'results' | 'records';

export interface Authorizer {
  /**
   * Checks the caller (token and any impersonation it asks for; build it with `callerOf`) for
   * `verb` on `parent` (a namespace, or `-` for every namespace) and returns the namespaces the
   * call may touch. Throws 401 for a bad token, 403 for a refused namespace or impersonation.
   */
  authorize(caller: Caller, parent: string, verb: Verb, resource: Resource): Promise<Scope>;
}

/** The namespaces a list query filters on: null for every namespace. */
export function namespacesOf(scope: Scope, parent: string): string[] | null {
  if (parent !== '-') return [parent];
  return scope.all ? null : scope.namespaces;
}
