/**
 * The forwarder's HTTP to the API server, all through the one KubeConfig (shared/kubeConfig.ts
 * makes it; tests hand in one for a local fake server):
 *   - `listPages`: a list as raw JSON, in pages (`limit`/`continue`), so timestamps stay the
 *     strings the watch also gives (the typed client turns list timestamps into Dates and cuts
 *     MicroTime) and a large list is not held twice;
 *   - `StreamWatch`: a drop-in for client-node's `Watch` that ListWatch drives, which hands
 *     each object to us first and pauses reading the stream while we are busy (backpressure
 *     reaches the API server through TCP instead of piling up in memory), and which gives
 *     ListWatch only a slim object to keep in its cache.
 * The merge patch of annotate.ts goes through the typed client (CustomObjectsApi).
 */
import http from 'node:http';
import https from 'node:https';
import { Watch, type KubeConfig } from '@kubernetes/client-node';

export interface KubeList {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: unknown[];
}

export class KubeError extends Error {
  constructor(
    message: string,
    readonly statusCode: number | undefined,
  ) {
    super(message);
  }
}

async function requestOptions(kc: KubeConfig, url: URL): Promise<https.RequestOptions> {
  const opts: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  return { agent: opts.agent, headers: { ...(opts.headers ?? {}), accept: 'application/json' }, auth: opts.auth, protocol: url.protocol };
}

function request(url: URL, opts: https.RequestOptions): http.ClientRequest {
  return (url.protocol === 'https:' ? https : http).request(url, opts);
}

export function apiUrl(kc: KubeConfig, path: string, query: Record<string, string | undefined>): URL {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('no current cluster in the kubeconfig');
  const url = new URL(cluster.server.replace(/\/$/, '') + path);
  for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, v);
  return url;
}

/** GET → parsed JSON; non-2xx → KubeError with the status. */
export async function getJson(kc: KubeConfig, url: URL, timeoutMs = 60_000): Promise<unknown> {
  const opts = await requestOptions(kc, url);
  return new Promise((resolve, reject) => {
    const req = request(url, { ...opts, method: 'GET', timeout: timeoutMs });
    req.on('timeout', () => req.destroy(new KubeError(`GET ${url.pathname}: timed out`, undefined)));
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) {
          reject(new KubeError(`GET ${url.pathname}: ${res.statusCode} ${body.slice(0, 300)}`, res.statusCode));
          return;
        }
        try {
          resolve(JSON.parse(body));
        } catch (err) {
          reject(err as Error);
        }
      });
    });
    req.end();
  });
}

/**
 * Lists a collection page by page, handing each page's items to `onItems` before the next page
 * is fetched. Returns the list's resourceVersion (of the first page: the snapshot the watch resumes from).
 */
export async function listPages(
  kc: KubeConfig,
  path: string,
  selectors: { labelSelector?: string | undefined; fieldSelector?: string | undefined },
  onItems: (items: unknown[]) => Promise<void>,
  pageSize = 500,
): Promise<string> {
  let cont: string | undefined;
  let resourceVersion: string | undefined;
  do {
    const url = apiUrl(kc, path, { ...selectors, limit: String(pageSize), continue: cont });
    const page = (await getJson(kc, url)) as KubeList;
    resourceVersion ??= page.metadata?.resourceVersion;
    cont = page.metadata?.continue || undefined;
    await onItems(page.items ?? []);
  } while (cont);
  return resourceVersion ?? '';
}

export type WatchPhase = 'ADDED' | 'MODIFIED' | 'DELETED';

/**
 * `handle` sees every ADDED/MODIFIED/DELETED object first; while its promise is pending, the
 * stream is paused. `slim` makes what ListWatch keeps. ERROR and BOOKMARK pass through as they are.
 */
export class StreamWatch extends Watch {
  constructor(
    private readonly kc: KubeConfig,
    private readonly handle: (phase: WatchPhase, obj: unknown) => void | Promise<void>,
    private readonly slim: (obj: unknown) => unknown,
    private readonly onActivity: () => void,
    private readonly onHandlerError: (err: unknown, obj: unknown) => void,
    private readonly idleTimeoutMs = 6 * 60_000,
  ) {
    super(kc);
  }

  override async watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: unknown, watchObj?: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    const controller = new AbortController();
    const query: Record<string, string | undefined> = { watch: 'true', allowWatchBookmarks: 'true', timeoutSeconds: String(240 + Math.floor(Math.random() * 120)) };
    for (const [k, v] of Object.entries(queryParams)) if (v !== undefined) query[k] = String(v);
    const url = apiUrl(this.kc, path, query);
    const opts = await requestOptions(this.kc, url);
    let finished = false;
    const finish = (err: unknown) => {
      if (finished) return;
      finished = true;
      controller.abort();
      done(err);
    };
    const req = request(url, { ...opts, method: 'GET', signal: controller.signal, timeout: this.idleTimeoutMs });
    // No byte for longer than the server's own timeout: the connection is dead without a reset.
    req.on('timeout', () => req.destroy(new KubeError(`watch ${path}: idle for ${this.idleTimeoutMs} ms`, undefined)));
    req.on('error', (err) => finish(err));
    req.on('response', (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        const err = new KubeError(`watch ${path}: ${res.statusCode}`, res.statusCode);
        finish(Object.assign(err, { code: res.statusCode }));
        return;
      }
      res.setEncoding('utf8');
      let partial = '';
      let queue = Promise.resolve();
      let pending = 0;
      const process = async (line: string) => {
        let msg: { type?: string; object?: unknown };
        try {
          msg = JSON.parse(line) as typeof msg;
        } catch {
          return;
        }
        const { type, object } = msg;
        if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') {
          try {
            await this.handle(type, object);
          } catch (err) {
            // A handler bug must not stop the stream (its later objects would be lost too).
            this.onHandlerError(err, object);
          }
          if (!finished) callback(type, this.slim(object), msg);
        } else if (type !== undefined && !finished) {
          callback(type, object, msg);
        }
      };
      res.on('data', (chunk: string) => {
        this.onActivity();
        const lines = (partial + chunk).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          if (line.trim() === '') continue;
          pending++;
          queue = queue.then(() => process(line)).finally(() => {
            if (--pending === 0 && res.isPaused()) res.resume();
          });
        }
        // Objects are handled in order; read more only once they are.
        if (pending > 0) res.pause();
      });
      res.on('error', (err) => finish(err));
      res.on('end', () => {
        void queue.then(() => finish(null));
      });
      res.on('aborted', () => finish(new KubeError(`watch ${path}: connection aborted`, undefined)));
    });
    req.end();
    return controller;
  }
}
