/**
 * Who may read which namespaces. The query handler asks an Authorizer; it never sees how the
 * answer is made (static token table now; Kubernetes TokenReview/SubjectAccessReview in the
 * security work).
 */
import { tokenMatches, unauthorized } from '../../shared/http/auth.js';
import { HttpError } from '../../shared/http/problem.js';

/** The namespaces a caller may read: every one, or these. */
export type Scope = { all: true } | { all: false; namespaces: string[] };

export type Verb = 'get' | 'list' | 'delete';

/** What a call touches, as Tekton Results names it in RBAC (group results.tekton.dev). */
export type Resource = 'results' | 'records';

export interface Authorizer {
  /**
   * Checks the token for `verb` on `parent` (a namespace, or `-` for every namespace) and
   * returns the namespaces the call may touch. Throws 401 for a bad token, 403 for a refused namespace.
   */
  authorize(token: string | undefined, parent: string, verb: Verb, resource: Resource): Promise<Scope>;
}

/** A fixed table of tokens, each with the namespaces it may read (`*`: all). */
export class StaticAuthorizer implements Authorizer {
  constructor(private readonly entries: { token: string; namespaces: string[] }[]) {}

  async authorize(token: string | undefined, parent: string): Promise<Scope> {
    if (!token) throw unauthorized('missing token: send Authorization: Bearer <token>');
    const entry = this.entries.find((e) => tokenMatches(token, e.token));
    if (!entry) throw unauthorized('invalid token');
    if (entry.namespaces.includes('*')) return { all: true };
    if (parent === '-') return { all: false, namespaces: entry.namespaces };
    if (!entry.namespaces.includes(parent)) throw new HttpError(403, `this token may not read namespace "${parent}"`);
    return { all: false, namespaces: [parent] };
  }
}

/** The namespaces a list query filters on: null for every namespace. */
export function namespacesOf(scope: Scope, parent: string): string[] | null {
  if (parent !== '-') return [parent];
  return scope.all ? null : scope.namespaces;
}
