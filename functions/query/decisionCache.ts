/**
 * A small bounded TTL cache for authentication and authorisation decisions.
 *
 * Why: Tekton Results asks the API server twice (TokenReview + SubjectAccessReview) on every
 * request, uncached, and users measured 20–60 s latencies from it. A decision may be reused for
 * a few seconds: RBAC changes take that long to apply here, which `AUTH_CACHE_SECONDS` bounds.
 *
 * - Keys never hold a raw token: callers pass `tokenKey(token)`, a SHA-256 of it, so a heap dump
 *   or a debug log of the cache reveals no credential.
 * - The promise is cached, not the value: concurrent requests with the same token share one
 *   review instead of each starting their own.
 * - A rejected load (API server down) is not cached, so the next request tries again.
 * - At most `maxEntries` entries, least recently used evicted first, so a flood of random tokens
 *   costs bounded memory.
 */
import { createHash } from 'node:crypto';

export interface DecisionCacheOptions {
  /** How long a decision is reused; 0 turns caching off. */
  ttlMs: number;
  maxEntries: number;
  /** The clock, injectable so tests need no sleeping. */
  now?: () => number;
}

interface Entry<V> {
  value: Promise<V>;
  /** Infinity while the load is pending: a pending load is shared, never expired. */
  expires: number;
}

/** SHA-256 of a token, hex: the only form in which a token may be part of a cache key. */
export function tokenKey(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export class DecisionCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly now: () => number;

  constructor(private readonly opts: DecisionCacheOptions) {
    this.now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The cached decision for `key`, else the one `load` makes (and caches once it succeeds). */
  get(key: string, load: () => Promise<V>): Promise<V> {
    if (this.opts.ttlMs <= 0) return load();
    const hit = this.entries.get(key);
    if (hit && hit.expires > this.now()) {
      // Re-insert: a Map iterates in insertion order, so the first key is the least recently used.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.value;
    }
    if (hit) this.entries.delete(key);

    const entry: Entry<V> = { value: load(), expires: Infinity };
    this.entries.set(key, entry);
    entry.value.then(
      () => {
        entry.expires = this.now() + this.opts.ttlMs;
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    this.evict();
    return entry.value;
  }

  clear(): void {
    this.entries.clear();
  }

  private evict(): void {
    while (this.entries.size > this.opts.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) return;
      this.entries.delete(oldest.value);
    }
  }
}
