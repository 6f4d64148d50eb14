// Whether this node may announce anything at all (docs/decision.md, "Node" rows): excluded by label,
// not Ready, NetworkUnavailable, draining (cordon, autoscaler / Karpenter / shutdown taints, Node being
// deleted). Computed once per node change; every per-Service decision reuses it. Pure.

import type { BgpPeer, VipdSettingsSpec } from './config/types.ts';
import { canonicalIp } from './config/ip.ts';
import { matchesSelector } from './config/selector.ts';
import type { Reason } from './reasons.ts';
import { LABEL_EXCLUDE_FROM_LB, type Labels, type NodeData } from './snapshot.ts';

export interface NodeContext {
  readonly nodeName: string;
  readonly labels: Labels;
  /** True when Services may be announced from this node (possibly with GRACEFUL_SHUTDOWN). */
  readonly eligible: boolean;
  /** 'announced' when eligible, otherwise the node-level reason. */
  readonly reason: Reason;
  readonly detail: string;
  readonly draining: boolean;
  /** Draining with drainBehaviour graceful-shutdown: announce, tagged with GRACEFUL_SHUTDOWN (RFC 8326). */
  readonly gracefulShutdown: boolean;
  /** BGPPeers whose nodeSelector selects this node, sorted by name. */
  readonly peers: readonly BgpPeer[];
}

/**
 * BGPPeers whose nodeSelector selects the node, sorted by name. Two peers with the same address and
 * port would be one TCP session: the first by name wins (config/cross-check.ts warns on the other).
 */
export function selectPeers(peers: readonly BgpPeer[], labels: Labels): BgpPeer[] {
  const sorted = peers
    .filter((p) => matchesSelector(p.spec.nodeSelector, labels))
    .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
  const seen = new Set<string>();
  return sorted.filter((p) => {
    const key = `${canonicalIp(p.spec.address) ?? p.spec.address}|${p.spec.port}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Which drain signal (if any) the node shows, for the detail text. */
export function drainSignal(node: NodeData, settings: VipdSettingsSpec): string | undefined {
  if (node.isDeleting) return 'Node is being deleted';
  if (settings.drainSignals.cordon && node.unschedulable) return 'Node is cordoned';
  const t = node.taints.find((x) => settings.drainSignals.taintKeys.includes(x.key));
  return t === undefined ? undefined : `Node has taint ${t.key}`;
}

function ineligible(base: Omit<NodeContext, 'eligible' | 'reason' | 'detail' | 'gracefulShutdown'>, reason: Reason, detail: string): NodeContext {
  return { ...base, eligible: false, reason, detail, gracefulShutdown: false };
}

export function evaluateNode(
  nodeName: string,
  node: NodeData | undefined,
  settings: VipdSettingsSpec,
  peers: readonly BgpPeer[],
): NodeContext {
  const labels = node?.labels ?? {};
  const selected = selectPeers(peers, labels);
  const base = { nodeName, labels, draining: false, peers: selected };
  // A Node we cannot see is not known to be Ready: never announce from it.
  if (node === undefined) return ineligible(base, 'node-not-ready', `Node ${nodeName} not found`);
  if (settings.excludeLabelHandling === 'presence' && Object.hasOwn(node.labels, LABEL_EXCLUDE_FROM_LB)) {
    return ineligible(base, 'node-excluded', `Node has label ${LABEL_EXCLUDE_FROM_LB}`);
  }
  if (node.ready !== 'True') {
    return ineligible(base, 'node-not-ready', `Node Ready condition is ${node.ready ?? 'missing'}`);
  }
  if (node.networkUnavailable === 'True') {
    return ineligible(base, 'node-network-unavailable', 'Node NetworkUnavailable condition is True');
  }
  const signal = drainSignal(node, settings);
  if (signal !== undefined) {
    if (settings.drainBehaviour === 'withdraw') return ineligible({ ...base, draining: true }, 'node-draining', signal);
    return { ...base, draining: true, eligible: true, reason: 'announced', detail: `${signal}: announcing with GRACEFUL_SHUTDOWN`, gracefulShutdown: true };
  }
  return { ...base, eligible: true, reason: 'announced', detail: 'Node is eligible', gracefulShutdown: false };
}
