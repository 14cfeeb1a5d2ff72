/**
 * Watch streams as the API server serves them: HTTP 200 with chunked, newline-delimited JSON
 * `{type, object}` lines. A watch without a resourceVersion (or with "0") starts with a
 * synthetic ADDED per current object; one with a resourceVersion replays the changes after it;
 * one from a compacted resourceVersion gets a single ERROR line carrying a 410 Expired Status
 * (a watch is answered 200 even then: the error travels in the stream, as from the real server).
 */
import type { ServerResponse } from 'node:http';
import type { Change, Obj, Store } from './store.js';
import { RESOURCES, type Resource } from './resources.js';
import { statusBody } from './status.js';

export interface WatchFilter {
  resource: Resource;
  namespace: string | undefined;
  /** the object as this resource shows it, or undefined when the selectors exclude it */
  visible: (stored: Obj) => Obj | undefined;
}

interface Watcher extends WatchFilter {
  res: ServerResponse;
  bookmarks: boolean;
  stop: () => void;
}

export const expiredStatus = (message: string) => statusBody(410, 'Expired', message);

export class Watches {
  private readonly open = new Set<Watcher>();
  private bookmarksOn = false;
  private bookmarkEveryMs = 200;

  constructor(private readonly store: Store) {}

  get size(): number {
    return this.open.size;
  }

  /** Sends one change to every open watch of its storage that can see it (called by the store). */
  publish(change: Change): void {
    for (const w of this.open) {
      if (RESOURCES[w.resource].storage !== change.storage) continue;
      const line = seenBy(w, change);
      if (line) send(w.res, line.type, line.object);
    }
  }

  serve(res: ServerResponse, filter: WatchFilter, q: URLSearchParams): void {
    const from = q.get('resourceVersion') ?? '';
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked', 'cache-control': 'no-cache, private' });
    // The real server answers a watch at once, before any event: clients wait for these headers.
    res.flushHeaders();
    const storage = RESOURCES[filter.resource].storage;
    if (from === '' || from === '0') {
      for (const obj of this.store.list(storage)) {
        const v = filter.visible(obj);
        if (v) send(res, 'ADDED', v);
      }
    } else {
      const changes = /^\d+$/.test(from) ? this.store.since(storage, Number(from)) : undefined;
      if (!changes) {
        const why = /^\d+$/.test(from) ? `too old resource version: ${from} (${this.store.oldestResumable})` : `invalid resource version: ${from}`;
        send(res, 'ERROR', expiredStatus(why));
        res.end();
        return;
      }
      for (const c of changes) {
        const line = seenBy(filter, c);
        if (line) send(res, line.type, line.object);
      }
    }
    const timers: NodeJS.Timeout[] = [];
    const w: Watcher = {
      ...filter,
      res,
      bookmarks: q.get('allowWatchBookmarks') === 'true' || q.get('allowWatchBookmarks') === '1',
      stop: () => {
        this.open.delete(w);
        for (const t of timers) clearTimeout(t);
      },
    };
    this.open.add(w);
    const timeout = Number(q.get('timeoutSeconds') ?? 0);
    // The server ends a watch cleanly after timeoutSeconds; the client resumes from its last resourceVersion.
    if (timeout > 0) timers.push(setTimeout(() => res.end(), timeout * 1000));
    timers.push(
      setInterval(() => {
        if (!this.bookmarksOn || !w.bookmarks) return;
        // Everything up to the store's resourceVersion has been sent to this watch (writes publish synchronously).
        const info = RESOURCES[w.resource];
        send(res, 'BOOKMARK', { kind: info.kind, apiVersion: info.apiVersion, metadata: { resourceVersion: String(this.store.rv) } });
      }, this.bookmarkEveryMs),
    );
    res.on('close', w.stop);
  }

  bookmarks(enabled: boolean, everyMs?: number): void {
    this.bookmarksOn = enabled;
    if (everyMs !== undefined) this.bookmarkEveryMs = everyMs;
  }

  /** Ends every watch with an ERROR 410 Expired line, as after etcd compaction. */
  expire(): void {
    for (const w of [...this.open]) {
      send(w.res, 'ERROR', expiredStatus('The resourceVersion for the provided watch is too old.'));
      w.res.end();
      w.stop();
    }
  }

  /** Resets every watch connection without ending its response: the client sees a broken stream. */
  drop(): void {
    for (const w of [...this.open]) {
      w.res.socket?.destroy();
      w.stop();
    }
  }

  /** Ends every watch cleanly (at shutdown). */
  end(): void {
    for (const w of [...this.open]) {
      w.res.end();
      w.stop();
    }
  }
}

/**
 * What a watch with selectors sees of a change, as the watch cache decides it: a modification
 * that moves an object into the selection is ADDED, one that moves it out is DELETED (so a
 * client's cache drops it), and one outside the selection before and after is not sent.
 */
function seenBy(w: WatchFilter, c: Change): { type: string; object: Obj } | undefined {
  const now = w.visible(c.object);
  if (c.type !== 'MODIFIED' || !c.prev) return now && { type: c.type, object: now };
  const before = w.visible(c.prev);
  if (now) return { type: before ? 'MODIFIED' : 'ADDED', object: now };
  // Like the watch cache: the last state the watch could see, at the new resourceVersion.
  return before && { type: 'DELETED', object: { ...before, metadata: { ...before.metadata, resourceVersion: c.object.metadata['resourceVersion'] } } };
}

function send(res: ServerResponse, type: string, object: unknown): void {
  if (!res.writableEnded && !res.destroyed) res.write(JSON.stringify({ type, object }) + '\n');
}
