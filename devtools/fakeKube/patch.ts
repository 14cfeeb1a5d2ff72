/** JSON merge patch (RFC 7386) and JSON Patch (RFC 6902), as the API server applies them. */

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

type Op = { op: string; path: string; value?: unknown; from?: string };

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new Error(`invalid JSON pointer "${path}"`);
  return path.slice(1).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Deep equality of JSON values (key order ignored): a patch that changes nothing writes nothing. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function read(doc: unknown, path: string): unknown {
  return walk(doc, pointer(path), path);
}

function walk(doc: unknown, parts: string[], path: string): unknown {
  let v = doc;
  for (const p of parts) {
    if (typeof v !== 'object' || v === null || !Object.hasOwn(v, p)) throw new Error(`doc is missing path: ${path}`);
    v = (v as Record<string, unknown>)[p];
  }
  return v;
}

export function jsonPatch(target: unknown, ops: Op[]): unknown {
  if (!Array.isArray(ops)) throw new Error('a JSON Patch is an array of operations');
  const doc = structuredClone(target);
  for (const op of ops) {
    if (op.op === 'move' || op.op === 'copy') {
      // a copy is an add of the value at `from`; a move also removes it there first
      const value = structuredClone(read(doc, op.from ?? ''));
      if (op.op === 'move') apply(doc, { op: 'remove', path: op.from ?? '' });
      apply(doc, { op: 'add', path: op.path, value });
    } else apply(doc, op);
  }
  return doc;
}

function apply(doc: unknown, op: Op): void {
  const parts = pointer(op.path);
  const last = parts.pop();
  if (last === undefined) throw new Error('cannot patch the whole document');
  const parent = walk(doc, parts, op.path);
  if (typeof parent !== 'object' || parent === null) throw new Error(`path ${op.path} does not exist`);
  const container = parent as Record<string, unknown>;
  const isArray = Array.isArray(container);
  const index = isArray && last !== '-' ? Number(last) : NaN;
  if (isArray && last !== '-' && (!/^\d+$/.test(last) || index > (container as unknown as unknown[]).length)) throw new Error(`index ${last} out of range at ${op.path}`);
  switch (op.op) {
    case 'add':
      if (isArray) (container as unknown as unknown[]).splice(last === '-' ? (container as unknown as unknown[]).length : index, 0, op.value);
      else container[last] = op.value;
      break;
    case 'replace':
      if (!Object.hasOwn(container, last)) throw new Error(`path ${op.path} does not exist`);
      container[last] = op.value;
      break;
    case 'remove':
      if (!Object.hasOwn(container, last)) throw new Error(`path ${op.path} does not exist`);
      if (isArray) (container as unknown as unknown[]).splice(index, 1);
      else delete container[last];
      break;
    case 'test':
      if (!jsonEqual(container[last], op.value)) throw new Error(`testing value ${op.path} failed`);
      break;
    default:
      throw new Error(`unexpected kind: ${op.op}`);
  }
}
