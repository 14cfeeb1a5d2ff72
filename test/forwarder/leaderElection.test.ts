/**
 * Two forwarders, one Lease: one leads and forwards, the other stands by (ready, idle, says so
 * in its metrics) and takes over when the leader dies or hands over. Short Lease times keep it
 * quick; bench/failover.ts measures the take-over with the default 15 s Lease.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startElectedForwarder, type ElectedForwarder } from '../../forwarder/elected.js';
import type { LeaderElectionConfig } from '../../forwarder/config.js';
import { loadForwarderConfig } from '../../forwarder/config.js';
import { startOpsServer } from '../../forwarder/http.js';
import { startFakeKube, type FakeKube } from '../../devtools/fakeKube/server.js';
import { until } from '../helpers/until.js';
import { emitEvents, forwarderConfig, standaloneRun, type Created } from './e2eHelpers.js';
import { startSink, type Sink } from './sink.js';

let kube: FakeKube;
let sink: Sink;
const started: ElectedForwarder[] = [];
beforeAll(async () => {
  [kube, sink] = await Promise.all([startFakeKube(), startSink()]);
});
afterAll(async () => {
  await Promise.all(started.map((f) => f.kill()));
  await kube?.close();
  await sink?.close();
});

const LEASE: LeaderElectionConfig = { leaseName: 'tekton-events-forwarder', leaseNamespace: 'tekton-events', leaseDurationMs: 2000, renewDeadlineMs: 1500, retryPeriodMs: 250 };

function candidate(ns: string, identity: string, lease = LEASE): ElectedForwarder {
  const f = startElectedForwarder({ ...forwarderConfig(sink.url, { namespaces: [ns] }), leaderElection: lease }, { kubeConfig: kube.kubeConfig(), identity });
  started.push(f);
  return f;
}

interface Lease {
  metadata: { resourceVersion: string };
  spec: { holderIdentity?: string; leaseTransitions?: number; leaseDurationSeconds?: number; renewTime?: string };
}
const lease = (name = LEASE.leaseName) => kube.get<Lease>('leases', LEASE.leaseNamespace, name);
const seenEvents = async (f: ElectedForwarder) => (await f.metrics.seen.get()).values.find((v) => v.labels['resource'] === 'events')?.value ?? 0;
const sentIds = () => new Set(sink.received.flatMap((r) => r.ids).map((id) => id.split('/')[0]));

describe('leader election between two forwarders', () => {
  it('lets one lead while the other stands by ready and idle, and the standby takes over when the leader dies', async () => {
    const ns = 'ha-kill';
    const { pod } = standaloneRun(kube, ns, 'ha');
    const a = candidate(ns, 'replica-a');
    await a.ready;
    expect(a.isLeader()).toBe(true);
    const b = candidate(ns, 'replica-b');
    await b.ready;
    expect(b.isLeader()).toBe(false);
    expect(lease()?.spec.holderIdentity).toBe('replica-a');

    // The standby is ready but watches and sends nothing; metrics say who leads.
    expect(b.isReady()).toBe(true);
    const ops = await startOpsServer(b, 0, '127.0.0.1');
    try {
      expect(await (await fetch(`http://127.0.0.1:${ops.port}/readyz`)).text()).toBe('ready\n');
      expect(await (await fetch(`http://127.0.0.1:${ops.port}/metrics`)).text()).toContain('tekton_events_forwarder_leader{identity="replica-b"} 0');
    } finally {
      await ops.close();
    }
    expect((await a.metrics.leader.get()).values).toEqual([expect.objectContaining({ labels: { identity: 'replica-a' }, value: 1 })]);

    const created: Created = new Map();
    emitEvents(kube, pod, 5, created, 'before');
    await until(sentIds, (ids) => [...created.keys()].every((u) => ids.has(u)), 'the leader to send');
    expect(await seenEvents(b)).toBe(0);

    // The leader dies without handing over: the standby waits for the Lease to expire, then leads.
    const transitions = lease()!.spec.leaseTransitions ?? 0;
    await a.kill();
    emitEvents(kube, pod, 5, created, 'after');
    await until(() => b.isLeader(), Boolean, 'the standby to take over');
    await until(sentIds, (ids) => [...created.keys()].every((u) => ids.has(u)), 'the new leader to send every Event');
    expect(lease()?.spec).toMatchObject({ holderIdentity: 'replica-b', leaseTransitions: transitions + 1 });
    await b.shutdown();
  });

  it('hands the Lease over on shutdown, so the standby need not wait for it to expire', async () => {
    const ns = 'ha-handover';
    // A long Lease: only a hand-over lets the standby lead within this test's time.
    const long: LeaderElectionConfig = { ...LEASE, leaseName: 'handover', leaseDurationMs: 600_000, renewDeadlineMs: 500_000 };
    const a = candidate(ns, 'replica-a', long);
    await a.ready;
    const b = candidate(ns, 'replica-b', long);
    await b.ready;
    expect([a.isLeader(), b.isLeader()]).toEqual([true, false]);
    await a.shutdown();
    expect(lease('handover')?.spec.holderIdentity).not.toBe('replica-a');
    await until(() => b.isLeader(), Boolean, 'the standby to take over after the hand-over');
    expect(lease('handover')?.spec.holderIdentity).toBe('replica-b');
    await b.kill();
  });

  it('makes a leader that cannot renew stop forwarding before its Lease could expire', async () => {
    const ns = 'ha-deadline';
    const l: LeaderElectionConfig = { ...LEASE, leaseName: 'deadline' };
    const a = candidate(ns, 'replica-a', l);
    await a.ready;
    expect(a.isLeader()).toBe(true);
    // Every request fails for longer than the renew deadline.
    kube.failRequests(1_000_000, 503);
    try {
      await until(() => a.isLeader(), (v) => !v, 'the leader to give up');
      expect((await a.metrics.leader.get()).values[0]?.value).toBe(0);
      // Not leading and unable to read its Lease: not ready, so it shows.
      expect(a.isReady()).toBe(false);
    } finally {
      kube.failRequests(0);
    }
    // Once the API server answers again, it campaigns and leads again.
    await until(() => a.isLeader(), Boolean, 'the lead regained');
    await a.kill();
  });

  it('is on in a pod by default, with the Lease in the pod namespace, and checks its times as client-go does', () => {
    const sinkFlags = ['--store-events', '--sink=http://x/'];
    expect(loadForwarderConfig(sinkFlags, {}).leaderElection).toBeUndefined();
    expect(loadForwarderConfig(sinkFlags, { KUBERNETES_SERVICE_HOST: '10.0.0.1', POD_NAMESPACE: 'tekton-events' }).leaderElection).toEqual({
      leaseName: 'tekton-events-forwarder',
      leaseNamespace: 'tekton-events',
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
    });
    expect(loadForwarderConfig([...sinkFlags, '--leader-elect=false'], { KUBERNETES_SERVICE_HOST: '10.0.0.1', POD_NAMESPACE: 'x' }).leaderElection).toBeUndefined();
    expect(() => loadForwarderConfig([...sinkFlags, '--leader-elect=true'], {})).toThrow(/--lease-namespace \(LEASE_NAMESPACE\): required/);
    expect(() => loadForwarderConfig([...sinkFlags, '--leader-elect=true', '--lease-namespace=x', '--renew-deadline=20s'], {})).toThrow(/--renew-deadline .*shorter than --lease-duration/);
    expect(() => loadForwarderConfig([...sinkFlags, '--leader-elect=true', '--lease-namespace=x', '--retry-period=9s'], {})).toThrow(/--retry-period/);
  });
});
