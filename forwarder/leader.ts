/**
 * Leader election on a `coordination.k8s.io/v1` Lease, as client-go's leaderelection package
 * does it (client-node 1.4 ships none): every candidate reads the Lease; the holder renews it
 * every retry period; a candidate takes it once it has not been renewed for the lease
 * duration. Every write is a PUT carrying the resourceVersion that was read, so of two
 * candidates racing for an expired Lease exactly one wins (the other gets 409 Conflict).
 *
 * Expiry is judged from the Lease's `renewTime`, bounded by when this process saw the Lease
 * change (client-go uses only the latter, which can add a retry period to a take-over): a
 * standby takes over within the lease duration of the leader's last renewal, and wakes up at
 * that moment rather than at its next poll. A standby whose clock runs ahead of the leader's by
 * more than `leaseDuration - retryPeriod` could take over early; two forwarders for a moment
 * only send some Events twice, which the ingest function drops (same CloudEvent id).
 *
 * A leader that cannot renew for the renew deadline (shorter than the lease duration) stops
 * leading before any standby may take over. On shutdown the leader releases the Lease (empty
 * holder), so a standby takes over at once instead of after the lease duration.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import type { Logger } from 'pino';

export interface ElectorOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  log: Logger;
  onStartedLeading: () => void;
  /** called when leadership is lost or given up; the elector keeps running as a candidate */
  onStoppedLeading: () => void;
}

type Attempt = 'leading' | 'held' | 'failed';

const codeOf = (err: unknown) => (err as { code?: number }).code;

