// TypeScript shapes of the vipd.io/v1alpha1 configuration CRDs after parsing and defaulting
// (charts/vipd/crds/*.yaml hold the OpenAPI schemas; docs/configuration.md documents every field).
// All kinds are cluster-scoped. Parsed objects are readonly and carry their defaults filled in.

import type { LargeCommunity } from './communities.ts';
import type { Condition } from './issues.ts';
import type { IpRange } from './ip.ts';
import type { LabelSelector } from './selector.ts';

export const API_GROUP = 'vipd.io';
export const API_VERSION = 'vipd.io/v1alpha1';

export const KINDS = ['BGPPeer', 'BGPAdvertisement', 'IPAddressPool', 'VipdSettings', 'BGPSessionState'] as const;
export type Kind = (typeof KINDS)[number];

export const ADDRESS_FAMILIES = ['ipv4-unicast', 'ipv6-unicast'] as const;
export type AddressFamily = (typeof ADDRESS_FAMILIES)[number];

export interface ObjectMeta {
  readonly name: string;
  readonly generation: number | undefined;
  readonly labels: Readonly<Record<string, string>>;
}

export interface SecretKeyRef {
  /** Secret in vipd's own namespace. */
  readonly name: string;
  readonly key: string;
}

export const BFD_AUTH_TYPES = ['simple', 'keyed-sha1', 'meticulous-keyed-sha1'] as const;
export type BfdAuthType = (typeof BFD_AUTH_TYPES)[number];

/** RFC 5880 §6.7 authentication of the peer's BFD session; the key comes from a Secret. */
export interface BfdAuthSpec {
  readonly type: BfdAuthType;
  /** Auth Key ID (§4.2 / §4.4), 0..255; must match the router's. */
  readonly keyId: number;
  /** Secret in vipd's own namespace (the same one as passwordSecretRef). */
  readonly secretRef: SecretKeyRef;
}

export interface GracefulRestart {
  readonly enabled: boolean;
  /** RFC 4724 §3: the Restart Time field is 12 bits, so at most 4095 s. */
  readonly restartTimeSec: number;
}

export interface BgpPeerSpec {
  readonly address: string;
  /** Peer ASN; undefined when `learnAsnFromOpen` is set. */
  readonly asn: number | undefined;
  readonly learnAsnFromOpen: boolean;
  readonly localAsn: number;
  readonly routerId: string | undefined;
  readonly port: number;
  readonly passwordSecretRef: SecretKeyRef | undefined;
  readonly holdTimeSec: number;
  readonly keepaliveSec: number;
  readonly connectRetrySec: number;
  readonly families: readonly AddressFamily[];
  readonly sourceAddress: string | undefined;
  readonly ebgpMultihopTtl: number | undefined;
  readonly passive: boolean;
  readonly gracefulRestart: GracefulRestart;
  readonly nodeSelector: LabelSelector;
  readonly bfdProfile: string | undefined;
  /** Only with bfdProfile (the parser rejects it alone). */
  readonly bfdAuth: BfdAuthSpec | undefined;
  /**
   * Next hop for IPv4 / IPv6 VIPs sent to this peer (canonical text). Default: the session's local
   * address for the session's own family, this Node's address (status.addresses) for the other one.
   */
  readonly nextHopIpv4?: string | undefined;
  readonly nextHopIpv6?: string | undefined;
  readonly description: string | undefined;
}

export interface BgpPeer {
  readonly metadata: ObjectMeta;
  readonly spec: BgpPeerSpec;
}

export interface BgpAdvertisementSpec {
  readonly ipAddressPools: readonly string[];
  readonly poolSelectors: readonly LabelSelector[];
  readonly serviceSelectors: readonly LabelSelector[];
  readonly nodeSelectors: readonly LabelSelector[];
  readonly peers: readonly string[];
  /** Standard communities as 32-bit values (well-known names resolved), sorted, unique. */
  readonly communities: readonly number[];
  readonly largeCommunities: readonly LargeCommunity[];
  readonly localPref: number | undefined;
  readonly med: number | undefined;
  readonly asPathPrepend: number;
}

