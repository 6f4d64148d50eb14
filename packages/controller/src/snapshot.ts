// Plain-data model of the cluster state the announce decision needs (Services, their EndpointSlices,
// Nodes), and conversions from the @kubernetes/client-node object types. `decide.ts` only sees these
// readonly records, never API objects, so it stays pure and its tests are tables of literal objects.
// Kubernetes semantics applied here: EndpointConditions ready/serving nil = true, terminating nil =
// false (discovery.k8s.io/v1 API docs); Service externalTrafficPolicy unset = Cluster.

import type { V1EndpointSlice, V1Node, V1Service } from '@kubernetes/client-node';

/** Annotation with comma-separated requested VIPs (one per family at most is usual). */
export const ANNOTATION_LOAD_BALANCER_IPS = 'vipd.io/loadBalancerIPs';
/** Services with the same sharing key may share one VIP (distinct ports); read by IPAM. */
export const ANNOTATION_SHARING_KEY = 'vipd.io/sharing-key';
/** The label EndpointSlices carry to name their Service. */
export const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';
/** Node label that excludes a node from external load balancers (presence, as the service controller). */
export const LABEL_EXCLUDE_FROM_LB = 'node.kubernetes.io/exclude-from-external-load-balancers';

export type IpFamily = 'IPv4' | 'IPv6';
export type Labels = Readonly<Record<string, string>>;

export interface ServicePortData {
  readonly name: string;
  readonly protocol: string;
  readonly port: number;
}

export interface ServiceData {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly type: string;
  /** undefined when the Service has no class (the default implementation's Services). */
  readonly loadBalancerClass: string | undefined;
  readonly externalTrafficPolicy: 'Local' | 'Cluster';
  readonly ipFamilies: readonly IpFamily[];
  readonly ports: readonly ServicePortData[];
  /** status.loadBalancer.ingress[].ip, in order; hostname-only entries are dropped. */
  readonly ingressIps: readonly string[];
  /** spec.loadBalancerIP (deprecated upstream, still honoured). */
  readonly specLoadBalancerIp: string | undefined;
  /** Raw value of the vipd.io/loadBalancerIPs annotation, parsed (and validated) by decide. */
  readonly requestedIpsAnnotation: string | undefined;
  readonly sharingKey: string | undefined;
  readonly labels: Labels;
  readonly annotations: Labels;
}

export interface EndpointData {
  readonly addresses: readonly string[];
  readonly ready: boolean;
  readonly serving: boolean;
  readonly terminating: boolean;
  readonly nodeName: string | undefined;
}

export interface EndpointSliceData {
  readonly namespace: string;
  readonly name: string;
  /** The Service this slice belongs to (kubernetes.io/service-name label). */
  readonly serviceName: string | undefined;
  readonly addressType: 'IPv4' | 'IPv6' | 'FQDN';
  readonly endpoints: readonly EndpointData[];
}

export interface TaintData {
  readonly key: string;
  readonly value: string | undefined;
  readonly effect: string;
}

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface NodeData {
  readonly name: string;
  readonly labels: Labels;
  /** Status of the Ready condition; undefined when the node has not reported it. */
  readonly ready: ConditionStatus | undefined;
  /** Status of the NetworkUnavailable condition; undefined when absent (treated as available). */
  readonly networkUnavailable: ConditionStatus | undefined;
  readonly unschedulable: boolean;
  readonly taints: readonly TaintData[];
  /** metadata.deletionTimestamp is set: the Node object is being deleted. */
  readonly isDeleting: boolean;
}

/** Everything one node's decision reads. Slices are grouped by Service key (`namespace/name`). */
export interface ClusterSnapshot {
  readonly services: ReadonlyMap<string, ServiceData>;
  readonly endpointSlices: ReadonlyMap<string, readonly EndpointSliceData[]>;
  readonly nodes: ReadonlyMap<string, NodeData>;
}

export function serviceKey(s: { readonly namespace: string; readonly name: string }): string {
  return `${s.namespace}/${s.name}`;
}

/** The Service key an EndpointSlice belongs to, or undefined for a slice without the label. */
export function sliceServiceKey(slice: EndpointSliceData): string | undefined {
  return slice.serviceName === undefined ? undefined : `${slice.namespace}/${slice.serviceName}`;
}

function toLabels(m: Record<string, string> | undefined): Labels {
  return Object.freeze({ ...(m ?? {}) });
}

function toFamily(f: string): IpFamily | undefined {
  return f === 'IPv4' || f === 'IPv6' ? f : undefined;
}

