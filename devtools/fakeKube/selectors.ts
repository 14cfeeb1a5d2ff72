/**
 * Label and field selectors, parsed once per request as the API server does, into predicates.
 * A selector the server would refuse throws SelectorError (answered 400 BadRequest).
 */

export class SelectorError extends Error {}

type Pred<T> = (x: T) => boolean;

function get(obj: unknown, dotted: string): unknown {
  let v: unknown = obj;
  for (const part of dotted.split('.')) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

/**
 * `a=b,c!=d,e==f` over the labels the resource supports (`fieldLabels`: label → path in the
 * object). A missing field compares as the empty string, as in the API server.
 */
export function fieldSelector(selector: string | null, fieldLabels: Record<string, string>): Pred<unknown> {
  if (!selector) return () => true;
  const terms = selector.split(',').map((term) => {
    const m = /^\s*([^!=\s]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(term);
    if (!m) throw new SelectorError(`invalid field selector: '${term}'`);
    const path = fieldLabels[m[1]!];
    if (path === undefined) throw new SelectorError(`field label not supported: ${m[1]!}`);
    return { path, negate: m[2] === '!=', value: m[3]! };
  });
  return (obj) =>
    terms.every(({ path, negate, value }) => {
      const actual = get(obj, path);
      const s = actual === undefined || actual === null ? '' : String(actual);
      return negate ? s !== value : s === value;
    });
}

/** `k`, `!k`, `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, comma-separated (all must hold). */
export function labelSelector(selector: string | null): Pred<Record<string, string> | undefined> {
  if (!selector) return () => true;
  const terms: Pred<Record<string, string>>[] = (selector.match(/(?:[^,(]|\([^)]*\))+/g) ?? []).map((raw) => {
    const term = raw.trim();
    let m = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
    if (m) {
      const [, key, op, list] = m as unknown as [string, string, string, string];
      const set = list.split(',').map((s) => s.trim());
      // notin, like !=, also matches objects without the label
      return (l) => (Object.hasOwn(l, key) && set.includes(l[key]!)) === (op === 'in');
    }
    m = /^([^!=\s]+)\s*(==|=|!=)\s*([^!=\s]*)$/.exec(term);
    if (m) {
      const [, key, op, value] = m as unknown as [string, string, string, string];
      return op === '!=' ? (l) => l[key] !== value : (l) => l[key] === value;
    }
    if (/^!\S+$/.test(term)) return (l) => !Object.hasOwn(l, term.slice(1));
    if (/^[^!=\s()]+$/.test(term)) return (l) => Object.hasOwn(l, term);
    throw new SelectorError(`unable to parse requirement: '${term}'`);
  });
  return (labels) => terms.every((t) => t(labels ?? {}));
}
