// Builders of literal Kubernetes objects (plain JSON shaped as the API returns them, typed with the
// @kubernetes/client-node models) and of parsed vipd configuration, for decide() table tests.

import type { V1EndpointSlice, V1Node, V1Service } from '@kubernetes/client-node';
import { parseBgpAdvertisement } from '../../src/config/bgp-advertisement.ts';
import { parseBgpPeer } from '../../src/config/bgp-peer.ts';
import { requireValid } from '../../src/config/issues.ts';
import { parseIpAddressPool } from '../../src/config/ip-address-pool.ts';
import { DEFAULT_SETTINGS } from '../../src/config/settings.ts';
import type { BgpAdvertisement, BgpPeer, IpAddressPool, VipdSettingsSpec } from '../../src/config/types.ts';
import type { DecideConfig } from '../../src/decide.ts';

export const NODE = 'node-a';
export const OTHER = 'node-b';

export interface SvcOpts {
  readonly type?: string;
  readonly cls?: string | null;
  readonly etp?: 'Local' | 'Cluster';
  readonly ingress?: readonly string[];
  readonly annotations?: Record<string, string>;
  readonly labels?: Record<string, string>;
  readonly loadBalancerIP?: string;
  readonly ipFamilies?: readonly string[];
  readonly ports?: readonly number[];
}

export function svc(name: string, o: SvcOpts = {}): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, labels: o.labels ?? {}, annotations: o.annotations ?? {} },
    spec: {
      type: o.type ?? 'LoadBalancer',
      ...(o.cls === null ? {} : { loadBalancerClass: o.cls ?? 'vipd.io/bgp' }),
      externalTrafficPolicy: o.etp ?? 'Cluster',
      ipFamilies: [...(o.ipFamilies ?? ['IPv4'])],
      ports: (o.ports ?? [80]).map((port) => ({ name: `p${port}`, port, protocol: 'TCP' })),
      ...(o.loadBalancerIP === undefined ? {} : { loadBalancerIP: o.loadBalancerIP }),
    },
    status: { loadBalancer: { ingress: (o.ingress ?? ['192.0.2.10']).map((ip) => ({ ip, ipMode: 'VIP' })) } },
  };
}

export interface Ep {
  readonly ip: string;
  readonly node?: string;
  readonly ready?: boolean | null;
  readonly serving?: boolean | null;
  readonly terminating?: boolean | null;
}

/** One EndpointSlice of Service `service`; conditions omitted when given as null (nil in the API). */
export function slice(service: string, addressType: 'IPv4' | 'IPv6' | 'FQDN', eps: readonly Ep[], name = `${service}-${addressType.toLowerCase()}`): V1EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: 'default', labels: { 'kubernetes.io/service-name': service } },
    addressType,
    ports: [{ name: 'p80', port: 8080, protocol: 'TCP' }],
    endpoints: eps.map((e) => {
      const conditions: { ready?: boolean; serving?: boolean; terminating?: boolean } = {};
      if (e.ready !== null) conditions.ready = e.ready ?? true;
      if (e.serving !== null) conditions.serving = e.serving ?? (e.ready ?? true);
      if (e.terminating !== null) conditions.terminating = e.terminating ?? false;
      return { addresses: [e.ip], conditions, ...(e.node === undefined ? {} : { nodeName: e.node }) };
    }),
  };
}

export interface NodeOpts {
  readonly ready?: 'True' | 'False' | 'Unknown' | null;
  readonly networkUnavailable?: 'True' | 'False';
  readonly unschedulable?: boolean;
  readonly taints?: readonly { key: string; effect: string; value?: string }[];
  readonly labels?: Record<string, string>;
  readonly deleting?: boolean;
}

export function node(name: string, o: NodeOpts = {}): V1Node {
  const conditions = [];
  if (o.ready !== null) conditions.push({ type: 'Ready', status: o.ready ?? 'True', reason: 'KubeletReady' });
  if (o.networkUnavailable !== undefined) conditions.push({ type: 'NetworkUnavailable', status: o.networkUnavailable, reason: 'RouteCreated' });
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: { 'kubernetes.io/hostname': name, ...(o.labels ?? {}) },
      ...(o.deleting ? { deletionTimestamp: new Date('2026-01-01T00:00:00Z') } : {}),
    },
    spec: { ...(o.unschedulable ? { unschedulable: true } : {}), ...(o.taints ? { taints: o.taints.map((t) => ({ ...t })) } : {}) },
    status: { conditions },
  };
}

export function peer(name: string, spec: Record<string, unknown> = {}): BgpPeer {
  return requireValid('BGPPeer', parseBgpPeer({
    apiVersion: 'vipd.io/v1alpha1',
    kind: 'BGPPeer',
    metadata: { name },
    spec: { address: '198.51.100.1', asn: 65001, localAsn: 65000, ...spec },
  }));
}

export function advertisement(name: string, spec: Record<string, unknown> = {}): BgpAdvertisement {
  return requireValid('BGPAdvertisement', parseBgpAdvertisement({ apiVersion: 'vipd.io/v1alpha1', kind: 'BGPAdvertisement', metadata: { name }, spec }));
}

export function pool(name: string, addresses: readonly string[], labels: Record<string, string> = {}): IpAddressPool {
  return requireValid('IPAddressPool', parseIpAddressPool({
    apiVersion: 'vipd.io/v1alpha1',
    kind: 'IPAddressPool',
    metadata: { name, labels },
    spec: { addresses },
  }));
}

export function config(o: {
  settings?: Partial<VipdSettingsSpec>;
  peers?: readonly BgpPeer[];
  advertisements?: readonly BgpAdvertisement[];
  pools?: readonly IpAddressPool[];
} = {}): DecideConfig {
  return {
    settings: { ...DEFAULT_SETTINGS, ...(o.settings ?? {}) },
    peers: o.peers ?? [peer('tor-a')],
    advertisements: o.advertisements ?? [advertisement('all')],
    pools: o.pools ?? [],
  };
}
