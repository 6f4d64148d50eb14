// The IPAM controller: one elected instance (Lease) assigns LoadBalancer VIPs from IPAddressPools
// and writes them to Service status (ingress with ipMode VIP), with a Service condition and Events.
// Level-triggered: informer handlers only enqueue keys; the reconciler reads the cached objects.
// On gaining the lease it first rebuilds the allocation state from every Service's status (restore),
// so nothing in use is ever handed out again, then reconciles all Services. Pool changes never move
// a live Service: it keeps its address and gets a condition saying why it no longer fits.
// The leader also removes the per-node `<node>.node.vipd.io/Announced` conditions of nodes that no
// longer exist (node-conditions.ts): after gaining the lease, on every Node deletion, and when a
// Service changes while carrying one.

import * as k8s from '@kubernetes/client-node';
import type { Logger } from '@vipd/bgp/observe';
import { parseIpAddressPool, findPoolOverlaps } from '../config/ip-address-pool.ts';
import { parseVipdSettings } from '../config/settings.ts';
import type { IpAddressPool } from '../config/types.ts';
import { ANNOTATION_LOAD_BALANCER_IPS, ANNOTATION_SHARING_KEY } from '../snapshot.ts';
import { WorkQueue } from '../kube/queue.ts';
import { LeaderElector } from '../kube/lease.ts';
import { reuseConnections, watchResource, type WatchedResource } from '../kube/informer.ts';
import { Allocator, poolSpecFromConfig, type AllocationRequest, type AllocationResult, type FamilyPolicy } from './allocator.ts';
import type { IpFamily } from './ranges.ts';
import { StaleConditionSweeper, liveConditionTypes } from './node-conditions.ts';

export const ANNOTATION_ADDRESS_POOL = 'vipd.io/address-pool';
export const CONDITION_TYPE = 'vipd.io/AddressAllocated';
const POOLS_KEY = '\u0000pools';
const SWEEP_KEY = '\u0000stale-node-conditions';

export interface IpamMetricsSink {
  setPoolUsage(usage: readonly { pool: string; family: 'ipv4' | 'ipv6'; size: number; used: number }[]): void;
  watchRestart?(resource: string): void;
  /** Per-node Service conditions of deleted nodes removed. */
  staleConditionsRemoved?(count: number): void;
}

export interface IpamControllerOptions {
  readonly kc: k8s.KubeConfig;
  /** Namespace of the Lease. */
  readonly namespace: string;
  readonly identity: string;
  readonly leaseName?: string;
  readonly leaseDurationSec?: number;
  readonly renewDeadlineSec?: number;
  readonly retryPeriodSec?: number;
  readonly log: Logger;
  readonly metrics?: IpamMetricsSink;
}

interface Reported {
  readonly status: string;
  readonly reason: string;
  readonly message: string;
}

export class IpamController {
  private readonly opts: IpamControllerOptions;
  private readonly core: k8s.CoreV1Api;
  private readonly custom: k8s.CustomObjectsApi;
  private readonly services: WatchedResource<k8s.V1Service>;
  private readonly namespaces: WatchedResource<k8s.V1Namespace>;
  private readonly pools: WatchedResource<k8s.KubernetesObject>;
  private readonly settings: WatchedResource<k8s.KubernetesObject>;
  private readonly nodes: WatchedResource<k8s.V1Node>;
  private readonly sweeper: StaleConditionSweeper;
  /** Condition types of the cached Nodes; undefined after a Node change until next needed. */
  private liveTypes: Set<string> | undefined;
  private readonly elector: LeaderElector;
  private readonly queue: WorkQueue<string>;
  private allocator = new Allocator();
  private leading = false;
  private readonly reported = new Map<string, Reported>();
  /** Services whose last allocation failed: retried whenever an address is released. */
  private readonly waiting = new Set<string>();
  private readonly poolStatus = new Map<string, string>();
  private poolSetFingerprint = '';
  private poolTimer: NodeJS.Timeout | undefined;
  /** Writes made (status patches and events), for the bench and tests. */
  writes = 0;

