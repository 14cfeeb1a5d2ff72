import { describe, expect, it } from 'vitest';
import { DecisionCache, tokenKey } from '../../functions/query/decisionCache.js';

describe('DecisionCache', () => {
  it('keeps at most maxEntries, dropping the least recently used first', async () => {
    const cache = new DecisionCache<string>({ ttlMs: 60_000, maxEntries: 3, now: () => 0 });
    const loads: string[] = [];
    const get = (k: string) => cache.get(k, async () => (loads.push(k), k));
    for (const k of ['a', 'b', 'c']) await get(k);
    await get('a'); // a is now the most recently used
    await get('d'); // evicts b
    expect(cache.size).toBe(3);
    await get('a');
    await get('c');
    await get('b'); // reloaded: it was evicted
    expect(loads).toEqual(['a', 'b', 'c', 'd', 'b']);
  });

  it('forgets a failed load so that the next call tries again', async () => {
    const cache = new DecisionCache<number>({ ttlMs: 60_000, maxEntries: 10, now: () => 0 });
    let calls = 0;
    const load = async () => {
      calls++;
      if (calls === 1) throw new Error('API server down');
      return 42;
    };
    await expect(cache.get('k', load)).rejects.toThrow('API server down');
    await expect(cache.get('k', load)).resolves.toBe(42);
    await expect(cache.get('k', load)).resolves.toBe(42);
    expect(calls).toBe(2);
  });

  it('expires a decision after its TTL, measured from when the load finished', async () => {
    let now = 0;
    const cache = new DecisionCache<number>({ ttlMs: 1000, maxEntries: 10, now: () => now });
    let calls = 0;
    const load = async () => ++calls;
    await cache.get('k', load);
    now = 999;
    expect(await cache.get('k', load)).toBe(1);
    now = 1000;
    expect(await cache.get('k', load)).toBe(2);
  });

  it('hashes tokens into keys that do not contain them', () => {
    const token = 'secret-token-value-1234567890';
    expect(tokenKey(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(tokenKey(token)).not.toContain(token);
    expect(tokenKey(token)).toBe(tokenKey(token));
    expect(tokenKey(token)).not.toBe(tokenKey(`${token}x`));
  });
});
