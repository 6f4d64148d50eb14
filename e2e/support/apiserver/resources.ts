// Resource table of the test API server: one row per served resource (built-in kinds vipd uses plus
// the vipd.io CRDs), as the Kubernetes API concepts describe them ("Resource URIs": /api/v1 for the
// legacy core group, /apis/<group>/<version> otherwise; namespaced or cluster-scoped).

import type { JsonObject } from './patch.ts';

export type ResourceDef = {
  readonly group: string; // '' for the core group
  readonly version: string;
  readonly plural: string;
  readonly singular: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly hasStatus: boolean; // serves the /status subresource
  readonly isCrd: boolean; // custom resources: no strategic merge patch, list items carry kind/apiVersion
  readonly tracksGeneration: boolean; // metadata.generation bumped on non-status, non-metadata changes
  readonly resetStatusOnCreate: boolean; // PrepareForCreate drops status (Services, CRDs with /status)
  readonly allowUnconditionalUpdate: boolean; // PUT without metadata.resourceVersion is accepted
  readonly returnDeletedObject: boolean; // DELETE answers with the object, else with a Success Status
  readonly extraFieldSelectors: readonly string[]; // field labels beyond metadata.name / metadata.namespace
  readonly shortNames: readonly string[];
  /** openAPIV3Schema of a CRD version loaded from a manifest (crd.ts): prune, default, validate. */
  readonly schema?: JsonObject;
};

export type CrdSpec = {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly hasStatus: boolean;
};

function builtin(d: Omit<ResourceDef, 'isCrd' | 'singular' | 'extraFieldSelectors' | 'shortNames' | 'returnDeletedObject'> &
  Partial<Pick<ResourceDef, 'extraFieldSelectors' | 'shortNames' | 'returnDeletedObject'>>): ResourceDef {
  return { isCrd: false, singular: d.kind.toLowerCase(), extraFieldSelectors: [], shortNames: [], returnDeletedObject: false, ...d };
}

/** Turn a CRD row into a resource definition with the CRD semantics of the real API server. */
export function crdResource(c: CrdSpec): ResourceDef {
  return {
    ...c,
    singular: c.kind.toLowerCase(),
    isCrd: true,
    tracksGeneration: true,
    resetStatusOnCreate: c.hasStatus,
    // CRDs: "metadata.resourceVersion: Invalid value: 0x0: must be specified for an update"
    allowUnconditionalUpdate: false,
    returnDeletedObject: true,
    extraFieldSelectors: [],
    shortNames: [],
  };
}

export const VIPD_CRDS: readonly CrdSpec[] = [
  { group: 'vipd.io', version: 'v1alpha1', plural: 'bgppeers', kind: 'BGPPeer', namespaced: false, hasStatus: true },
  { group: 'vipd.io', version: 'v1alpha1', plural: 'bgpadvertisements', kind: 'BGPAdvertisement', namespaced: false, hasStatus: true },
  { group: 'vipd.io', version: 'v1alpha1', plural: 'ipaddresspools', kind: 'IPAddressPool', namespaced: false, hasStatus: true },
  { group: 'vipd.io', version: 'v1alpha1', plural: 'vipdsettings', kind: 'VipdSettings', namespaced: false, hasStatus: true },
  { group: 'vipd.io', version: 'v1alpha1', plural: 'bgpsessionstates', kind: 'BGPSessionState', namespaced: false, hasStatus: true },
];

export const BUILTIN_RESOURCES: readonly ResourceDef[] = [
  builtin({ group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false, hasStatus: true,
    tracksGeneration: false, resetStatusOnCreate: false, allowUnconditionalUpdate: true, returnDeletedObject: true,
    extraFieldSelectors: ['status.phase'], shortNames: ['ns'] }),
  builtin({ group: '', version: 'v1', plural: 'services', kind: 'Service', namespaced: true, hasStatus: true,
    tracksGeneration: false, resetStatusOnCreate: true, allowUnconditionalUpdate: true, returnDeletedObject: true,
    shortNames: ['svc'] }),
  builtin({ group: '', version: 'v1', plural: 'nodes', kind: 'Node', namespaced: false, hasStatus: true,
    tracksGeneration: false, resetStatusOnCreate: false, allowUnconditionalUpdate: true,
    extraFieldSelectors: ['spec.unschedulable'], shortNames: ['no'] }),
  builtin({ group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true, hasStatus: false,
    tracksGeneration: false, resetStatusOnCreate: false, allowUnconditionalUpdate: true, extraFieldSelectors: ['type'] }),
  builtin({ group: '', version: 'v1', plural: 'events', kind: 'Event', namespaced: true, hasStatus: false,
    tracksGeneration: false, resetStatusOnCreate: false, allowUnconditionalUpdate: true, shortNames: ['ev'],
    extraFieldSelectors: ['involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name',
      'involvedObject.uid', 'involvedObject.apiVersion', 'involvedObject.resourceVersion',
      'involvedObject.fieldPath', 'reason', 'reportingComponent', 'source', 'type'] }),
  builtin({ group: 'events.k8s.io', version: 'v1', plural: 'events', kind: 'Event', namespaced: true, hasStatus: false,
    tracksGeneration: false, resetStatusOnCreate: false, allowUnconditionalUpdate: true, shortNames: ['ev'],
    extraFieldSelectors: ['regarding.kind', 'regarding.namespace', 'regarding.name', 'regarding.uid',
      'reason', 'reportingController', 'type'] }),
  builtin({ group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', kind: 'EndpointSlice', namespaced: true,
    hasStatus: false, tracksGeneration: true, resetStatusOnCreate: false, allowUnconditionalUpdate: true }),
  builtin({ group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease', namespaced: true,
    hasStatus: false, tracksGeneration: false, resetStatusOnCreate: false, allowUnconditionalUpdate: true }),
];

export function groupVersion(r: Pick<ResourceDef, 'group' | 'version'>): string {
  return r.group === '' ? r.version : `${r.group}/${r.version}`;
}

/** "services" or "leases.coordination.k8s.io": the qualified resource used in Status messages. */
export function qualifiedResource(r: ResourceDef): string {
  return r.group === '' ? r.plural : `${r.plural}.${r.group}`;
}

export function resourceId(r: Pick<ResourceDef, 'group' | 'version' | 'plural'>): string {
  return `${groupVersion(r)}/${r.plural}`;
}

export class ResourceRegistry {
  readonly #byId = new Map<string, ResourceDef>();

  constructor(defs: readonly ResourceDef[]) {
    for (const d of defs) this.add(d);
  }

  add(d: ResourceDef): void {
    this.#byId.set(resourceId(d), d);
  }

  lookup(group: string, version: string, plural: string): ResourceDef | undefined {
    return this.#byId.get(resourceId({ group, version, plural }));
  }

  byId(id: string): ResourceDef | undefined {
    return this.#byId.get(id);
  }

  all(): ResourceDef[] {
    return [...this.#byId.values()];
  }

  /** Group → versions served, core group first, in insertion order. */
  groups(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const d of this.#byId.values()) {
      const vs = out.get(d.group) ?? [];
      if (!vs.includes(d.version)) vs.push(d.version);
      out.set(d.group, vs);
    }
    return out;
  }
}

/** Built-ins, the vipd.io table, extra CRD rows, then manifest-loaded CRDs (which replace same-named rows). */
export function defaultRegistry(extraCrds: readonly CrdSpec[] = [], fromManifests: readonly ResourceDef[] = []): ResourceRegistry {
  return new ResourceRegistry([...BUILTIN_RESOURCES, ...[...VIPD_CRDS, ...extraCrds].map(crdResource), ...fromManifests]);
}
