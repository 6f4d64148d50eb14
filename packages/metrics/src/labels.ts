// The closed label-value sets of the metric catalogue (docs/metrics.md). Every label of every vipd
// metric takes its values from one of these `as const` lists, or is a configured name (peer IP, pool,
// health check) whose cardinality the operator's configuration bounds. Values that arrive from outside
// (a peer's NOTIFICATION code) are folded into these sets by the `label*` helpers, never passed through.

import { NOTIFICATION_NAMES } from '@vipd/bgp/wire/constants.ts';

/**
 * Why the controller does or does not announce a Service VIP from this node. The controller's pure
 * `decide()` returns exactly these strings; the metric `vipd_announcement_decisions{reason}` and the
 * status API use them unchanged. Add a reason here (and in docs/metrics.md) before using it.
 */
export const DECISION_REASONS = [
  'announced',
  'not-loadbalancer',
  'not-our-class',
  'no-vips',
  'no-advertisement',
  'node-excluded',
  'node-not-ready',
  'node-network-unavailable',
  'node-draining',
  'no-endpoints',
  'no-local-endpoints',
  'family-not-negotiated',
  'config-invalid',
] as const;
export type DecisionReason = (typeof DECISION_REASONS)[number];

/**
 * BGP FSM states with their numeric codes. The codes are BGP4-MIB's `bgpPeerState` (RFC 4273 §5:
 * idle(1) … established(6)), the numbering operators know from SNMP; 0 is never used, so a missing or
 * zero value can never be mistaken for Idle (kube-vip's off-by-one came from a 0-based enum).
 */
export const SESSION_STATE_CODES = {
  Idle: 1,
  Connect: 2,
  Active: 3,
  OpenSent: 4,
  OpenConfirm: 5,
  Established: 6,
} as const;
export type SessionStateName = keyof typeof SESSION_STATE_CODES;

export const MESSAGE_TYPES = ['open', 'update', 'notification', 'keepalive', 'route-refresh'] as const;
export type MessageTypeLabel = (typeof MESSAGE_TYPES)[number];

/** Address families of BGP prefixes (RFC 4760 AFI/SAFI, unicast only). */
export const BGP_FAMILIES = ['ipv4-unicast', 'ipv6-unicast'] as const;
export type BgpFamilyLabel = (typeof BGP_FAMILIES)[number];

/** IP families of IPAM pools. */
export const IP_FAMILIES = ['ipv4', 'ipv6'] as const;
export type IpFamilyLabel = (typeof IP_FAMILIES)[number];

/** Which side sent the NOTIFICATION behind a session's last error. */
export const ERROR_DIRECTIONS = ['sent', 'received'] as const;
export type ErrorDirection = (typeof ERROR_DIRECTIONS)[number];

/** vipd's configuration object kinds (group vipd.io). */
export const CONFIG_KINDS = ['BGPPeer', 'BGPAdvertisement', 'IPAddressPool', 'VipdSettings', 'HealthCheck'] as const;
export type ConfigKind = (typeof CONFIG_KINDS)[number];

export const CONFIG_STATUSES = ['accepted', 'invalid'] as const;
export type ConfigStatus = (typeof CONFIG_STATUSES)[number];

/** Kubernetes resources vipd lists and watches. */
export const KUBE_RESOURCES = [
  'services',
  'endpointslices',
  'nodes',
  'secrets',
  'leases',
  'bgppeers',
  'bgpadvertisements',
  'ipaddresspools',
  'vipdsettings',
  'healthchecks',
] as const;
export type KubeResource = (typeof KUBE_RESOURCES)[number];

export const KUBE_VERBS = ['list', 'watch', 'get', 'create', 'update', 'patch', 'delete'] as const;
export type KubeVerb = (typeof KUBE_VERBS)[number];

/** Health-check kinds (issue 9). */
export const HEALTH_CHECK_KINDS = ['http', 'tcp', 'exec', 'endpoints', 'apiserver'] as const;
export type HealthCheckKind = (typeof HEALTH_CHECK_KINDS)[number];

export const HEALTH_STATES = ['up', 'down'] as const;
export type HealthState = (typeof HEALTH_STATES)[number];

/** Scrape-time sources (CatalogueSources), as `source` label values. */
export const METRIC_SOURCES = ['announced-prefixes', 'decisions', 'ipam-pools', 'config-objects'] as const;
export type MetricSource = (typeof METRIC_SOURCES)[number];

/** Used for a value outside its closed set. */
export const OTHER = 'other';

/** Returns `value` when it belongs to `set`, otherwise "other". */
export function labelFrom<T extends string>(set: readonly T[], value: string): T | typeof OTHER {
  return (set as readonly string[]).includes(value) ? (value as T) : OTHER;
}

/**
 * NOTIFICATION code/subcode as label values: the decimal code when IANA-registered (RFC 4271 §4.5 and
 * later RFCs as listed in constants.ts), the subcode when registered for that code or 0 ("unspecific",
 * RFC 4271 §6). Anything else a peer sends becomes "other", so a hostile peer cannot mint series.
 */
export function labelNotification(code: number, subcode: number): { code: string; subcode: string } {
  const entry = NOTIFICATION_NAMES[code];
  if (entry === undefined) return { code: OTHER, subcode: OTHER };
  const known = subcode === 0 || entry.subcodes[subcode] !== undefined;
  return { code: String(code), subcode: known ? String(subcode) : OTHER };
}
