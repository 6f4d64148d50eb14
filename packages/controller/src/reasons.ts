// The closed set of announcement-decision reasons (docs/decision.md). `decide.ts` returns exactly these
// strings; the metric `vipd_announcement_decisions{reason}`, Service conditions, Events and the status
// API use them unchanged. The list itself lives in packages/metrics/src/labels.ts (one list); adding a
// reason means adding it there, here (its text) and in docs/decision.md.

import { DECISION_REASONS, type DecisionReason } from '@vipd/metrics/labels.ts';

/** The one list, owned by the metric catalogue (its label values); re-exported under the decision's names. */
export const REASONS = DECISION_REASONS;
export type Reason = DecisionReason;

/** Human text for each reason, used in Service Events and conditions ("withdrawn: no local endpoints"). */
export const REASON_TEXT: Readonly<Record<Reason, string>> = {
  announced: 'announced',
  'not-loadbalancer': 'not a LoadBalancer Service',
  'not-our-class': 'loadBalancerClass is not ours',
  'no-vips': 'no VIP assigned or requested',
  'no-advertisement': 'no BGPAdvertisement selects this VIP, node and a peer',
  'node-excluded': 'node is labelled node.kubernetes.io/exclude-from-external-load-balancers',
  'node-not-ready': 'node is not Ready',
  'node-network-unavailable': 'node has NetworkUnavailable',
  'node-draining': 'node is draining',
  'no-endpoints': 'no endpoints can serve',
  'no-local-endpoints': 'no local endpoints',
  'family-not-negotiated': 'address family not negotiated with any peer',
  'config-invalid': 'invalid configuration',
};

/**
 * Reasons that say "this Service is not ours at all": the reconciler neither writes a condition nor
 * emits Events for them, so vipd never touches Services that belong to another implementation.
 */
export const FOREIGN_REASONS: ReadonlySet<Reason> = new Set<Reason>(['not-loadbalancer', 'not-our-class']);

export function isReason(value: unknown): value is Reason {
  return typeof value === 'string' && (REASONS as readonly string[]).includes(value);
}
