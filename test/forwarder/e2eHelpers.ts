/** Helpers for the forwarder's end-to-end tests: config, polling, and reading EventLists back through the query API. */
import { loadForwarderConfig, type ForwarderConfig } from '../../forwarder/config.js';
import type { StoredEvent } from '../../shared/event.js';
import { INGEST_TOKEN, QUERY_TOKEN } from '../helpers/server.js';

export function forwarderConfig(sink: string, over: Partial<ForwarderConfig> = {}): ForwarderConfig {
  return { ...loadForwarderConfig(['--store-events=true', `--sink=${sink}`, `--sink-token=${INGEST_TOKEN}`, '--cluster-name=test', '--flush-interval=50ms', '--port=0'], {}), ...over };
}

/** Polls `probe` until `check` accepts its value; the last value is in the error when it never does. */
export async function until<T>(probe: () => Promise<T> | T, check: (v: T) => boolean, what: string, timeoutMs = 45_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await probe();
    if (check(last)) return last;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)?.slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface EventList {
  name: string;
  items: StoredEvent[];
}

async function get(url: string): Promise<Record<string, unknown>> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${QUERY_TOKEN}` } });
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

/** Every EventList record of a namespace, decoded, by record name. */
export async function eventLists(base: string, ns: string): Promise<Map<string, EventList>> {
  const body = await get(`${base}/apis/results.tekton.dev/v1alpha2/parents/${ns}/results/-/records?page_size=10000`);
  const out = new Map<string, EventList>();
  for (const r of (body['records'] ?? []) as { name: string; data: { value: string } }[]) {
    const list = JSON.parse(Buffer.from(r.data.value, 'base64').toString('utf8')) as { items: StoredEvent[] };
    out.set(r.name, { name: r.name, items: list.items });
  }
  return out;
}

export async function results(base: string, ns: string): Promise<Record<string, unknown>[]> {
  const body = await get(`${base}/apis/results.tekton.dev/v1alpha2/parents/${ns}/results?page_size=10000`);
  return (body['results'] ?? []) as Record<string, unknown>[];
}

/** Every stored Event of a namespace, across its EventLists. */
export async function storedEvents(base: string, ns: string): Promise<StoredEvent[]> {
  return [...(await eventLists(base, ns)).values()].flatMap((l) => l.items);
}