  constructor(opts: IpamControllerOptions) {
    this.opts = opts;
    const kc = reuseConnections(opts.kc);
    this.core = kc.makeApiClient(k8s.CoreV1Api);
    this.custom = kc.makeApiClient(k8s.CustomObjectsApi);
    const onChange = (kind: string) => (key: string, obj: k8s.KubernetesObject, change: 'add' | 'update' | 'delete') => {
      if (kind === 'service') {
        this.queue.add(key);
        if (change !== 'delete' && this.leading && this.sweeper.hasStale(obj as k8s.V1Service, this.nodeTypes())) this.queue.add(SWEEP_KEY);
      }
      else if (kind === 'namespace') this.enqueueNamespace(key);
      else this.queue.add(POOLS_KEY);
    };
    const onConnection = (resource: string) => (connected: boolean) => {
      if (!connected) opts.metrics?.watchRestart?.(resource);
    };
    this.services = watchResource(kc, 'services', '/api/v1/services', () => this.core.listServiceForAllNamespaces(), {
      onChange: onChange('service'),
      onConnection: onConnection('services'),
    });
    this.namespaces = watchResource(kc, 'namespaces', '/api/v1/namespaces', () => this.core.listNamespace(), {
      onChange: onChange('namespace'),
      onConnection: onConnection('namespaces'),
    });
    const crd = (plural: string) => () =>
      this.custom.listClusterCustomObject({ group: 'vipd.io', version: 'v1alpha1', plural }) as Promise<{ items: k8s.KubernetesObject[] }>;
    this.pools = watchResource(kc, 'ipaddresspools', '/apis/vipd.io/v1alpha1/ipaddresspools', crd('ipaddresspools'), {
      onChange: onChange('pool'),
      onConnection: onConnection('ipaddresspools'),
    });
    this.settings = watchResource(kc, 'vipdsettings', '/apis/vipd.io/v1alpha1/vipdsettings', crd('vipdsettings'), {
      onChange: () => this.enqueueAll(),
      onConnection: onConnection('vipdsettings'),
    });
    this.nodes = watchResource(kc, 'nodes', '/api/v1/nodes', () => this.core.listNode(), {
      onChange: (_key, _obj, kind) => {
        this.liveTypes = undefined;
        if (kind === 'delete') this.queue.add(SWEEP_KEY);
      },
      onConnection: onConnection('nodes'),
    });
    this.sweeper = new StaleConditionSweeper({
      core: this.core,
      services: () => this.services.list(),
      nodes: () => this.nodes.list(),
      log: opts.log,
      event: (svc, type, reason, message) => this.event(svc, type, reason, message),
      onRemoved: (count) => {
        this.writes++;
        opts.metrics?.staleConditionsRemoved?.(count);
      },
    });
    this.queue = new WorkQueue(
      (key) => (key === POOLS_KEY ? this.reconcilePools() : key === SWEEP_KEY ? this.sweepStale() : this.reconcileService(key)),
      { baseDelayMs: 200 },
    );
    this.elector = new LeaderElector(kc, {
      namespace: opts.namespace,
      name: opts.leaseName ?? 'vipd-ipam',
      identity: opts.identity,
      leaseDurationSec: opts.leaseDurationSec ?? 15,
      renewDeadlineSec: opts.renewDeadlineSec ?? 10,
      retryPeriodSec: opts.retryPeriodSec ?? 2,
      onStartedLeading: () => this.startLeading(),
      onStoppedLeading: () => {
        this.leading = false;
        opts.log.warn({ identity: opts.identity }, 'lost IPAM leadership; no more writes');
      },
      onError: (err) => opts.log.debug({ err }, 'lease renewal failed'),
    });
  }

  get isLeader(): boolean {
    return this.leading;
  }

  get synced(): boolean {
    return this.services.synced && this.namespaces.synced && this.pools.synced && this.settings.synced && this.nodes.synced;
  }

  async start(): Promise<void> {
    await Promise.all([this.services.start(), this.namespaces.start(), this.pools.start(), this.settings.start(), this.nodes.start()]);
    this.elector.start();
  }

  async stop(): Promise<void> {
    if (this.poolTimer !== undefined) clearTimeout(this.poolTimer);
    this.queue.stop();
    await this.elector.stop();
    for (const w of [this.services, this.namespaces, this.pools, this.settings, this.nodes]) w.stop();
  }

