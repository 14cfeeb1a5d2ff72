/**
 * Lists as the API server serves them: items in etcd key order and the store's resourceVersion
 * in the list metadata; with `limit`, pages of one consistent snapshot joined by `continue`
 * tokens, which expire (410 Gone) once the store is compacted past the snapshot.
 * With resourceVersion=0 the watch cache answers and ignores `limit`, as the real one does.
 */
import type { ServerResponse } from 'node:http';
import type { Obj, Store } from './store.js';
import { RESOURCES, type Resource } from './resources.js';
import { sendJson, sendStatus } from './status.js';

interface Snapshot {
  rv: number;
  items: Obj[];
}

/** Snapshots kept for continued lists; a client that never finishes its list must not grow this forever. */
const MAX_SNAPSHOTS = 100;

const EXPIRED_CONTINUE =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.';

export class Lists {
  private readonly snapshots = new Map<string, Snapshot>();
  private nextId = 0;

  constructor(private readonly store: Store) {}

  /** Forgets the snapshots (at compaction): their continue tokens now answer 410. */
  expire(): void {
    this.snapshots.clear();
  }

  serve(res: ServerResponse, resource: Resource, visible: (o: Obj) => Obj | undefined, q: URLSearchParams): void {
    const info = RESOURCES[resource];
    const rvParam = q.get('resourceVersion') ?? '';
    const match = q.get('resourceVersionMatch') ?? '';
    const cont = q.get('continue') ?? '';
    const limit = rvParam === '0' ? 0 : Number(q.get('limit') ?? 0);
    if (!Number.isInteger(limit) || limit < 0) return sendStatus(res, 400, `invalid limit: ${q.get('limit')}`);
    if (rvParam !== '' && !/^\d+$/.test(rvParam)) return sendStatus(res, 400, `invalid resource version: ${rvParam}`);
    if (match !== '' && rvParam === '') return sendStatus(res, 400, 'resourceVersionMatch is forbidden unless resourceVersion is provided');
    if (cont !== '' && rvParam !== '' && rvParam !== '0') return sendStatus(res, 400, 'specifying resource version is not allowed when using continue');

    let snapshot: Snapshot;
    let start = 0;
    let id: string;
    if (cont !== '') {
      const token = decodeContinue(cont);
      if (!token) return sendStatus(res, 400, `continue key is not valid: ${cont}`);
      const found = this.snapshots.get(token.id);
      if (token.rv < this.store.oldestResumable || !found) return sendStatus(res, 410, EXPIRED_CONTINUE);
      snapshot = found;
      start = token.start;
      id = token.id;
    } else {
      const asked = rvParam === '' ? 0 : Number(rvParam);
      if (match === 'Exact' && asked < this.store.oldestResumable) return sendStatus(res, 410, `too old resource version: ${asked} (${this.store.oldestResumable})`);
      if (asked > this.store.rv) return sendStatus(res, 504, `Too large resource version: ${asked}, current: ${this.store.rv}`, { retryAfterSeconds: 1 }, 'Timeout');
      snapshot = { rv: this.store.rv, items: this.store.list(info.storage).flatMap((o) => visible(o) ?? []) };
      id = String(++this.nextId);
    }

    const end = limit > 0 ? Math.min(start + limit, snapshot.items.length) : snapshot.items.length;
    const metadata: Record<string, unknown> = { resourceVersion: String(snapshot.rv) };
    if (end < snapshot.items.length) {
      metadata['continue'] = encodeContinue({ rv: snapshot.rv, start: end, id });
      metadata['remainingItemCount'] = snapshot.items.length - end;
      this.snapshots.set(id, snapshot);
      while (this.snapshots.size > MAX_SNAPSHOTS) this.snapshots.delete(this.snapshots.keys().next().value!);
    } else {
      this.snapshots.delete(id);
    }
    sendJson(res, 200, { kind: info.listKind, apiVersion: info.apiVersion, metadata, items: snapshot.items.slice(start, end) });
  }
}

interface ContinueToken {
  rv: number;
  start: number;
  id: string;
}

/** Shaped like the real token (base64 JSON with the snapshot's resourceVersion); opaque to clients. */
function encodeContinue(t: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', ...t })).toString('base64url');
}

function decodeContinue(s: string): ContinueToken | undefined {
  try {
    const t = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as Partial<ContinueToken> & { v?: string };
    if (t.v !== 'meta.k8s.io/v1' || typeof t.rv !== 'number' || typeof t.start !== 'number' || typeof t.id !== 'string') return undefined;
    return { rv: t.rv, start: t.start, id: t.id };
  } catch {
    return undefined;
  }
}
