/**
 * A small, faithful Kubernetes API server for tests and for `npm run demo`, in-process on
 * 127.0.0.1 (plain HTTP).
 * The real @kubernetes/client-node 1.4 informer and typed clients run against it unmodified:
 *   - one global resourceVersion over all resources (store.ts); lists carry it in their
 *     metadata, honour limit/continue, and come in etcd key order (list.ts);
 *   - watches replay history after a resourceVersion, then stream ADDED/MODIFIED/DELETED, and
 *     BOOKMARK when enabled and asked for (watch.ts);
 *   - after expireWatches(), open watches get an ERROR line with a 410 Expired Status (HTTP 200,
 *     as from the real server), and so does a watch resuming from an older resourceVersion; a
 *     list with resourceVersionMatch=Exact or a `continue` from before answers HTTP 410.
 *     client-node's ListWatch relists by itself on either;
 *   - dropWatches() resets the watch connections and failRequests() answers the next requests
 *     with a Status error: client-node's ListWatch emits 'error' and stops for good (it restarts
 *     only after 410), which is what the forwarder must handle;
 *   - label selectors; field selectors limited to the labels the real server supports per
 *     resource (others: 400 "field label not supported"); one Event store seen through both
 *     APIs, core/v1 and events.k8s.io/v1 (resources.ts);
 *   - GET and PATCH of TaskRuns, PipelineRuns and Pods: JSON merge patch (RFC 7386) and JSON
 *     Patch (RFC 6902), 415 for other patch types; a patch that changes nothing writes nothing;
 *     a metadata.resourceVersion in the patch is a precondition (409 Conflict); the run kinds
 *     have a status subresource, so a patch of the main resource leaves `status` alone;
 *   - TokenReview and SubjectAccessReview from addUser()/allow() (reviews.ts);
 *   - Leases (coordination.k8s.io/v1), what leader election needs: GET, POST to create (409
 *     AlreadyExists when one exists), PUT to update with `metadata.resourceVersion` as the
 *     optimistic-concurrency precondition (409 Conflict when another write came first).
 * Not modelled: authentication of requests (any or no bearer token is accepted), create/delete
 * through HTTP of anything but Leases, server-side apply and strategic merge patch (415), reading an older
 * resourceVersion than the latest with resourceVersionMatch=Exact (served the latest).
 *
 * For client-node callers:
 *   - kubeConfig() / writeKubeconfig() set `skipTLSVerify` / `insecure-skip-tls-verify: true`:
 *     client-node refuses a plain http:// server without it;
 *   - client-node 1.x sends every patch as application/json-patch+json unless told otherwise.
 *     A merge patch works like this (tested in fakeKubeApi.test.ts):
 *       import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
 *       await customObjectsApi.patchNamespacedCustomObject(
 *         { group: 'tekton.dev', version: 'v1', namespace, plural: 'taskruns', name, body: { metadata: { annotations: { k: v } } } },
 *         setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
 *   - list results of the typed clients (e.g. CoreV1Api.listPodForAllNamespaces) carry Date
 *     objects for Time fields (creationTimestamp, lastTimestamp…) where watch events carry the
 *     strings this server sends; MicroTime (eventTime) stays a string in both.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { writeFile } from 'node:fs/promises';
import type { KubeConfig } from '@kubernetes/client-node';
import { RESOURCES, parsePath, toStored, view, type Resource } from './resources.js';
import { SelectorError, fieldSelector, labelSelector } from './selectors.js';
import { jsonEqual, jsonPatch, mergePatch } from './patch.js';
import { Store, type Obj } from './store.js';
import { Watches } from './watch.js';
import { Lists } from './list.js';
import { Reviews, type Rule, type User } from './reviews.js';
import { REASONS, sendJson, sendStatus } from './status.js';
import { discovery } from './discovery.js';
import { kubeConfigFor, kubeconfigYaml } from './kubeconfig.js';

export type { Resource } from './resources.js';

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
  /** `everyMs` (default 200) is how often a BOOKMARK is sent to each watch that asked for them */
  bookmarks(enabled: boolean, everyMs?: number): void;
  requests: LoggedRequest[];
  addUser(token: string, user: User): void;
  /** `username` may also be a group named in SubjectAccessReviews; '*' in a rule matches anything */
  allow(username: string, rule: Rule): void;
  reviewCount(): { tokenReviews: number; subjectAccessReviews: number };
  /** the resourceVersion of the latest write */
  resourceVersion(): string;
  close(): Promise<void>;
}