export interface BgpAdvertisement {
  readonly metadata: ObjectMeta;
  readonly spec: BgpAdvertisementSpec;
}

export interface ServiceAllocation {
  readonly priority: number;
  readonly namespaces: readonly string[];
  readonly namespaceSelectors: readonly LabelSelector[];
  readonly serviceSelectors: readonly LabelSelector[];
}

export interface IpAddressPoolSpec {
  /** The text entries, as written (CIDRs or "first-last" ranges). */
  readonly addresses: readonly string[];
  /** The same entries, parsed. */
  readonly ranges: readonly IpRange[];
  readonly autoAssign: boolean;
  readonly avoidBuggyIPs: boolean;
  readonly serviceAllocation: ServiceAllocation | undefined;
}

export interface IpAddressPool {
  readonly metadata: ObjectMeta;
  readonly spec: IpAddressPoolSpec;
}

export const TERMINATING_POLICIES = ['withdraw', 'keep-serving'] as const;
export type TerminatingPolicy = (typeof TERMINATING_POLICIES)[number];
export const DRAIN_BEHAVIOURS = ['withdraw', 'graceful-shutdown'] as const;
export type DrainBehaviour = (typeof DRAIN_BEHAVIOURS)[number];
export const EXCLUDE_LABEL_HANDLINGS = ['presence', 'ignore'] as const;
export type ExcludeLabelHandling = (typeof EXCLUDE_LABEL_HANDLINGS)[number];

export interface DrainSignals {
  /** A cordoned node (spec.unschedulable) counts as draining. */
  readonly cordon: boolean;
  /** Taint keys (any effect) that mark a node as draining. */
  readonly taintKeys: readonly string[];
}

export interface VipdSettingsSpec {
  readonly loadBalancerClass: string;
  readonly isDefaultClass: boolean;
  readonly terminatingPolicy: TerminatingPolicy;
  readonly drainBehaviour: DrainBehaviour;
  readonly drainPeriodSec: number;
  readonly drainSignals: DrainSignals;
  readonly excludeLabelHandling: ExcludeLabelHandling;
  readonly keepAnnouncingWhenDisconnected: boolean;
  readonly sessionStateEnabled: boolean;
}

export interface VipdSettings {
  readonly metadata: ObjectMeta;
  readonly spec: VipdSettingsSpec;
}

export const SESSION_STATES = ['Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established'] as const;
export type SessionState = (typeof SESSION_STATES)[number];

/** One peer's row in a BGPSessionState status (written by vipd; never read as configuration). */
export interface PeerSessionStatus {
  readonly name: string;
  readonly address: string;
  readonly state: SessionState;
  readonly asn?: number;
  readonly establishedSince?: string;
  readonly families?: readonly AddressFamily[];
  readonly prefixesSent?: { readonly ipv4: number; readonly ipv6: number };
  readonly prefixesReceived?: { readonly ipv4: number; readonly ipv6: number };
  readonly gracefulShutdown?: boolean;
  readonly lastError?: string;
  readonly lastErrorTime?: string;
  /** Per configured family: the next hop VIPs are sent with, or why they are withheld. */
  readonly nextHops?: readonly PeerSessionNextHop[];
}

export interface PeerSessionNextHop {
  readonly family: AddressFamily;
  readonly address?: string;
  readonly source?: 'session' | 'node' | 'bgppeer';
  readonly problem?: string;
  /** VIPs of this family withheld from the peer for want of a next hop. */
  readonly withheld?: number;
}

/** Per-node status object, named after the node; status only. */
export interface BgpSessionState {
  readonly apiVersion: typeof API_VERSION;
  readonly kind: 'BGPSessionState';
  readonly metadata: { readonly name: string };
  readonly status?: {
    readonly nodeName: string;
    readonly updatedAt?: string;
    readonly peers: readonly PeerSessionStatus[];
    readonly conditions?: readonly Condition[];
  };
}
