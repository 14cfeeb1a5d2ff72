/**
 * The fake API server's storage, modelled on etcd behind the watch cache: one global, increasing
 * resourceVersion for every write of every resource; a history of changes that watches resume
 * from; compaction, after which older resourceVersions are "too old" (410 Gone).
 *
 * Stored objects are never mutated once stored (a write stores a new object), so the history,
 * list snapshots and the current state share them instead of copying.
 */
import { randomUUID } from 'node:crypto';

export type Obj = Record<string, unknown> & { metadata: Record<string, unknown> };
export type Storage = 'pods' | 'events' | 'taskruns' | 'pipelineruns' | 'leases';
export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface Change {
  rv: number;
  storage: Storage;
  type: ChangeType;
  object: Obj;
  /** the object before a MODIFIED change: a watch with selectors needs both (see watch.ts) */
  prev?: Obj;
}

/** etcd orders keys `/registry/<resource>/<namespace>/<name>` bytewise; lists come in that order. */
export function storageKey(namespace: unknown, name: unknown): string {
  return `${String(namespace ?? '')}/${String(name)}`;
}

const byKey = (a: Obj, b: Obj): number => {
  const ka = storageKey(a.metadata['namespace'], a.metadata['name']);
  const kb = storageKey(b.metadata['namespace'], b.metadata['name']);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
};

/** Kubernetes timestamps have whole seconds. */
export const nowTimestamp = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

export class Store {
  /** the resourceVersion of the latest write */
  rv = 1000;
  /** A watch or continued list from a resourceVersion below this is too old (410 Gone). */
  oldestResumable = 0;
  private readonly objects: Record<Storage, Map<string, Obj>> = { pods: new Map(), events: new Map(), taskruns: new Map(), pipelineruns: new Map(), leases: new Map() };
  private history: Change[] = [];

  /**
   * @param historyLimit changes kept for watches to resume from; older ones are compacted away
   *   as etcd and the watch cache do, so a watch resuming from before them gets 410 Gone.
   * @param onChange called synchronously for each write, in resourceVersion order
   */
  constructor(
    private readonly historyLimit: number,
    private readonly onChange: (c: Change) => void,
  ) {}

  get(storage: Storage, namespace: unknown, name: unknown): Obj | undefined {
    return this.objects[storage].get(storageKey(namespace, name));
  }

  /** Current objects in etcd key order. */
  list(storage: Storage): Obj[] {
    return [...this.objects[storage].values()].sort(byKey);
  }

  /** Stores `obj` under a new resourceVersion, keeping uid and creationTimestamp of an existing object. */
  put(storage: Storage, obj: Obj, type: 'ADDED' | 'MODIFIED'): Obj {
    const prev = this.get(storage, obj.metadata['namespace'], obj.metadata['name']);
    this.rv++;
    const stored: Obj = {
      ...obj,
      metadata: {
        ...obj.metadata,
        uid: obj.metadata['uid'] ?? prev?.metadata['uid'] ?? randomUUID(),
        resourceVersion: String(this.rv),
        creationTimestamp: obj.metadata['creationTimestamp'] ?? prev?.metadata['creationTimestamp'] ?? nowTimestamp(),
      },
    };
    this.objects[storage].set(storageKey(stored.metadata['namespace'], stored.metadata['name']), stored);
    this.record({ rv: this.rv, storage, type, object: stored, ...(prev && type === 'MODIFIED' ? { prev } : {}) });
    return stored;
  }

  /** Deletes an object; the DELETED change carries it with the deletion's resourceVersion, as etcd does. */
  remove(storage: Storage, namespace: string, name: string): Obj | undefined {
    const key = storageKey(namespace, name);
    const prev = this.objects[storage].get(key);
    if (!prev) return undefined;
    this.objects[storage].delete(key);
    this.rv++;
    const gone: Obj = { ...prev, metadata: { ...prev.metadata, resourceVersion: String(this.rv) } };
    this.record({ rv: this.rv, storage, type: 'DELETED', object: gone });
    return gone;
  }

  /** Changes of `storage` after resourceVersion `from`, or undefined when they were compacted away. */
  since(storage: Storage, from: number): Change[] | undefined {
    if (from < this.oldestResumable) return undefined;
    return this.history.filter((c) => c.rv > from && c.storage === storage);
  }

  /**
   * Forgets all history, as etcd compaction at the latest revision does: every older
   * resourceVersion is too old from now on, while a list taken now can still be watched from.
   */
  compact(): void {
    this.history = [];
    this.oldestResumable = this.rv;
  }

  private record(change: Change): void {
    this.history.push(change);
    if (this.history.length > this.historyLimit) {
      const dropped = this.history.splice(0, this.history.length - this.historyLimit);
      // Resuming from the last dropped change's resourceVersion still sees everything after it.
      this.oldestResumable = dropped[dropped.length - 1]!.rv;
    }
    this.onChange(change);
  }
}