export interface FakeKubeOptions {
  port?: number;
  /** changes kept for watches to resume from (older ones are compacted: 410); default unlimited */
  historyLimit?: number;
}

const PATCHABLE = new Set<Resource>(['taskruns', 'pipelineruns', 'pods']);
/** Resources with a status subresource: a write to the main resource keeps the stored status. */
const STATUS_SUBRESOURCE = new Set<Resource>(['taskruns', 'pipelineruns', 'pods']);
const PATCH_TYPES = 'application/json-patch+json, application/merge-patch+json';
/** Resources created (POST) and replaced (PUT) through HTTP. */
const WRITABLE = new Set<Resource>(['leases']);

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}

const qualified = (r: Resource) => (RESOURCES[r].group ? `${RESOURCES[r].plural}.${RESOURCES[r].group}` : RESOURCES[r].plural);

export async function startFakeKube(opts: FakeKubeOptions = {}): Promise<FakeKube> {
  // The store publishes each write to the open watches synchronously, in resourceVersion order.
  const store: Store = new Store(opts.historyLimit ?? Infinity, (c) => watches.publish(c));
  const watches = new Watches(store);
  const lists = new Lists(store);
  const reviews = new Reviews();
  const requests: LoggedRequest[] = [];
  const sockets = new Set<Socket>();
  let failures = 0;
  let failStatus = 503;

  /** The filter of a list or watch request: namespace, then selectors, over the resource's view. */
  function filterFor(resource: Resource, namespace: string | undefined, q: URLSearchParams): (stored: Obj) => Obj | undefined {
    const labels = labelSelector(q.get('labelSelector'));
    const fields = fieldSelector(q.get('fieldSelector'), RESOURCES[resource].fieldLabels);
    return (stored) => {
      if (namespace !== undefined && stored.metadata['namespace'] !== namespace) return undefined;
      if (!labels(stored.metadata['labels'] as Record<string, string> | undefined)) return undefined;
      const obj = view(resource, stored);
      return fields(obj) ? obj : undefined;
    };
  }

  function patch(res: ServerResponse, req: IncomingMessage, resource: Resource, current: Obj, body: unknown): void {
    const ct = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
    const shown = view(resource, current);
    let patched: Obj;
    if (ct !== 'application/merge-patch+json' && ct !== 'application/json-patch+json') {
      return sendStatus(res, 415, `the body of the request was in an unknown format - accepted media types include: ${PATCH_TYPES}`);
    }
    // A body that is not a patch of that type is a bad request; one that does not apply is unprocessable.
    if (ct === 'application/json-patch+json' && !Array.isArray(body)) return sendStatus(res, 400, 'json: cannot unmarshal object into Go value of type jsonpatch.Patch');
    if (ct === 'application/merge-patch+json' && (typeof body !== 'object' || body === null || Array.isArray(body))) return sendStatus(res, 400, 'a merge patch of an object must be a JSON object');
    try {
      patched = (ct === 'application/merge-patch+json' ? mergePatch(shown, body) : jsonPatch(shown, body as [])) as Obj;
    } catch (err) {
      return sendStatus(res, 422, (err as Error).message);
    }
    const name = String(current.metadata['name']);
    const asked = (patched.metadata as Record<string, unknown> | undefined)?.['resourceVersion'];
    if (asked !== undefined && asked !== current.metadata['resourceVersion']) {
      return sendStatus(res, 409, `Operation cannot be fulfilled on ${qualified(resource)} "${name}": the object has been modified; please apply your changes to the latest version and try again`, { name, group: RESOURCES[resource].group, kind: RESOURCES[resource].plural });
    }
    // Identity fields are not the patch's to change; the status belongs to the status subresource.
    patched.metadata = { ...patched.metadata, name, namespace: current.metadata['namespace'], uid: current.metadata['uid'], resourceVersion: shown.metadata['resourceVersion'], creationTimestamp: current.metadata['creationTimestamp'] };
    if (STATUS_SUBRESOURCE.has(resource)) {
      if (shown['status'] === undefined) delete patched['status'];
      else patched['status'] = shown['status'];
    }
    if (jsonEqual(patched, shown)) return sendJson(res, 200, shown);
    sendJson(res, 200, view(resource, store.put(RESOURCES[resource].storage, toStored(resource, patched), 'MODIFIED')));
  }

  function createObject(res: ServerResponse, resource: Resource, namespace: string, body: unknown): void {
    const o = body as Obj | undefined;
    const name = o?.metadata?.['name'];
    if (typeof name !== 'string' || name === '') return sendStatus(res, 422, `${RESOURCES[resource].kind} "" is invalid: metadata.name: Required value: name is required`, undefined, 'Invalid');
    if (o!.metadata['namespace'] !== undefined && o!.metadata['namespace'] !== namespace) return sendStatus(res, 400, 'the namespace of the provided object does not match the namespace sent on the request');
    if (store.get(RESOURCES[resource].storage, namespace, name)) {
      return sendStatus(res, 409, `${qualified(resource)} "${name}" already exists`, { name, group: RESOURCES[resource].group, kind: RESOURCES[resource].plural }, 'AlreadyExists');
    }
    const { resourceVersion: _rv, uid: _uid, ...meta } = o!.metadata;
    sendJson(res, 201, view(resource, store.put(RESOURCES[resource].storage, toStored(resource, { ...o!, metadata: { ...meta, namespace } }), 'ADDED')));
  }

  /** PUT: the whole object replaced; a resourceVersion in it must be the current one (optimistic concurrency). */
  function replaceObject(res: ServerResponse, resource: Resource, current: Obj, body: unknown): void {
    const o = body as Obj | undefined;
    const name = String(current.metadata['name']);
    if (typeof o?.metadata !== 'object' || o.metadata === null) return sendStatus(res, 400, 'the body of the request is not an object with metadata');
    if (o.metadata['name'] !== name) return sendStatus(res, 400, 'the name of the object does not match the name on the URL');
    const asked = o.metadata['resourceVersion'];
    if (asked !== undefined && asked !== '' && asked !== current.metadata['resourceVersion']) {
      return sendStatus(res, 409, `Operation cannot be fulfilled on ${qualified(resource)} "${name}": the object has been modified; please apply your changes to the latest version and try again`, { name, group: RESOURCES[resource].group, kind: RESOURCES[resource].plural });
    }
    const next: Obj = { ...o, metadata: { ...o.metadata, namespace: current.metadata['namespace'], uid: current.metadata['uid'], creationTimestamp: current.metadata['creationTimestamp'] } };
    sendJson(res, 200, view(resource, store.put(RESOURCES[resource].storage, toStored(resource, next), 'MODIFIED')));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const q = url.searchParams;
    const p = url.pathname;
    const method = req.method ?? 'GET';
    const text = method === 'GET' ? '' : await readBody(req);
    let body: unknown;
    let badBody = false;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      badBody = true;
    }
    requests.push({ method, path: p, query: Object.fromEntries(q), contentType: req.headers['content-type'], body: badBody ? text : body });
    if (failures > 0) {
      failures--;
      return sendStatus(res, failStatus, `injected failure (${REASONS[failStatus] ?? failStatus})`);
    }
    if (badBody) return sendStatus(res, 400, 'the request body is not valid JSON');

    if (method === 'GET') {
      const d = discovery(p);
      if (d !== undefined) return sendJson(res, 200, d);
    }
    if (p === '/apis/authentication.k8s.io/v1/tokenreviews') {
      if (method !== 'POST') return sendStatus(res, 405, `${method} is not supported on tokenreviews`);
      return sendJson(res, 201, reviews.tokenReview(body));
    }
    if (p === '/apis/authorization.k8s.io/v1/subjectaccessreviews') {
      if (method !== 'POST') return sendStatus(res, 405, `${method} is not supported on subjectaccessreviews`);
      return sendJson(res, 201, reviews.subjectAccessReview(body));
    }
    const route = parsePath(p);
    if (!route) return sendStatus(res, 404, 'the server could not find the requested resource');
    const { resource, namespace, name } = route;
    const info = RESOURCES[resource];
    if (name === undefined && method === 'POST' && WRITABLE.has(resource) && namespace !== undefined) return createObject(res, resource, namespace, body);
    if (name === undefined) {
      if (method !== 'GET') return sendStatus(res, 405, `${method} is not supported on ${qualified(resource)} by this fake`);
      let visible;
      try {
        visible = filterFor(resource, namespace, q);
      } catch (err) {
        if (err instanceof SelectorError) return sendStatus(res, 400, err.message);
        throw err;
      }
      const watch = q.get('watch');
      if (watch === 'true' || watch === '1') return watches.serve(res, { resource, namespace, visible }, q);
      return lists.serve(res, resource, visible, q);
    }
    const current = namespace === undefined ? undefined : store.get(info.storage, namespace, name);
    if (!current) return sendStatus(res, 404, `${qualified(resource)} "${name}" not found`, { name, group: info.group, kind: info.plural });
    if (method === 'GET') return sendJson(res, 200, view(resource, current));
    if (method === 'PATCH' && PATCHABLE.has(resource)) return patch(res, req, resource, current, body);
    if (method === 'PUT' && WRITABLE.has(resource)) return replaceObject(res, resource, current, body);
    return sendStatus(res, 405, `${method} is not supported on ${qualified(resource)} by this fake`);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      // A badly escaped path is the client's fault, as in the API server.
      if (!res.headersSent) sendStatus(res, err instanceof URIError ? 400 : 500, (err as Error).message);
      else res.destroy();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  function existing(r: Resource, obj: unknown): Obj {
    const o = obj as Obj;
    if (typeof o?.metadata?.['name'] !== 'string') throw new Error(`a ${RESOURCES[r].kind} needs metadata.name`);
    return { ...o, metadata: { namespace: 'default', ...o.metadata } };
  }

  return {
    url,
    requests,
    kubeConfig: () => kubeConfigFor(url),
    writeKubeconfig: (path) => writeFile(path, kubeconfigYaml(url)),
    create(r, obj) {
      const o = existing(r, obj);
      if (store.get(RESOURCES[r].storage, o.metadata['namespace'], o.metadata['name'])) {
        throw new Error(`${qualified(r)} "${String(o.metadata['name'])}" already exists`);
      }
      return structuredClone(view(r, store.put(RESOURCES[r].storage, toStored(r, structuredClone(o)), 'ADDED'))) as never;
    },
    update(r, obj) {
      const o = existing(r, obj);
      if (!store.get(RESOURCES[r].storage, o.metadata['namespace'], o.metadata['name'])) {
        throw new Error(`${qualified(r)} "${String(o.metadata['name'])}" not found`);
      }
      return structuredClone(view(r, store.put(RESOURCES[r].storage, toStored(r, structuredClone(o)), 'MODIFIED'))) as never;
    },
    remove(r, namespace, name) {
      if (!store.remove(RESOURCES[r].storage, namespace, name)) throw new Error(`${qualified(r)} "${namespace}/${name}" not found`);
    },
    get(r, namespace, name) {
      const o = store.get(RESOURCES[r].storage, namespace, name);
      return (o ? structuredClone(view(r, o)) : undefined) as never;
    },
    list: (r, namespace) =>
      store
        .list(RESOURCES[r].storage)
        .filter((o) => namespace === undefined || o.metadata['namespace'] === namespace)
        .map((o) => structuredClone(view(r, o))) as never,
    expireWatches() {
      store.compact();
      lists.expire();
      watches.expire();
    },
    dropWatches: () => watches.drop(),
    failRequests(n, code = 503) {
      failures = n;
      failStatus = code;
    },
    bookmarks: (enabled, everyMs) => watches.bookmarks(enabled, everyMs),
    addUser: (token, user) => reviews.addUser(token, user),
    allow: (username, rule) => reviews.allow(username, rule),
    reviewCount: () => ({ ...reviews.count }),
    resourceVersion: () => String(store.rv),
    async close() {
      watches.end();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
