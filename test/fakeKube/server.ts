/**
 * A small, faithful Kubernetes API server for tests, in-process on 127.0.0.1 (plain HTTP).
 * The real @kubernetes/client-node informer runs against it unmodified: list with a
 * resourceVersion, watch streams (ADDED/MODIFIED/DELETED/BOOKMARK/ERROR lines) resuming from a
 * resourceVersion, 410 Gone once history is compacted, label and field selectors, GET and
 * PATCH (merge and JSON patch) of TaskRuns and PipelineRuns, TokenReview and
 * SubjectAccessReview. Faults on demand: expired watches, dropped connections, failing requests.
 *
 * client-node refuses plain http:// unless the cluster sets insecure-skip-tls-verify, so
 * kubeConfig() and writeKubeconfig() set it. For a merge patch with client-node 1.x, pass
 * `setHeaderOptions('Content-Type', PatchStrategy.MergePatch)` as the call's options:
 * otherwise it sends application/json-patch+json.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { RESOURCES, parsePath, toStored, view, type Resource } from './resources.js';
import { matchesFields, matchesLabels } from './selectors.js';
import { jsonPatch, mergePatch } from './patch.js';

export type { Resource } from './resources.js';

type Obj = Record<string, unknown> & { metadata: Record<string, unknown> };
type Storage = (typeof RESOURCES)[Resource]['storage'];
interface Change {
  rv: number;
  storage: Storage;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: Obj;
}
interface Watcher {
  resource: Resource;
  namespace: string | undefined;
  labels: string | null;
  fields: string | null;
  bookmarks: boolean;
  res: ServerResponse;
}

export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType?: string;
  body?: unknown;
}

export interface FakeKube {
  url: string;
  kubeConfig(): KubeConfig;
  writeKubeconfig(path: string): Promise<void>;
  create<T>(r: Resource, obj: T): T;
  update<T>(r: Resource, obj: T): T;
  remove(r: Resource, namespace: string, name: string): void;
  get<T>(r: Resource, namespace: string, name: string): T | undefined;
  list<T>(r: Resource, namespace?: string): T[];
  expireWatches(): void;
  dropWatches(): void;
  failRequests(n: number, status?: number): void;
  bookmarks(enabled: boolean): void;
  requests: LoggedRequest[];
  addUser(token: string, user: { username: string; groups?: string[] }): void;
  allow(username: string, rule: { verb: string; group: string; resource: string; namespace?: string }): void;
  reviewCount(): { tokenReviews: number; subjectAccessReviews: number };
  close(): Promise<void>;
}

function status(res: ServerResponse, code: number, reason: string, message: string): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code }));
}

function sendJson(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startFakeKube(opts: { port?: number } = {}): Promise<FakeKube> {
  let rv = 1000;
  /** A watch from a resourceVersion older than this gets 410 Gone. */
  let compactedBelow = 0;
  let failures = 0;
  let failStatus = 503;
  let bookmarksOn = false;
  const store: Record<Storage, Map<string, Obj>> = { pods: new Map(), events: new Map(), taskruns: new Map(), pipelineruns: new Map() };
  const history: Change[] = [];
  const watchers = new Set<Watcher>();
  const sockets = new Set<Socket>();
  const requests: LoggedRequest[] = [];
  const users = new Map<string, { username: string; groups?: string[] }>();
  const rules: { username: string; verb: string; group: string; resource: string; namespace?: string }[] = [];
  const reviews = { tokenReviews: 0, subjectAccessReviews: 0 };

  const key = (ns: unknown, name: unknown) => `${String(ns ?? '')}/${String(name)}`;

  function visible(w: Pick<Watcher, 'resource' | 'namespace' | 'labels' | 'fields'>, stored: Obj): Obj | undefined {
    const obj = view(w.resource, stored);
    if (w.namespace && obj.metadata['namespace'] !== w.namespace) return undefined;
    if (!matchesLabels(obj.metadata['labels'] as Record<string, string> | undefined, w.labels)) return undefined;
    if (!matchesFields(obj, w.fields)) return undefined;
    return obj;
  }

  function write(w: Watcher, type: string, object: unknown): void {
    if (!w.res.writableEnded) w.res.write(JSON.stringify({ type, object }) + '\n');
  }

  function record(storage: Storage, type: Change['type'], object: Obj): void {
    const change = { rv, storage, type, object: structuredClone(object) };
    history.push(change);
    for (const w of watchers) {
      if (RESOURCES[w.resource].storage !== storage) continue;
      const obj = visible(w, change.object);
      if (obj) write(w, type, obj);
    }
  }

  function put(r: Resource, input: Obj, type: 'ADDED' | 'MODIFIED'): Obj {
    const storage = RESOURCES[r].storage;
    const obj = toStored(r, structuredClone(input));
    const k = key(obj.metadata['namespace'], obj.metadata['name']);
    const prev = store[storage].get(k);
    rv++;
    obj.metadata = {
      ...obj.metadata,
      uid: obj.metadata['uid'] ?? prev?.metadata['uid'] ?? randomUUID(),
      resourceVersion: String(rv),
      creationTimestamp: obj.metadata['creationTimestamp'] ?? prev?.metadata['creationTimestamp'] ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    };
    store[storage].set(k, obj);
    record(storage, type, obj);
    return view(r, obj);
  }

  function handleWatch(req: IncomingMessage, res: ServerResponse, r: Resource, namespace: string | undefined, q: URLSearchParams): void {
    const from = q.get('resourceVersion') ?? '';
    const w: Watcher = { resource: r, namespace, labels: q.get('labelSelector'), fields: q.get('fieldSelector'), bookmarks: q.get('allowWatchBookmarks') === 'true', res };
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    // A real server answers the watch at once; clients wait for the headers before reading.
    res.flushHeaders();
    if (from !== '' && from !== '0' && Number(from) < compactedBelow) {
      write(w, 'ERROR', { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `too old resource version: ${from} (${compactedBelow})`, reason: 'Expired', code: 410 });
      res.end();
      return;
    }
    if (from === '' || from === '0') {
      for (const obj of store[RESOURCES[r].storage].values()) {
        const v = visible(w, obj);
        if (v) write(w, 'ADDED', v);
      }
    } else {
      for (const c of history) {
        if (c.rv <= Number(from) || c.storage !== RESOURCES[r].storage) continue;
        const v = visible(w, c.object);
        if (v) write(w, c.type, v);
      }
    }
    watchers.add(w);
    const timeout = Number(q.get('timeoutSeconds') ?? 0);
    const timers: NodeJS.Timeout[] = [];
    if (timeout > 0) timers.push(setTimeout(() => res.end(), timeout * 1000));
    timers.push(
      setInterval(() => {
        if (bookmarksOn && w.bookmarks) write(w, 'BOOKMARK', { kind: RESOURCES[r].kind, apiVersion: RESOURCES[r].apiVersion, metadata: { resourceVersion: String(rv) } });
      }, 200),
    );
    const stop = () => {
      watchers.delete(w);
      timers.forEach((t) => clearTimeout(t));
    };
    res.on('close', stop);
    req.on('close', stop);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const q = url.searchParams;
    const text = req.method === 'GET' ? '' : await readBody(req);
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      return status(res, 400, 'BadRequest', 'request body is not JSON');
    }
    requests.push({ method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(q), contentType: req.headers['content-type'], body });
    if (failures > 0) {
      failures--;
      return status(res, failStatus, failStatus === 503 ? 'ServiceUnavailable' : 'InternalError', 'injected failure');
    }
    const p = url.pathname;
    if (p === '/version') return sendJson(res, 200, { major: '1', minor: '31', gitVersion: 'v1.31.0-fake' });
    if (p === '/api') return sendJson(res, 200, { kind: 'APIVersions', versions: ['v1'] });
    if (p === '/apis') {
      const groups = ['events.k8s.io', 'tekton.dev', 'authentication.k8s.io', 'authorization.k8s.io'];
      return sendJson(res, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map((name) => ({ name, versions: [{ groupVersion: `${name}/v1`, version: 'v1' }], preferredVersion: { groupVersion: `${name}/v1`, version: 'v1' } })) });
    }
    if (req.method === 'POST' && p === '/apis/authentication.k8s.io/v1/tokenreviews') {
      reviews.tokenReviews++;
      const token = (body as { spec?: { token?: string } })?.spec?.token ?? '';
      const user = users.get(token);
      return sendJson(res, 201, { kind: 'TokenReview', apiVersion: 'authentication.k8s.io/v1', spec: { token }, status: user ? { authenticated: true, user } : { authenticated: false, error: 'invalid token' } });
    }
    if (req.method === 'POST' && p === '/apis/authorization.k8s.io/v1/subjectaccessreviews') {
      reviews.subjectAccessReviews++;
      const spec = (body as { spec?: { user?: string; resourceAttributes?: { verb?: string; group?: string; resource?: string; namespace?: string } } })?.spec ?? {};
      const a = spec.resourceAttributes ?? {};
      const allowed = rules.some((r) => r.username === spec.user && r.verb === a.verb && r.group === (a.group ?? '') && r.resource === a.resource && (r.namespace === undefined || r.namespace === a.namespace));
      return sendJson(res, 201, { kind: 'SubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', spec, status: { allowed } });
    }
    const route = parsePath(p);
    if (!route) return status(res, 404, 'NotFound', `the server could not find the requested resource (${p})`);
    const { resource, namespace, name } = route;
    const info = RESOURCES[resource];
    const objects = store[info.storage];
    if (name === undefined) {
      if (req.method !== 'GET') return status(res, 405, 'MethodNotAllowed', `${req.method} is not supported on collections here`);
      if (q.get('watch') === 'true' || q.get('watch') === '1') return handleWatch(req, res, resource, namespace, q);
      const from = q.get('resourceVersion');
      if (from && from !== '0' && Number(from) < compactedBelow && q.get('resourceVersionMatch') === 'Exact') {
        return status(res, 410, 'Expired', `too old resource version: ${from}`);
      }
      const filter = { resource, namespace, labels: q.get('labelSelector'), fields: q.get('fieldSelector') };
      let items: Obj[];
      try {
        items = [...objects.values()].map((o) => visible(filter, o)).filter((o): o is Obj => o !== undefined);
      } catch (err) {
        return status(res, 400, 'BadRequest', (err as Error).message);
      }
      return sendJson(res, 200, { kind: info.listKind, apiVersion: info.apiVersion, metadata: { resourceVersion: String(rv) }, items });
    }
    const k = key(namespace, name);
    const current = objects.get(k);
    if (!current) return status(res, 404, 'NotFound', `${info.plural} "${name}" not found`);
    if (req.method === 'GET') return sendJson(res, 200, view(resource, current));
    if (req.method === 'PATCH' && (resource === 'taskruns' || resource === 'pipelineruns' || resource === 'pods')) {
      const ct = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
      let patched: unknown;
      try {
        if (ct === 'application/merge-patch+json') patched = mergePatch(current, body);
        else if (ct === 'application/json-patch+json') patched = jsonPatch(current, body as []);
        else return status(res, 415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`);
      } catch (err) {
        return status(res, 422, 'Invalid', (err as Error).message);
      }
      const next = patched as Obj;
      next.metadata = { ...next.metadata, name: current.metadata['name'], namespace: current.metadata['namespace'], uid: current.metadata['uid'] };
      return sendJson(res, 200, put(resource, next, 'MODIFIED'));
    }
    return status(res, 405, 'MethodNotAllowed', `${req.method} is not supported here`);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) status(res, 500, 'InternalError', (err as Error).message);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const kube: FakeKube = {
    url,
    requests,
    kubeConfig() {
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name: 'fake', server: url, skipTLSVerify: true }],
        users: [{ name: 'fake', token: 'fake-admin-token' }],
        contexts: [{ name: 'fake', cluster: 'fake', user: 'fake' }],
        currentContext: 'fake',
      });
      return kc;
    },
    async writeKubeconfig(path) {
      await writeFile(
        path,
        [
          'apiVersion: v1',
          'kind: Config',
          'clusters:',
          '- name: fake',
          '  cluster:',
          `    server: ${url}`,
          '    insecure-skip-tls-verify: true',
          'users:',
          '- name: fake',
          '  user:',
          '    token: fake-admin-token',
          'contexts:',
          '- name: fake',
          '  context:',
          '    cluster: fake',
          '    user: fake',
          'current-context: fake',
          '',
        ].join('\n'),
      );
    },
    create: (r, obj) => put(r, obj as Obj, 'ADDED') as never,
    update(r, obj) {
      const o = obj as Obj;
      const storage = RESOURCES[r].storage;
      if (!store[storage].has(key(o.metadata['namespace'], o.metadata['name']))) throw new Error(`${r} ${String(o.metadata['name'])} does not exist`);
      return put(r, o, 'MODIFIED') as never;
    },
    remove(r, namespace, name) {
      const storage = RESOURCES[r].storage;
      const k = key(namespace, name);
      const obj = store[storage].get(k);
      if (!obj) throw new Error(`${r} ${namespace}/${name} does not exist`);
      store[storage].delete(k);
      rv++;
      record(storage, 'DELETED', { ...obj, metadata: { ...obj.metadata, resourceVersion: String(rv) } });
    },
    get: (r, namespace, name) => {
      const o = store[RESOURCES[r].storage].get(key(namespace, name));
      return (o ? structuredClone(view(r, o)) : undefined) as never;
    },
    list: (r, namespace) =>
      [...store[RESOURCES[r].storage].values()].filter((o) => !namespace || o.metadata['namespace'] === namespace).map((o) => structuredClone(view(r, o))) as never,
    expireWatches() {
      compactedBelow = rv + 1;
      history.length = 0;
      for (const w of [...watchers]) {
        write(w, 'ERROR', { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'too old resource version', reason: 'Expired', code: 410 });
        w.res.end();
        watchers.delete(w);
      }
    },
    dropWatches() {
      for (const w of [...watchers]) {
        w.res.socket?.destroy();
        watchers.delete(w);
      }
    },
    failRequests(n, code = 503) {
      failures = n;
      failStatus = code;
    },
    bookmarks(enabled) {
      bookmarksOn = enabled;
    },
    addUser: (token, user) => void users.set(token, user),
    allow: (username, rule) => void rules.push({ username, ...rule }),
    reviewCount: () => ({ ...reviews }),
    async close() {
      for (const w of watchers) w.res.end();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return kube;
}
