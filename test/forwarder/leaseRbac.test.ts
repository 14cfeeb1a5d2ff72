/**
 * The leader-election RBAC of deploy/forwarder/rbac.yaml against what the elector really asks
 * the API server: every Lease request it makes while acquiring, renewing and releasing (seen by
 * the fake API server) is one the namespaced Role grants, and the Role grants nothing more.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadForwarderConfig } from '../../forwarder/config.js';
import { startElectedForwarder } from '../../forwarder/elected.js';
import { startFakeKube, type FakeKube } from '../../devtools/fakeKube/server.js';
import { until } from '../helpers/until.js';
import { forwarderConfig } from './e2eHelpers.js';
import { startSink, type Sink } from './sink.js';

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let kube: FakeKube;
let sink: Sink;
let docs: Doc[];
beforeAll(async () => {
  [kube, sink] = await Promise.all([startFakeKube(), startSink()]);
  const text = await readFile(path.resolve(import.meta.dirname, '../../deploy/forwarder/rbac.yaml'), 'utf8');
  docs = parseAllDocuments(text).map((d) => d.toJS() as Doc);
});
afterAll(async () => {
  await kube?.close();
  await sink?.close();
});

const VERB: Record<string, string> = { GET: 'get', POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };

describe('the leader-election RBAC', () => {
  it('is a Role in the forwarder namespace, bound to its service account, with create, and get/update on the one Lease', () => {
    const sa = docs.find((d) => d.kind === 'ServiceAccount')!;
    const role = docs.find((d) => d.kind === 'Role')!;
    expect(role.metadata.namespace).toBe(sa.metadata.namespace);
    const leaseName = loadForwarderConfig(['--leader-elect=true', '--lease-namespace=x'], {}).leaderElection!.leaseName;
    expect(role.rules).toEqual([
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: [leaseName], verbs: ['get', 'update'] },
    ]);
    const binding = docs.find((d) => d.kind === 'RoleBinding')!;
    expect(binding.metadata.namespace).toBe(sa.metadata.namespace);
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.metadata.name });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: sa.metadata.name, namespace: sa.metadata.namespace }]);
  });

  it('grants every Lease request the elector makes to acquire, renew and release', async () => {
    const sa = docs.find((d) => d.kind === 'ServiceAccount')!;
    const role = docs.find((d) => d.kind === 'Role')!;
    const le = { ...loadForwarderConfig(['--leader-elect=true', `--lease-namespace=${sa.metadata.namespace}`, '--lease-duration=2s', '--renew-deadline=1500ms', '--retry-period=200ms'], {}).leaderElection! };
    const f = startElectedForwarder({ ...forwarderConfig(sink.url, { namespaces: ['rbac'] }), leaderElection: le }, { kubeConfig: kube.kubeConfig(), identity: 'rbac-check' });
    await f.ready;
    const leaseRequests = () => kube.requests.filter((r) => r.path.startsWith('/apis/coordination.k8s.io/'));
    await until(() => leaseRequests().filter((r) => r.method === 'PUT').length, (n) => n >= 2, 'renewals');
    await f.shutdown();
    const seen = leaseRequests();
    expect(new Set(seen.map((r) => r.method))).toEqual(new Set(['GET', 'POST', 'PUT']));
    for (const r of seen) {
      const m = /^\/apis\/coordination\.k8s\.io\/v1\/namespaces\/([^/]+)\/leases(?:\/([^/]+))?$/.exec(r.path);
      expect(m, r.path).not.toBeNull();
      expect(m![1]).toBe(sa.metadata.namespace);
      const verb = VERB[r.method]!;
      const allowed = (role.rules as Doc[]).some((rule) => rule.verbs.includes(verb) && (rule.resourceNames === undefined || rule.resourceNames.includes(m![2])));
      expect(allowed, `${r.method} ${r.path}`).toBe(true);
    }
  });
});
