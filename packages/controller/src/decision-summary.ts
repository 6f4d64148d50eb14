// Human summaries of a Service's decision on one node, for Service Events and the Service condition
// ("announced 10.0.0.1 from node n1 to peers tor-a, tor-b", "withdrawn from node n1: no local
// endpoints"). Pure; the reconciler decides when to emit (on change only).

import type { ServiceDecision } from './decide.ts';
import { FOREIGN_REASONS, REASON_TEXT, type Reason } from './reasons.ts';

/** The condition type vipd writes on Services it owns. */
export const SERVICE_CONDITION_TYPE = 'vipd.io/Announced';

export interface ServiceSummary {
  /** False for Services that are not ours (no Event, no condition). */
  readonly relevant: boolean;
  readonly announced: boolean;
  readonly reason: Reason;
  /** `reason` in CamelCase, for the Service condition. */
  readonly conditionReason: string;
  /** Event reason (CamelCase, as Kubernetes Events use). */
  readonly eventReason: 'Announced' | 'Withdrawn';
  readonly eventType: 'Normal' | 'Warning';
  readonly message: string;
}

/**
 * A decision reason as a metav1.Condition / Event reason, which must be CamelCase
 * (`^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$`): 'no-local-endpoints' → 'NoLocalEndpoints'.
 */
export function conditionReason(reason: Reason): string {
  return reason.split('-').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
}

const WARNING_REASONS: ReadonlySet<Reason> = new Set<Reason>(['config-invalid', 'no-advertisement', 'family-not-negotiated']);

export function summarizeService(d: ServiceDecision): ServiceSummary {
  const relevant = !FOREIGN_REASONS.has(d.reason);
  if (d.announce) {
    const vips = d.vips.filter((v) => v.announce);
    const peers = [...new Set(vips.flatMap((v) => v.routes.map((r) => r.peer)))].sort();
    const gshut = vips.some((v) => v.gracefulShutdown) ? ' with GRACEFUL_SHUTDOWN' : '';
    const withheld = d.vips.filter((v) => !v.announce).map((v) => `${v.address} (${REASON_TEXT[v.reason]})`);
    const rest = withheld.length > 0 ? `; not announced: ${withheld.join(', ')}` : '';
    return {
      relevant,
      announced: true,
      reason: 'announced',
      conditionReason: 'Announced',
      eventReason: 'Announced',
      eventType: 'Normal',
      message: `announced ${vips.map((v) => v.address).join(', ')} from node ${d.nodeName} to peers ${peers.join(', ')}${gshut}${rest}`,
    };
  }
  return {
    relevant,
    announced: false,
    reason: d.reason,
    conditionReason: conditionReason(d.reason),
    eventReason: 'Withdrawn',
    eventType: WARNING_REASONS.has(d.reason) ? 'Warning' : 'Normal',
    message: `withdrawn from node ${d.nodeName}: ${REASON_TEXT[d.reason]} (${d.detail})`,
  };
}