function toConditionStatus(s: string | undefined): ConditionStatus | undefined {
  return s === 'True' || s === 'False' || s === 'Unknown' ? s : undefined;
}

export function serviceFromK8s(svc: V1Service): ServiceData {
  const md = svc.metadata ?? {};
  const spec = svc.spec ?? {};
  const annotations = toLabels(md.annotations);
  const ingressIps: string[] = [];
  for (const ing of svc.status?.loadBalancer?.ingress ?? []) {
    if (typeof ing.ip === 'string' && ing.ip !== '') ingressIps.push(ing.ip);
  }
  const lbIp = spec.loadBalancerIP;
  return {
    namespace: md.namespace ?? 'default',
    name: md.name ?? '',
    uid: md.uid ?? '',
    type: spec.type ?? 'ClusterIP',
    loadBalancerClass: spec.loadBalancerClass === '' ? undefined : spec.loadBalancerClass,
    externalTrafficPolicy: spec.externalTrafficPolicy === 'Local' ? 'Local' : 'Cluster',
    ipFamilies: (spec.ipFamilies ?? []).map(toFamily).filter((f): f is IpFamily => f !== undefined),
    ports: (spec.ports ?? []).map((p) => ({ name: p.name ?? '', protocol: p.protocol ?? 'TCP', port: p.port })),
    ingressIps,
    specLoadBalancerIp: typeof lbIp === 'string' && lbIp !== '' ? lbIp : undefined,
    requestedIpsAnnotation: annotations[ANNOTATION_LOAD_BALANCER_IPS],
    sharingKey: annotations[ANNOTATION_SHARING_KEY],
    labels: toLabels(md.labels),
    annotations,
  };
}

export function endpointSliceFromK8s(slice: V1EndpointSlice): EndpointSliceData {
  const md = slice.metadata ?? {};
  const t = slice.addressType;
  return {
    namespace: md.namespace ?? 'default',
    name: md.name ?? '',
    serviceName: md.labels?.[LABEL_SERVICE_NAME],
    addressType: t === 'IPv4' || t === 'IPv6' ? t : 'FQDN',
    endpoints: (slice.endpoints ?? []).map((ep) => {
      const c = ep.conditions ?? {};
      return {
        addresses: [...(ep.addresses ?? [])],
        // discovery.k8s.io/v1: "A nil value should be interpreted as true" (ready, serving), "false" (terminating).
        ready: c.ready ?? true,
        serving: c.serving ?? true,
        terminating: c.terminating ?? false,
        nodeName: ep.nodeName === '' ? undefined : ep.nodeName,
      };
    }),
  };
}

export function nodeFromK8s(node: V1Node): NodeData {
  const md = node.metadata ?? {};
  const conds = node.status?.conditions ?? [];
  const cond = (type: string): ConditionStatus | undefined =>
    toConditionStatus(conds.find((c) => c.type === type)?.status);
  return {
    name: md.name ?? '',
    labels: toLabels(md.labels),
    ready: cond('Ready'),
    networkUnavailable: cond('NetworkUnavailable'),
    unschedulable: node.spec?.unschedulable === true,
    taints: (node.spec?.taints ?? []).map((t) => ({ key: t.key, value: t.value, effect: t.effect })),
    isDeleting: md.deletionTimestamp !== undefined && md.deletionTimestamp !== null,
  };
}

/** Builds a snapshot from API objects (tests, the CLI and the reconciler's full re-list). */
export function snapshotFromK8s(objs: {
  readonly services: readonly V1Service[];
  readonly endpointSlices: readonly V1EndpointSlice[];
  readonly nodes: readonly V1Node[];
}): ClusterSnapshot {
  const services = new Map<string, ServiceData>();
  for (const s of objs.services) {
    const d = serviceFromK8s(s);
    services.set(serviceKey(d), d);
  }
  const endpointSlices = new Map<string, EndpointSliceData[]>();
  for (const s of objs.endpointSlices) {
    const d = endpointSliceFromK8s(s);
    const key = sliceServiceKey(d);
    if (key === undefined) continue;
    const list = endpointSlices.get(key);
    if (list === undefined) endpointSlices.set(key, [d]);
    else list.push(d);
  }
  const nodes = new Map<string, NodeData>();
  for (const n of objs.nodes) {
    const d = nodeFromK8s(n);
    nodes.set(d.name, d);
  }
  return { services, endpointSlices, nodes };
}