  /** Resolves when the queue is drained (tests). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  // -------------------------------------------------------------------------------------------

  private startLeading(): void {
    this.opts.log.info({ identity: this.opts.identity }, 'became IPAM leader; rebuilding allocations from Service status');
    this.allocator = new Allocator(this.validPools().map(poolSpecFromConfig));
    this.reported.clear();
    this.waiting.clear();
    this.poolStatus.clear();
    this.poolSetFingerprint = '';
    // Restore every address already written before assigning anything new.
    for (const svc of this.services.list()) {
      if (!this.isOurs(svc)) continue;
      const ips = (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip).filter((ip): ip is string => ip !== undefined);
      if (ips.length === 0) continue;
      const key = `${svc.metadata!.namespace}/${svc.metadata!.name}`;
      const r = this.allocator.restore(this.requestFor(svc), ips);
      if (!r.ok) this.opts.log.warn({ service: key, reason: r.reason }, 'existing address conflicts with another Service');
    }
    this.leading = true;
    this.queue.add(POOLS_KEY);
    this.enqueueAll();
    // Every list is synced here (start() waits for them before the election begins).
    this.queue.add(SWEEP_KEY);
  }

  private nodeTypes(): Set<string> {
    this.liveTypes ??= liveConditionTypes(this.nodes.list());
    return this.liveTypes;
  }

  private async sweepStale(): Promise<void> {
    if (!this.leading) return;
    await this.sweeper.sweep();
  }

  private enqueueAll(): void {
    for (const svc of this.services.list()) this.queue.add(`${svc.metadata!.namespace}/${svc.metadata!.name}`);
  }

  private enqueueNamespace(ns: string): void {
    for (const svc of this.services.list()) if (svc.metadata!.namespace === ns) this.queue.add(`${ns}/${svc.metadata!.name}`);
  }

  private currentSettings(): { cls: string; isDefault: boolean } {
    const raw = this.settings.get('default');
    if (raw !== undefined) {
      const r = parseVipdSettings(raw);
      if (r.ok) return { cls: r.value.spec.loadBalancerClass, isDefault: r.value.spec.isDefaultClass };
    }
    return { cls: 'vipd.io/bgp', isDefault: false };
  }

  private isOurs(svc: k8s.V1Service): boolean {
    if (svc.spec?.type !== 'LoadBalancer') return false;
    const { cls, isDefault } = this.currentSettings();
    const c = svc.spec.loadBalancerClass;
    return c === cls || ((c === undefined || c === '') && isDefault);
  }

  private validPools(): IpAddressPool[] {
    const parsed: IpAddressPool[] = [];
    for (const raw of this.pools.list()) {
      const r = parseIpAddressPool(raw);
      if (r.ok) parsed.push(r.value);
    }
    // Overlapping pools are reported and not used (the later one by name), never merged.
    const overlaps = findPoolOverlaps(parsed);
    return parsed.filter((p) => !overlaps.has(p.metadata.name));
  }

  requestFor(svc: k8s.V1Service): AllocationRequest {
    const meta = svc.metadata!;
    const spec = svc.spec ?? {};
    const ann = meta.annotations ?? {};
    const requested = (ann[ANNOTATION_LOAD_BALANCER_IPS] ?? spec.loadBalancerIP ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    const selector = Object.entries(spec.selector ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
    return {
      key: `${meta.namespace}/${meta.name}`,
      namespace: meta.namespace ?? 'default',
      serviceLabels: meta.labels ?? {},
      namespaceLabels: this.namespaces.get(meta.namespace ?? 'default')?.metadata?.labels ?? {},
      ipFamilies: (spec.ipFamilies ?? []).filter((f): f is IpFamily => f === 'IPv4' || f === 'IPv6'),
      familyPolicy: (spec.ipFamilyPolicy as FamilyPolicy | undefined) ?? 'SingleStack',
      requestedIps: requested,
      requestedPool: ann[ANNOTATION_ADDRESS_POOL],
      sharingKey: ann[ANNOTATION_SHARING_KEY],
      ports: (spec.ports ?? []).map((p) => ({ protocol: p.protocol ?? 'TCP', port: p.port })),
      trafficPolicy: spec.externalTrafficPolicy === 'Local' ? 'Local' : 'Cluster',
      selectorKey: JSON.stringify(selector),
    };
  }

  private async reconcileService(key: string): Promise<void> {
    if (!this.leading) return;
    const [ns, name] = key.split('/') as [string, string];
    const svc = this.services.get(name, ns);
    const held = this.allocator.assignmentOf(key);
    if (svc === undefined) {
      this.allocator.release(key);
      this.forget(key);
      if (held !== undefined) {
        this.opts.log.info({ service: key, ips: held.ips }, 'Service deleted; address released');
        this.released();
      }
      return;
    }
    if (!this.isOurs(svc)) {
      if (held === undefined) return;
      this.allocator.release(key);
      this.forget(key);
      this.released();
      const ours = new Set(held.ips);
      const ingress = svc.status?.loadBalancer?.ingress ?? [];
      if (ingress.some((i) => i.ip !== undefined && ours.has(i.ip))) {
        await this.patchStatus(ns, name, ingress.filter((i) => !(i.ip !== undefined && ours.has(i.ip))), undefined);
      }
      await this.event(svc, 'Normal', 'AddressReleased', `released ${held.ips.join(', ')}: the Service is no longer a vipd LoadBalancer`);
      return;
    }
    const req = this.requestFor(svc);
    const result = this.allocator.assign(req);
    if (result.ok) this.waiting.delete(key);
    else this.waiting.add(key);
    // Pool usage changed: refresh pool status (the queue holds the pool key once however often it is added).
    // A Service that moved also freed its old address.
    if (result.ok && result.changed) {
      if (held !== undefined) this.released();
      else this.schedulePools();
    }
    await this.report(svc, result);
  }

  private async report(svc: k8s.V1Service, result: AllocationResult): Promise<void> {
    const meta = svc.metadata!;
    const key = `${meta.namespace}/${meta.name}`;
    let cond: Reported;
    let ingress = svc.status?.loadBalancer?.ingress ?? [];
    if (result.ok) {
      const misfit = this.allocator.isMisfit(this.requestFor(svc));
      cond = misfit
        ? { status: 'False', reason: 'PoolChanged', message: `${result.ips.join(', ')} is no longer in a pool that serves this Service; it keeps the address until the Service is changed or deleted` }
        : { status: 'True', reason: 'Allocated', message: `${result.ips.join(', ')} from pool ${result.pool || '(none)'}` };
      ingress = result.ips.map((ip) => ({ ip, ipMode: 'VIP' }));
    } else {
      cond = { status: 'False', reason: result.reason, message: result.message };
    }
    const current = (svc.status?.conditions ?? []).find((c) => c.type === CONDITION_TYPE);
    const currentIps = (svc.status?.loadBalancer?.ingress ?? []).map((i) => `${i.ip}/${i.ipMode ?? ''}`).join(',');
    const wantIps = ingress.map((i) => `${i.ip}/${i.ipMode ?? ''}`).join(',');
    const condSame = current !== undefined && current.status === cond.status && current.reason === cond.reason && current.message === cond.message;
    if (!condSame || currentIps !== wantIps) await this.patchStatus(meta.namespace!, meta.name!, ingress, cond);
    const last = this.reported.get(key);
    if (last === undefined || last.reason !== cond.reason || last.message !== cond.message) {
      this.reported.set(key, cond);
      if (result.ok && result.changed) await this.event(svc, 'Normal', 'AddressAssigned', `assigned ${result.ips.join(', ')} from pool ${result.pool}`);
      else if (!result.ok || cond.status === 'False') await this.event(svc, 'Warning', cond.reason, cond.message);
    }
  }

  private forget(key: string): void {
    this.reported.delete(key);
    this.waiting.delete(key);
  }

  /** An address went back to a pool: the pool status changes and waiting Services may now fit. */
  private released(): void {
    this.schedulePools();
    for (const key of this.waiting) this.queue.add(key);
  }

