// Legacy (unaggregated) discovery documents, as served by the real API server at /api, /apis,
// /api/v1, /apis/<group> and /apis/<group>/<version> (APIVersions, APIGroupList, APIGroup,
// APIResourceList), plus /version. Clients asking for aggregated discovery
// (application/json;g=apidiscovery.k8s.io;v=v2) fall back to these, as they do with older servers.

import type { JsonObject } from './patch.ts';
import type { ResourceRegistry } from './resources.ts';
import { groupVersion } from './resources.ts';

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export function apiVersions(serverAddress: string): JsonObject {
  return {
    kind: 'APIVersions', versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupDoc(name: string, versions: string[]): JsonObject {
  const vs = versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
  return { name, versions: vs, preferredVersion: vs[0] };
}

export function apiGroupList(reg: ResourceRegistry): JsonObject {
  const groups = [...reg.groups().entries()].filter(([g]) => g !== '').map(([g, vs]) => groupDoc(g, vs));
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

export function apiGroup(reg: ResourceRegistry, group: string): JsonObject | undefined {
  const vs = reg.groups().get(group);
  if (vs === undefined || group === '') return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...groupDoc(group, vs) };
}

export function apiResourceList(reg: ResourceRegistry, group: string, version: string): JsonObject | undefined {
  const defs = reg.all().filter((d) => d.group === group && d.version === version);
  if (defs.length === 0) return undefined;
  const resources: JsonObject[] = [];
  for (const d of defs) {
    const row: JsonObject = {
      name: d.plural, singularName: d.singular, namespaced: d.namespaced, kind: d.kind, verbs: VERBS,
    };
    if (d.shortNames.length > 0) row.shortNames = [...d.shortNames];
    if (d.isCrd) row.categories = ['vipd'];
    resources.push(row);
    if (d.hasStatus) {
      resources.push({ name: `${d.plural}/status`, singularName: '', namespaced: d.namespaced, kind: d.kind, verbs: ['get', 'patch', 'update'] });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: groupVersion({ group, version }), resources };
}

export function versionInfo(): JsonObject {
  return {
    major: '1', minor: '33', gitVersion: 'v1.33.0-vipd-test-apiserver', gitCommit: '', gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z', goVersion: 'n/a', compiler: 'n/a', platform: `${process.platform}/${process.arch}`,
  };
}
