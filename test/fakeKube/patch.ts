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

export function jsonPatch(target: unknown, ops: Op[]): unknown {
  const doc = structuredClone(target) as Record<string, unknown>;
  for (const op of ops) {
    const parts = pointer(op.path);
    const last = parts.pop();
    if (last === undefined) throw new Error('cannot patch the whole document');
    let parent: unknown = doc;
    for (const p of parts) {
      if (typeof parent !== 'object' || parent === null) throw new Error(`path ${op.path} does not exist`);
      parent = (parent as Record<string, unknown>)[p];
    }
    if (typeof parent !== 'object' || parent === null) throw new Error(`path ${op.path} does not exist`);
    const container = parent as Record<string, unknown>;
    switch (op.op) {
      case 'add':
        if (Array.isArray(container)) {
          if (last === '-') container.push(op.value);
          else container.splice(Number(last), 0, op.value);
        } else container[last] = op.value;
        break;
      case 'replace':
        if (!(last in container)) throw new Error(`path ${op.path} does not exist`);
        container[last] = op.value;
        break;
      case 'remove':
        if (!(last in container)) throw new Error(`path ${op.path} does not exist`);
        if (Array.isArray(container)) container.splice(Number(last), 1);
        else delete container[last];
        break;
      case 'test':
        if (JSON.stringify(container[last]) !== JSON.stringify(op.value)) throw new Error(`test failed at ${op.path}`);
        break;
      default:
        throw new Error(`unsupported JSON Patch op "${op.op}"`);
    }
  }
  return doc;
}
