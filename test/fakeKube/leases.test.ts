/**
 * The fake API server's Leases through client-node's typed CoordinationV1Api: what leader
 * election needs, with the API server's optimistic concurrency (409 on a stale resourceVersion).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CoordinationV1Api, V1MicroTime, type V1Lease } from '@kubernetes/client-node';
import { startFakeKube, type FakeKube } from '../../devtools/fakeKube/server.js';

let kube: FakeKube;
let api: CoordinationV1Api;
beforeEach(async () => {
  kube = await startFakeKube();
  api = kube.kubeConfig().makeApiClient(CoordinationV1Api);
});
afterEach(async () => {
  await kube.close();
});

const ns = 'tekton-events';
const body = (holder: string): V1Lease => ({ metadata: { name: 'lock', namespace: ns }, spec: { holderIdentity: holder, leaseDurationSeconds: 15, renewTime: new V1MicroTime(Date.now()) } });
const code = (p: Promise<unknown>) => p.then(() => 200, (err: { code?: number }) => err.code);

describe('the fake API server: Leases', () => {
  it('creates a Lease once (409 AlreadyExists after), reads it back, and 404s one that does not exist', async () => {
    expect(await code(api.readNamespacedLease({ name: 'lock', namespace: ns }))).toBe(404);
    const created = await api.createNamespacedLease({ namespace: ns, body: body('a') });
    expect(created).toMatchObject({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'lock', namespace: ns }, spec: { holderIdentity: 'a', leaseDurationSeconds: 15 } });
    expect(created.metadata?.resourceVersion).toMatch(/^\d+$/);
    // MicroTime travels as RFC 3339 with microseconds.
    expect(String(created.spec?.renewTime)).toMatch(/\.\d{6}Z$/);
    expect(await code(api.createNamespacedLease({ namespace: ns, body: body('b') }))).toBe(409);
    expect((await api.readNamespacedLease({ name: 'lock', namespace: ns })).spec?.holderIdentity).toBe('a');
  });

  it('replaces a Lease only from its current resourceVersion: of two writers from one read, the second gets 409', async () => {
    await api.createNamespacedLease({ namespace: ns, body: body('a') });
    const read = await api.readNamespacedLease({ name: 'lock', namespace: ns });
    const first = await api.replaceNamespacedLease({ name: 'lock', namespace: ns, body: { ...read, spec: { ...read.spec, holderIdentity: 'b' } } });
    expect(Number(first.metadata?.resourceVersion)).toBeGreaterThan(Number(read.metadata?.resourceVersion));
    expect(await code(api.replaceNamespacedLease({ name: 'lock', namespace: ns, body: { ...read, spec: { ...read.spec, holderIdentity: 'c' } } }))).toBe(409);
    expect(kube.get<V1Lease>('leases', ns, 'lock')?.spec?.holderIdentity).toBe('b');
    expect(await code(api.replaceNamespacedLease({ name: 'other', namespace: ns, body: { ...read, metadata: { ...read.metadata, name: 'other' } } }))).toBe(404);
  });

  it('lists Leases like any resource', async () => {
    await api.createNamespacedLease({ namespace: ns, body: body('a') });
    const list = await api.listNamespacedLease({ namespace: ns });
    expect(list.items.map((l) => l.spec?.holderIdentity)).toEqual(['a']);
  });
});
