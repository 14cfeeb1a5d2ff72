/** Label and field selectors, as the API server reads them. */

function get(obj: unknown, dotted: string): unknown {
  let v: unknown = obj;
  for (const part of dotted.split('.')) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

/** `a=b,c!=d,e==f`; the fields are dotted paths into the object. */
export function matchesFields(obj: unknown, selector: string | null): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const m = /^\s*([^!=\s]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(term);
    if (!m) throw new Error(`invalid field selector "${term}"`);
    const actual = get(obj, m[1]!);
    const value = actual === undefined || actual === null ? '' : String(actual);
    return m[2] === '!=' ? value !== m[3] : value === m[3];
  });
}

/** `k`, `!k`, `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, comma-separated. */
export function matchesLabels(labels: Record<string, string> | undefined, selector: string | null): boolean {
  if (!selector) return true;
  const l = labels ?? {};
  const terms = selector.match(/(?:[^,(]|\([^)]*\))+/g) ?? [];
  return terms.every((raw) => {
    const term = raw.trim();
    let m = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
    if (m) {
      const set = m[3]!.split(',').map((s) => s.trim());
      const has = m[1]! in l && set.includes(l[m[1]!]!);
      return m[2] === 'in' ? has : !has;
    }
    m = /^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(term);
    if (m) return m[2] === '!=' ? l[m[1]!] !== m[3] : l[m[1]!] === m[3];
    if (term.startsWith('!')) return !(term.slice(1) in l);
    if (/^\S+$/.test(term)) return term in l;
    throw new Error(`invalid label selector "${term}"`);
  });
}