export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private leading = false;
  private stopped = false;
  /** the resourceVersion of the Lease last seen, and when (this process's clock) */
  private observed: { rv: string | undefined; at: number } = { rv: undefined, at: 0 };
  /** when the Lease as last read expires, for a standby to wake up then */
  private expiresAt = 0;
  private lastLease: V1Lease | undefined;
  private wake: AbortController = new AbortController();
  private loop: Promise<void> | undefined;
  holder: string | undefined;
  /** the outcome of the latest attempt: 'failed' while the Lease cannot be read or written */
  last: Attempt | undefined;

  constructor(
    kc: KubeConfig,
    private readonly o: ElectorOptions,
  ) {
    this.api = kc.makeApiClient(CoordinationV1Api);
  }

  isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Stops campaigning; a leader stops leading (onStoppedLeading) and, with `release`, hands the Lease back. */
  async stop(release: boolean): Promise<void> {
    this.stopped = true;
    this.wake.abort();
    await this.loop;
    if (this.leading) {
      this.leading = false;
      this.o.onStoppedLeading();
    }
    if (release) await this.release();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const r = await this.attempt();
      if (r === 'leading') {
        await this.lead();
        continue;
      }
      // Wake at the Lease's expiry if that comes before the next poll.
      const untilExpiry = this.expiresAt - Date.now() + 10;
      const poll = this.o.retryPeriodMs * (1 + Math.random() * 0.2);
      await this.pause(r === 'held' && untilExpiry > 0 ? Math.min(poll, untilExpiry) : r === 'held' ? 100 : poll);
    }
  }

  /** Leads until a renewal fails for the renew deadline, another holder is seen, or stop(). */
  private async lead(): Promise<void> {
    this.leading = true;
    this.o.log.info({ lease: `${this.o.namespace}/${this.o.name}`, identity: this.o.identity }, 'became the leader: forwarding');
    this.o.onStartedLeading();
    let renewed = Date.now();
    while (!this.stopped) {
      await this.pause(this.o.retryPeriodMs);
      if (this.stopped) return;
      const r = await this.attempt(Math.max(100, this.o.renewDeadlineMs - (Date.now() - renewed)));
      if (r === 'leading') renewed = Date.now();
      else if (r === 'held' || Date.now() - renewed >= this.o.renewDeadlineMs) {
        this.leading = false;
        this.o.log.warn({ lease: `${this.o.namespace}/${this.o.name}`, holder: this.holder, reason: r === 'held' ? 'another holder' : 'renew deadline passed' }, 'lost the lead: standing by');
        this.o.onStoppedLeading();
        return;
      }
    }
  }

  private async pause(ms: number): Promise<void> {
    if (this.stopped) return;
    await sleep(ms, undefined, { signal: this.wake.signal }).catch(() => undefined);
  }

  /** One read and, if the Lease is ours or free or expired, one conditional write. */
  private async attempt(timeoutMs = this.o.retryPeriodMs * 4): Promise<Attempt> {
    const now = Date.now();
    try {
      return (this.last = await withTimeout(this.tryAcquireOrRenew(now), timeoutMs));
    } catch (err) {
      const code = codeOf(err);
      // 409: another candidate wrote first; the next read shows who.
      if (code === 403) {
        this.o.log.error({ lease: `${this.o.namespace}/${this.o.name}`, code }, 'leader election: forbidden to read or write the Lease; grant the Role of deploy/forwarder/rbac.yaml (or --leader-elect=false)');
      } else if (code !== 409) {
        this.o.log.warn({ err: (err as Error).message.split('\n')[0], code }, 'leader election: Lease request failed');
      }
      return (this.last = code === 409 ? 'held' : 'failed');
    }
  }

  private async tryAcquireOrRenew(now: number): Promise<Attempt> {
    const { namespace, name, identity } = this.o;
    const durationSeconds = Math.ceil(this.o.leaseDurationMs / 1000);
    let lease: V1Lease;
    try {
      lease = await this.api.readNamespacedLease({ name, namespace });
    } catch (err) {
      if (codeOf(err) !== 404) throw err;
      const created = await this.api.createNamespacedLease({
        namespace,
        body: { metadata: { name, namespace }, spec: { holderIdentity: identity, leaseDurationSeconds: durationSeconds, acquireTime: new V1MicroTime(now), renewTime: new V1MicroTime(now), leaseTransitions: 0 } },
      });
      this.seen(created, now);
      return 'leading';
    }
    this.seen(lease, now);
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    if (holder !== '' && holder !== identity && now < this.expiresAt) return 'held';
    const mine = holder === identity;
    const replaced = await this.api.replaceNamespacedLease({
      name,
      namespace,
      body: {
        ...lease,
        spec: {
          ...spec,
          holderIdentity: identity,
          leaseDurationSeconds: durationSeconds,
          acquireTime: mine ? spec.acquireTime : new V1MicroTime(now),
          renewTime: new V1MicroTime(now),
          leaseTransitions: (spec.leaseTransitions ?? 0) + (mine || holder === '' ? 0 : 1),
        },
      },
    });
    this.seen(replaced, now);
    return 'leading';
  }

  private seen(lease: V1Lease, now: number): void {
    this.lastLease = lease;
    const rv = lease.metadata?.resourceVersion;
    if (rv !== this.observed.rv) this.observed = { rv, at: now };
    const spec = lease.spec ?? {};
    this.holder = spec.holderIdentity || undefined;
    const renewed = Date.parse(String(spec.renewTime ?? ''));
    const from = Number.isNaN(renewed) ? this.observed.at : Math.min(renewed, this.observed.at);
    this.expiresAt = from + (spec.leaseDurationSeconds ?? this.o.leaseDurationMs / 1000) * 1000;
  }

  /** Hands the Lease back (empty holder, as client-go's ReleaseOnCancel) if it is still ours. */
  private async release(): Promise<void> {
    const lease = this.lastLease;
    if (!lease || lease.spec?.holderIdentity !== this.o.identity) return;
    try {
      await withTimeout(
        this.api.replaceNamespacedLease({
          name: this.o.name,
          namespace: this.o.namespace,
          body: { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: new V1MicroTime(Date.now()) } },
        }),
        this.o.retryPeriodMs * 2,
      );
      this.o.log.info({ lease: `${this.o.namespace}/${this.o.name}` }, 'released the lead');
    } catch (err) {
      this.o.log.warn({ err: (err as Error).message.split('\n')[0] }, 'releasing the Lease failed; a standby takes over when it expires');
    }
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
