// The Kubernetes daemon's informers (list + watch with client-node, kube/informer.ts): Services,
// EndpointSlices, this Node (field selector metadata.name), the vipd.io configuration kinds and the
// Secrets of vipd's namespace (BGP passwords). Handlers only record *which* key changed and when
// (performance.now(), for the event→wire histogram) and enqueue it; the one piece of bookkeeping done
// in a handler is the EndpointSlice → Service index, so a Service's slices are found in O(its slices).

import * as k8s from '@kubernetes/client-node';
import type { KubeResource } from '@vipd/metrics/labels.ts';
import { objectKey, watchResource, type WatchedResource } from '../kube/informer.ts';
import { LABEL_SERVICE_NAME } from '../snapshot.ts';

/** Queue key for "this Node changed" (node-level pass). */
export const NODE_KEY = '\u0000node';
/** Queue key for "configuration changed" (CRDs or Secrets; node-level pass). */
export const CONFIG_KEY = '\u0000config';

export const CONFIG_PLURALS = ['bgppeers', 'bgpadvertisements', 'ipaddresspools', 'vipdsettings'] as const;
export type ConfigPlural = (typeof CONFIG_PLURALS)[number];

export interface WatchHooks {
  enqueue(key: string): void;
  onConnection(resource: KubeResource, connected: boolean): void;
}

export class Watches {
  readonly services: WatchedResource<k8s.V1Service>;
  readonly slices: WatchedResource<k8s.V1EndpointSlice>;
  readonly node: WatchedResource<k8s.V1Node>;
  readonly secrets: WatchedResource<k8s.V1Secret>;
  readonly config: Readonly<Record<ConfigPlural, WatchedResource<k8s.KubernetesObject>>>;
  /** Service key → keys ("ns/name") of its EndpointSlices. */
  private readonly slicesByService = new Map<string, Set<string>>();
  private readonly sliceOwner = new Map<string, string>();
  /** Service key → when the informer first saw a change not yet reconciled (performance.now()). */
  private readonly observed = new Map<string, number>();
  private configObservedAt: number | undefined;

  constructor(kc: k8s.KubeConfig, nodeName: string, namespace: string, hooks: WatchHooks) {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const discovery = kc.makeApiClient(k8s.DiscoveryV1Api);
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    const conn = (r: KubeResource) => (c: boolean) => hooks.onConnection(r, c);
    const serviceChanged = (key: string): void => {
      if (!this.observed.has(key)) this.observed.set(key, performance.now());
      hooks.enqueue(key);
    };
    this.services = watchResource(kc, 'services', '/api/v1/services', () => core.listServiceForAllNamespaces(), {
      onChange: (key) => serviceChanged(key),
      onConnection: conn('services'),
    });
    this.slices = watchResource(kc, 'endpointslices', '/apis/discovery.k8s.io/v1/endpointslices', () => discovery.listEndpointSliceForAllNamespaces(), {
      onChange: (key, obj, kind) => {
        const prev = this.sliceOwner.get(key);
        const svcName = obj.metadata?.labels?.[LABEL_SERVICE_NAME];
        const owner = kind === 'delete' || svcName === undefined ? undefined : `${obj.metadata?.namespace ?? 'default'}/${svcName}`;
        if (prev !== undefined && prev !== owner) {
          this.slicesByService.get(prev)?.delete(key);
          if (this.slicesByService.get(prev)?.size === 0) this.slicesByService.delete(prev);
          serviceChanged(prev);
        }
        if (owner === undefined) this.sliceOwner.delete(key);
        else {
          this.sliceOwner.set(key, owner);
          let set = this.slicesByService.get(owner);
          if (set === undefined) this.slicesByService.set(owner, (set = new Set()));
          set.add(key);
          serviceChanged(owner);
        }
      },
      onConnection: conn('endpointslices'),
    });
    this.node = watchResource(kc, 'nodes', '/api/v1/nodes', () => core.listNode({ fieldSelector: `metadata.name=${nodeName}` }), {
      fieldSelector: `metadata.name=${nodeName}`,
      onChange: () => this.configChanged(hooks, NODE_KEY),
      onConnection: conn('nodes'),
    });
    this.secrets = watchResource(kc, 'secrets', `/api/v1/namespaces/${namespace}/secrets`, () => core.listNamespacedSecret({ namespace }), {
      onChange: () => this.configChanged(hooks, CONFIG_KEY),
      onConnection: conn('secrets'),
    });
    const crd = (plural: ConfigPlural) =>
      watchResource(kc, plural, `/apis/vipd.io/v1alpha1/${plural}`,
        () => custom.listClusterCustomObject({ group: 'vipd.io', version: 'v1alpha1', plural }) as Promise<{ items: k8s.KubernetesObject[] }>, {
          onChange: () => this.configChanged(hooks, CONFIG_KEY),
          onConnection: conn(plural),
        });
    this.config = {
      bgppeers: crd('bgppeers'),
      bgpadvertisements: crd('bgpadvertisements'),
      ipaddresspools: crd('ipaddresspools'),
      vipdsettings: crd('vipdsettings'),
    };
  }

  private configChanged(hooks: WatchHooks, key: string): void {
    this.configObservedAt ??= performance.now();
    hooks.enqueue(key);
  }

  all(): WatchedResource<k8s.KubernetesObject>[] {
    return [this.services, this.slices, this.node, this.secrets, ...Object.values(this.config)] as WatchedResource<k8s.KubernetesObject>[];
  }

  get synced(): boolean {
    return this.all().every((w) => w.synced);
  }

  get connected(): boolean {
    return this.all().every((w) => w.connected);
  }

  async start(): Promise<void> {
    await Promise.all(this.all().map((w) => w.start()));
  }

  stop(): void {
    for (const w of this.all()) w.stop();
  }

  service(key: string): k8s.V1Service | undefined {
    const i = key.indexOf('/');
    return this.services.get(key.slice(i + 1), key.slice(0, i));
  }

  /** The Service's EndpointSlices from the cache, O(its slices). */
  slicesOf(key: string): k8s.V1EndpointSlice[] {
    const out: k8s.V1EndpointSlice[] = [];
    for (const sk of this.slicesByService.get(key) ?? []) {
      const i = sk.indexOf('/');
      const s = this.slices.get(sk.slice(i + 1), sk.slice(0, i));
      if (s !== undefined) out.push(s);
    }
    return out;
  }

  serviceKeys(): string[] {
    return this.services.list().map((s) => objectKey(s));
  }

  /** Takes (and clears) the informer time of the Service's pending change. */
  takeObserved(key: string): number | undefined {
    const t = this.observed.get(key);
    this.observed.delete(key);
    return t;
  }

  takeConfigObserved(): number | undefined {
    const t = this.configObservedAt;
    this.configObservedAt = undefined;
    return t;
  }
}
