// Defaulting and allocation the real API server performs on writes, for the fields vipd reads:
// Service defaults (pkg/apis/core/v1/defaults.go: type, sessionAffinity, port protocol/targetPort,
// externalTrafficPolicy for LoadBalancer/NodePort, internalTrafficPolicy, ipFamilies/ipFamilyPolicy),
// ClusterIP and NodePort allocation (and "patchAllocatedValues": an update that omits them keeps the
// allocated ones), EndpointSlice port protocol, Secret type. Other kinds are stored as sent.

import type { Json, JsonObject } from './patch.ts';
import { isObject } from './patch.ts';

export type Allocator = { nextClusterIp(): string; nextNodePort(): number };

export function makeAllocator(): Allocator {
  let ip = 10; // 10.96.0.10 onwards, in the default service CIDR 10.96.0.0/12
  let port = 30000;
  return {
    nextClusterIp(): string {
      ip += 1;
      return `10.96.${(ip >> 8) & 255}.${ip & 255}`;
    },
    nextNodePort(): number {
      port = port >= 32767 ? 30000 : port + 1;
      return port;
    },
  };
}

function defaultService(obj: JsonObject, old: JsonObject | undefined, alloc: Allocator): void {
  const spec: JsonObject = isObject(obj.spec) ? obj.spec : {};
  obj.spec = spec;
  const oldSpec: JsonObject = old !== undefined && isObject(old.spec) ? old.spec : {};
  spec.type ??= 'ClusterIP';
  spec.sessionAffinity ??= 'None';
  const type = spec.type;
  if (type === 'ExternalName') return;
  if (spec.clusterIP === undefined && oldSpec.clusterIP !== undefined) {
    spec.clusterIP = oldSpec.clusterIP;
    spec.clusterIPs = oldSpec.clusterIPs ?? null;
  }
  if (spec.clusterIP === undefined || spec.clusterIP === '') spec.clusterIP = alloc.nextClusterIp();
  if (spec.clusterIPs === undefined || spec.clusterIPs === null) {
    spec.clusterIPs = spec.clusterIP === 'None' ? ['None'] : [spec.clusterIP];
  }
  spec.ipFamilies ??= ['IPv4'];
  spec.ipFamilyPolicy ??= Array.isArray(spec.ipFamilies) && spec.ipFamilies.length > 1 ? 'PreferDualStack' : 'SingleStack';
  spec.internalTrafficPolicy ??= 'Cluster';
  const external = type === 'LoadBalancer' || type === 'NodePort';
  if (external) spec.externalTrafficPolicy ??= 'Cluster';
  if (type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
  const oldPorts = Array.isArray(oldSpec.ports) ? oldSpec.ports.filter(isObject) : [];
  if (Array.isArray(spec.ports)) {
    for (const p of spec.ports) {
      if (!isObject(p)) continue;
      p.protocol ??= 'TCP';
      p.targetPort ??= p.port ?? null;
      const wantsNodePort = type === 'NodePort' || (type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);
      if (wantsNodePort && p.nodePort === undefined) {
        const prior = oldPorts.find((o) => o.port === p.port && (o.protocol ?? 'TCP') === p.protocol);
        p.nodePort = typeof prior?.nodePort === 'number' ? prior.nodePort : alloc.nextNodePort();
      }
    }
  }
  if (external && spec.externalTrafficPolicy === 'Local' && type === 'LoadBalancer' && spec.healthCheckNodePort === undefined) {
    spec.healthCheckNodePort = typeof oldSpec.healthCheckNodePort === 'number' ? oldSpec.healthCheckNodePort : alloc.nextNodePort();
  }
}

function defaultEndpointSlice(obj: JsonObject): void {
  if (!Array.isArray(obj.ports)) return;
  for (const p of obj.ports as Json[]) if (isObject(p)) p.protocol ??= 'TCP';
}

/** Apply defaults in place to an object about to be written (old = the stored version on update). */
export function applyDefaults(kind: string, group: string, obj: JsonObject, old: JsonObject | undefined, alloc: Allocator): void {
  if (group === '' && kind === 'Service') defaultService(obj, old, alloc);
  else if (group === 'discovery.k8s.io' && kind === 'EndpointSlice') defaultEndpointSlice(obj);
  else if (group === '' && kind === 'Secret') obj.type ??= 'Opaque';
  else if (group === '' && kind === 'Namespace') {
    const status: JsonObject = isObject(obj.status) ? obj.status : {};
    status.phase ??= 'Active';
    obj.status = status;
    const spec: JsonObject = isObject(obj.spec) ? obj.spec : {};
    spec.finalizers ??= ['kubernetes'];
    obj.spec = spec;
  }
}
