// Removal of per-node Service conditions (`<node>.node.vipd.io/Announced`, written by every node's
// daemon, daemon/feedback.ts) whose node no longer exists. Run only by the elected IPAM controller:
// after it gains the Lease (its lists are synced by then), on every Node deletion, and when a Service
// changes while carrying such a condition (a daemon on a deleted node may still write once more).
//
// Safety: the removal is a JSON patch (RFC 6902) on the status subresource that first tests
// `/metadata/resourceVersion` against the version the decision was made on, then, per condition,
// tests its `type` at its index and removes it. The API server applies the whole patch to the object
// it is about to store, and a failed `test` aborts all of it (RFC 6902 §5; kube-apiserver answers 422),
// so a condition written meanwhile — for example by a node that came back under the same name — can
// never be deleted: any write since our read changes the resourceVersion. A strategic merge patch with
// `$patch: delete` entries keyed by `type` would delete whatever condition of that type is stored when
// the patch lands, including such a fresh one. The cross-watch race (the Service watch shows the
// returned node's condition before the Node watch shows the node) is closed by reading each candidate
// Node directly after taking the Service snapshot: only a 404 makes a node stale. Conditions of other
// types are never touched; a Service without stale conditions gets no request.

import * as k8s from '@kubernetes/client-node';
import type { Logger } from '@vipd/bgp/observe';
import { nodeConditionType } from '../daemon/feedback.ts';

export const NODE_CONDITION_SUFFIX = '.node.vipd.io/Announced';
export const EVENT_REASON_REMOVED = 'NodeConditionsRemoved';

export class StaleSweepConflictError extends Error {
  readonly code = 'ERR_STALE_SWEEP_CONFLICT';
}

export type JsonPatchOp =
  | { readonly op: 'test'; readonly path: string; readonly value: string }
  | { readonly op: 'remove'; readonly path: string };

export interface StaleCondition {
  readonly index: number;
  readonly type: string;
  /**
   * The name in the type (undefined for a type no node name produces). For node names over 240
   * characters the type carries a shortened, hashed name that no Node has: the direct read then finds
   * nothing, so for such nodes only the cache decides.
   */
  readonly node: string | undefined;
}

export function isNodeConditionType(type: string): boolean {
  return type.endsWith(NODE_CONDITION_SUFFIX) && type.length > NODE_CONDITION_SUFFIX.length;
}

/** The node name a per-node condition type was made from (the shortened one for hashed names). */
export function nodeOfConditionType(type: string): string | undefined {
  if (!isNodeConditionType(type)) return undefined;
  const candidate = type.slice(0, -NODE_CONDITION_SUFFIX.length);
  return nodeConditionType(candidate) === type ? candidate : undefined;
}

/** The condition types the nodes that exist would write. */
export function liveConditionTypes(nodes: readonly k8s.V1Node[]): Set<string> {
  const out = new Set<string>();
  for (const n of nodes) if (n.metadata?.name !== undefined) out.add(nodeConditionType(n.metadata.name));
  return out;
}

/** Per-node conditions on the Service whose node is not in `live`, in index order. */
export function staleConditionsOf(svc: k8s.V1Service, live: ReadonlySet<string>): StaleCondition[] {
  const out: StaleCondition[] = [];
  (svc.status?.conditions ?? []).forEach((c, index) => {
    if (typeof c.type === 'string' && isNodeConditionType(c.type) && !live.has(c.type)) {
      out.push({ index, type: c.type, node: nodeOfConditionType(c.type) });
    }
  });
  return out;
}

/**
 * The JSON patch removing `stale` from the Service as read at `resourceVersion`. Highest index first,
 * so each removal leaves the lower indices in place; each removal is preceded by a test of the type.
 */
export function removalPatch(resourceVersion: string, stale: readonly StaleCondition[]): JsonPatchOp[] {
  const ops: JsonPatchOp[] = [{ op: 'test', path: '/metadata/resourceVersion', value: resourceVersion }];
  for (const s of [...stale].sort((a, b) => b.index - a.index)) {
    ops.push({ op: 'test', path: `/status/conditions/${s.index}/type`, value: s.type });
    ops.push({ op: 'remove', path: `/status/conditions/${s.index}` });
  }
  return ops;
}

