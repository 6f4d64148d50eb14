// Leader election with a coordination.k8s.io/v1 Lease (the client-go algorithm): acquire when the
// lease is free or expired, renew before renewDeadline, step down (and stop writing) when a renew
// fails for longer than that; every write is a replace with the read resourceVersion, so of two
// candidates exactly one wins (409 for the other). Release on stop so a successor starts at once.

import * as k8s from '@kubernetes/client-node';

export interface LeaseOptions {
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
  readonly leaseDurationSec: number;
  readonly renewDeadlineSec: number;
  readonly retryPeriodSec: number;
  readonly onStartedLeading: () => void;
  readonly onStoppedLeading: () => void;
  readonly onError?: (err: unknown) => void;
  readonly now?: () => Date;
}

export class LeaseTimeoutError extends Error {
  readonly code = 'ERR_LEASE_TIMEOUT';
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new LeaseTimeoutError(`lease request took longer than ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** MicroTime: the API server wants RFC 3339 with microseconds on Lease times. */
function micro(d: Date): k8s.V1MicroTime {
  return new k8s.V1MicroTime(d.getTime());
}

export class LeaderElector {
  private readonly api: k8s.CoordinationV1Api;
  private leading = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private lastRenewMs = 0;
  private observedHolder = '';
  private observedRenewMs = 0;
  private observedAtMs = 0;

  private readonly opts: LeaseOptions;

  constructor(kc: k8s.KubeConfig, opts: LeaseOptions) {
    this.opts = opts;
    this.api = kc.makeApiClient(k8s.CoordinationV1Api);
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    void this.tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.leading) {
      this.setLeading(false);
      try {
        const lease = await this.read();
        if (lease?.spec?.holderIdentity === this.opts.identity) {
          lease.spec.holderIdentity = '';
          lease.spec.leaseDurationSeconds = 1;
          await this.api.replaceNamespacedLease({ namespace: this.opts.namespace, name: this.opts.name, body: lease });
        }
      } catch (err) {
        this.opts.onError?.(err);
      }
    }
  }

  private now(): Date {
    return this.opts.now?.() ?? new Date();
  }

  private schedule(sec: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), sec * 1000);
  }

  private setLeading(v: boolean): void {
    if (this.leading === v) return;
    this.leading = v;
    if (v) this.opts.onStartedLeading();
    else this.opts.onStoppedLeading();
  }

  private async read(): Promise<k8s.V1Lease | undefined> {
    try {
      return await this.api.readNamespacedLease({ namespace: this.opts.namespace, name: this.opts.name });
    } catch (err) {
      if (err instanceof k8s.ApiException && err.code === 404) return undefined;
      throw err;
    }
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    try {
      // A hung request must not stall the loop: each attempt is bounded by the renew deadline.
      const ok = await withTimeout(this.tryAcquireOrRenew(), this.opts.renewDeadlineSec * 1000);
      if (ok) {
        this.lastRenewMs = Date.now();
        this.setLeading(true);
      } else if (this.leading) {
        this.setLeading(false);
      }
    } catch (err) {
      this.opts.onError?.(err);
      // client-go: a leader that cannot renew within renewDeadline stops leading.
      if (this.leading && Date.now() - this.lastRenewMs > this.opts.renewDeadlineSec * 1000) this.setLeading(false);
    }
    this.schedule(this.opts.retryPeriodSec);
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.now();
    const lease = await this.read();
    const { namespace, name, identity, leaseDurationSec } = this.opts;
    if (lease === undefined) {
      await this.api.createNamespacedLease({
        namespace,
        body: {
          metadata: { name, namespace },
          spec: { holderIdentity: identity, leaseDurationSeconds: leaseDurationSec, acquireTime: micro(now), renewTime: micro(now), leaseTransitions: 0 },
        },
      });
      return true;
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    // Expiry is judged on our own clock from when we last saw the record change (as client-go does),
    // not on the holder's renewTime, so clock skew between nodes cannot elect two leaders.
    const renewMs = spec.renewTime === undefined ? 0 : new Date(spec.renewTime).getTime();
    if (holder !== this.observedHolder || renewMs !== this.observedRenewMs) {
      this.observedHolder = holder;
      this.observedRenewMs = renewMs;
      this.observedAtMs = Date.now();
    }
    const duration = (spec.leaseDurationSeconds ?? leaseDurationSec) * 1000;
    const expired = holder === '' || Date.now() - this.observedAtMs > duration;
    if (holder !== identity && !expired) return false;
    const body: k8s.V1Lease = {
      ...lease,
      spec: {
        ...spec,
        holderIdentity: identity,
        leaseDurationSeconds: leaseDurationSec,
        renewTime: micro(now),
        ...(holder === identity ? {} : { acquireTime: micro(now), leaseTransitions: (spec.leaseTransitions ?? 0) + 1 }),
      },
    };
    try {
      await this.api.replaceNamespacedLease({ namespace, name, body });
      return true;
    } catch (err) {
      if (err instanceof k8s.ApiException && err.code === 409) return false;
      throw err;
    }
  }
}