  /** Pool usage changed: refresh pool status at most every 250 ms (status is a summary, not a trigger). */
  private schedulePools(): void {
    if (this.poolTimer !== undefined) return;
    this.poolTimer = setTimeout(() => {
      this.poolTimer = undefined;
      this.queue.add(POOLS_KEY);
    }, 250);
  }

  private async patchStatus(ns: string, name: string, ingress: readonly k8s.V1LoadBalancerIngress[], cond: Reported | undefined): Promise<void> {
    const status: Record<string, unknown> = { loadBalancer: { ingress } };
    if (cond !== undefined) status.conditions = [{ type: CONDITION_TYPE, ...cond, lastTransitionTime: new Date().toISOString() }];
    this.writes++;
    // Strategic merge: conditions merge by type (others' conditions stay); ingress is replaced (atomic).
    await this.core.patchNamespacedServiceStatus({ namespace: ns, name, body: { status } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch));
  }

  private async event(svc: k8s.V1Service, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const meta = svc.metadata!;
    const now = new Date();
    this.writes++;
    try {
      await this.core.createNamespacedEvent({
        namespace: meta.namespace!,
        body: {
          metadata: { generateName: `${meta.name}.`, namespace: meta.namespace },
          involvedObject: { apiVersion: 'v1', kind: 'Service', name: meta.name, namespace: meta.namespace, uid: meta.uid },
          type,
          reason,
          message,
          source: { component: 'vipd-ipam' },
          reportingComponent: 'vipd.io/ipam',
          reportingInstance: this.opts.identity,
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      });
    } catch (err) {
      // Events are best effort; the condition carries the same information.
      this.opts.log.debug({ err, service: `${meta.namespace}/${meta.name}` }, 'event not recorded');
    }
  }

  private async reconcilePools(): Promise<void> {
    if (!this.leading) return;
    const raws = this.pools.list();
    const parsed = new Map<string, IpAddressPool>();
    const invalid = new Map<string, { reason: string; message: string }>();
    for (const raw of raws) {
      const r = parseIpAddressPool(raw);
      const name = raw.metadata?.name ?? '';
      if (r.ok) parsed.set(name, r.value);
      else invalid.set(name, { reason: r.errors[0]!.reason, message: r.errors.map((e) => `${e.path}: ${e.message}`).join('; ') });
    }
    for (const [name, issues] of findPoolOverlaps([...parsed.values()])) {
      parsed.delete(name);
      invalid.set(name, { reason: 'OverlappingRange', message: issues.map((i) => `${i.path}: ${i.message}`).join('; ') });
    }
    const specs = [...parsed.values()].map(poolSpecFromConfig);
    this.allocator.setPools(specs);
    const fingerprint = JSON.stringify(specs, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    const usage = this.allocator.usage();
    this.opts.metrics?.setPoolUsage(
      usage.map((u) => ({ pool: u.pool, family: u.family === 'IPv4' ? 'ipv4' : 'ipv6', size: Number(u.total > BigInt(Number.MAX_SAFE_INTEGER) ? BigInt(Number.MAX_SAFE_INTEGER) : u.total), used: u.used })),
    );
    for (const raw of raws) {
      const name = raw.metadata?.name ?? '';
      const bad = invalid.get(name);
      const counts: Record<string, number> = { assignedIPv4: 0, assignedIPv6: 0, availableIPv4: 0, availableIPv6: 0 };
      for (const u of usage.filter((x) => x.pool === name)) {
        const free = u.total - BigInt(u.used);
        const capped = Number(free > BigInt(Number.MAX_SAFE_INTEGER) ? BigInt(Number.MAX_SAFE_INTEGER) : free);
        if (u.family === 'IPv4') Object.assign(counts, { assignedIPv4: u.used, availableIPv4: capped });
        else Object.assign(counts, { assignedIPv6: u.used, availableIPv6: capped });
      }
      const condition =
        bad === undefined
          ? { type: 'Accepted', status: 'True', reason: 'Valid', message: 'pool in use' }
          : { type: 'Accepted', status: 'False', reason: bad.reason, message: bad.message };
      const status = { ...counts, conditions: [{ ...condition, observedGeneration: raw.metadata?.generation, lastTransitionTime: new Date().toISOString() }] };
      const fp = JSON.stringify([counts, condition, raw.metadata?.generation]);
      if (this.poolStatus.get(name) === fp) continue;
      this.poolStatus.set(name, fp);
      this.writes++;
      await this.custom.patchClusterCustomObjectStatus(
        { group: 'vipd.io', version: 'v1alpha1', plural: 'ipaddresspools', name, body: { status } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
    }
    // When the pools themselves changed, every Service is checked again: those waiting for an address
    // may get one, and those whose address left every pool get a condition (they keep the address).
    if (fingerprint !== this.poolSetFingerprint) {
      this.poolSetFingerprint = fingerprint;
      this.enqueueAll();
    }
  }
}