export interface SweepDeps {
  readonly core: Pick<k8s.CoreV1Api, 'readNode' | 'patchNamespacedServiceStatus'>;
  /** The informer caches. */
  readonly services: () => readonly k8s.V1Service[];
  readonly nodes: () => readonly k8s.V1Node[];
  readonly log: Logger;
  readonly event: (svc: k8s.V1Service, type: 'Normal' | 'Warning', reason: string, message: string) => Promise<void>;
  /** Conditions removed by one successful patch. */
  readonly onRemoved?: (count: number) => void;
}

export interface SweepResult {
  /** Services patched successfully. */
  readonly services: number;
  readonly conditions: number;
  /** Services whose patch was refused because they changed since they were read. */
  readonly conflicts: number;
  /** Nodes absent from the cache that the API server still has (not stale). */
  readonly nodesStillPresent: number;
}

function httpCode(err: unknown): number | undefined {
  return err instanceof k8s.ApiException ? err.code : undefined;
}

function nameList(stale: readonly StaleCondition[]): string {
  const names = stale.map((s) => s.node ?? s.type);
  return names.length <= 10 ? names.join(', ') : `${names.slice(0, 10).join(', ')} and ${names.length - 10} more`;
}

export class StaleConditionSweeper {
  private readonly d: SweepDeps;

  constructor(deps: SweepDeps) {
    this.d = deps;
  }

  /** Does this Service carry a condition of a node the cache does not have (cheap, in memory)? */
  hasStale(svc: k8s.V1Service, live: ReadonlySet<string>): boolean {
    return (svc.status?.conditions ?? []).some((c) => isNodeConditionType(c.type) && !live.has(c.type));
  }

  /**
   * One pass over every cached Service. Throws StaleSweepConflictError after the pass when a patch was
   * refused (the caller retries with backoff, reading the newer object), or the API error of a Node read.
   */
  async sweep(): Promise<SweepResult> {
    const live = liveConditionTypes(this.d.nodes());
    // The snapshot comes first: a node confirmed absent below cannot have written into it (see header).
    const candidates: { svc: k8s.V1Service; stale: StaleCondition[] }[] = [];
    for (const svc of this.d.services()) {
      const stale = staleConditionsOf(svc, live);
      if (stale.length > 0 && svc.metadata?.resourceVersion !== undefined) candidates.push({ svc, stale });
    }
    if (candidates.length === 0) return { services: 0, conditions: 0, conflicts: 0, nodesStillPresent: 0 };
    const present = await this.nodesStillPresent(candidates.flatMap((c) => c.stale));
    let services = 0;
    let conditions = 0;
    let conflicts = 0;
    for (const { svc, stale: all } of candidates) {
      const stale = all.filter((s) => s.node === undefined || !present.has(s.node));
      if (stale.length === 0) continue;
      const meta = svc.metadata!;
      const key = `${meta.namespace}/${meta.name}`;
      try {
        await this.d.core.patchNamespacedServiceStatus(
          { namespace: meta.namespace!, name: meta.name!, body: removalPatch(meta.resourceVersion!, stale) },
          k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch),
        );
      } catch (err) {
        const code = httpCode(err);
        if (code === 404) continue; // the Service is gone, and its conditions with it
        if (code === 409 || code === 422) {
          conflicts++;
          this.d.log.debug({ service: key }, 'Service changed since it was read; stale node conditions retried');
          continue;
        }
        throw err;
      }
      services++;
      conditions += stale.length;
      this.d.onRemoved?.(stale.length);
      const message = `removed the Announced conditions of nodes that no longer exist: ${nameList(stale)}`;
      this.d.log.info({ service: key, nodes: stale.map((s) => s.node ?? s.type) }, 'removed conditions of deleted nodes');
      await this.d.event(svc, 'Normal', EVENT_REASON_REMOVED, message);
    }
    if (conflicts > 0) throw new StaleSweepConflictError(`${conflicts} Service(s) changed during the sweep`);
    return { services, conditions, conflicts, nodesStillPresent: present.size };
  }

  /** Reads each named candidate Node once; returns those the API server still has. */
  private async nodesStillPresent(stale: readonly StaleCondition[]): Promise<Set<string>> {
    const present = new Set<string>();
    const names = new Set(stale.map((s) => s.node).filter((n): n is string => n !== undefined));
    for (const name of names) {
      try {
        await this.d.core.readNode({ name });
        present.add(name);
        this.d.log.debug({ node: name }, 'node exists though the cache lacks it; its conditions stay');
      } catch (err) {
        if (httpCode(err) !== 404) throw err;
      }
    }
    return present;
  }
}
