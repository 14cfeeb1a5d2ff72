/**
 * Two replicas, one forwarding: the forwarder of start.ts runs only while this replica holds
 * the Lease (leader.ts). A standby watches nothing and sends nothing; it is ready (so a rollout
 * goes on) but idle, and `tekton_events_forwarder_leader{identity}` says which replica leads.
 * Taking over, the new leader lists everything as any start does, and sends again the Events
 * that still exist; the ingest function drops what the old leader had already sent.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { loadKubeConfig } from '../shared/kubeConfig.js';
import { logger as rootLogger } from '../shared/log.js';
import type { ForwarderConfig, LeaderElectionConfig } from './config.js';
import { LeaderElector } from './leader.js';
import { ForwarderMetrics } from './metrics.js';
import { startForwarder, type Forwarder } from './start.js';

export interface ElectedForwarder extends Forwarder {
  identity: string;
  isLeader(): boolean;
}

/** The pod name when Kubernetes set HOSTNAME to it, plus a random part: a restarted pod is a new candidate. */
export function candidateIdentity(env: Record<string, string | undefined> = process.env): string {
  return `${env['POD_NAME'] || env['HOSTNAME'] || os.hostname()}_${randomBytes(4).toString('hex')}`;
}

export function startElectedForwarder(
  config: ForwarderConfig & { leaderElection: LeaderElectionConfig },
  deps: { kubeConfig?: KubeConfig; log?: Logger; metrics?: ForwarderMetrics; identity?: string } = {},
): ElectedForwarder {
  const log = (deps.log ?? rootLogger).child({ component: 'forwarder' });
  const metrics = deps.metrics ?? new ForwarderMetrics();
  const kc = deps.kubeConfig ?? loadKubeConfig({ kubeconfig: config.kubeconfig });
  const identity = deps.identity ?? candidateIdentity();
  const le = config.leaderElection;
  let active: Forwarder | undefined;
  /** the previous leadership's forwarder, still flushing */
  let stopping: Promise<void> = Promise.resolve();
  let markFirstDecision!: () => void;
  const firstDecision = new Promise<void>((r) => (markFirstDecision = r));
  metrics.leader.set({ identity }, 0);

  const elector = new LeaderElector(kc, {
    namespace: le.leaseNamespace,
    name: le.leaseName,
    identity,
    leaseDurationMs: le.leaseDurationMs,
    renewDeadlineMs: le.renewDeadlineMs,
    retryPeriodMs: le.retryPeriodMs,
    log,
    onStartedLeading() {
      metrics.leader.set({ identity }, 1);
      const f = startForwarder(config, { kubeConfig: kc, log: deps.log ?? rootLogger, metrics });
      active = f;
      void f.ready.then(markFirstDecision);
    },
    onStoppedLeading() {
      metrics.leader.set({ identity }, 0);
      const f = active;
      active = undefined;
      // Lost the Lease: a standby may be forwarding already; what is buffered is sent (duplicates are dropped).
      if (f) stopping = stopping.then(() => f.shutdown());
    },
  });
  elector.start();
  // A standby is decided once the first attempt found the Lease held.
  const standbyCheck = setInterval(() => {
    if (elector.holder !== undefined && elector.holder !== identity) markFirstDecision();
  }, 50);
  void firstDecision.then(() => clearInterval(standbyCheck));
  standbyCheck.unref();

  return {
    identity,
    metrics,
    ready: firstDecision,
    isLeader: () => elector.isLeader(),
    // Leading is ready once the caches are synced; standing by is ready while the Lease is
    // readable and held by another (a replica that cannot reach its Lease, e.g. for want of
    // RBAC, would never take over: not ready, so it shows).
    isReady: () => (active ? active.isReady() : !elector.isLeader() && elector.last === 'held'),
    async shutdown() {
      clearInterval(standbyCheck);
      // Stop renewing and forwarding (flushing the buffer), then hand the Lease over at once.
      await elector.stop(false);
      await stopping;
      await elector.stop(true);
      log.info({ identity }, 'leader election stopped');
    },
    async kill() {
      clearInterval(standbyCheck);
      const f = active;
      active = undefined;
      await f?.kill();
      // As a crash: the Lease is left to expire.
      await elector.stop(false);
    },
  };
}
