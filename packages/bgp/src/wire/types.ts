// The decoded BGP message model shared by the codec, the FSM, the session and the speaker.
// Plain readonly data: discriminated unions, no classes, so it crosses worker boundaries and
// prints as JSON (bigint-free; AS numbers are plain numbers up to 2^32-1).

import type { AfiCode, BgpRoleCode, OriginCode, AsPathSegmentTypeCode } from './constants.ts';

/**
 * An IP prefix. `addr` holds the address bytes (4 for IPv4, 16 for IPv6) with host bits zero;
 * only the first ceil(length/8) bytes matter on the wire. `pathId` is the RFC 7911 path identifier,
 * present only when add-path is negotiated for that family and direction.
 */
export interface Prefix {
  readonly afi: AfiCode;
  readonly length: number;
  readonly addr: Uint8Array;
  readonly pathId?: number;
}

// ---------------------------------------------------------------------------------------------
// Capabilities (RFC 5492). One object per capability TLV, in wire order.

export interface AfiSafi {
  readonly afi: number;
  readonly safi: number;
}

export type Capability =
  | { readonly kind: 'multiprotocol'; readonly afi: number; readonly safi: number }
  | { readonly kind: 'route-refresh' }
  | { readonly kind: 'enhanced-route-refresh' }
  | {
      readonly kind: 'extended-next-hop';
      /** RFC 8950: NLRI AFI/SAFI that may carry a next hop of nextHopAfi. */
      readonly entries: readonly { readonly afi: number; readonly safi: number; readonly nextHopAfi: number }[];
    }
  | { readonly kind: 'extended-message' }
  | { readonly kind: 'role'; readonly role: BgpRoleCode | number }
  | {
      readonly kind: 'graceful-restart';
      /** R bit: the sender has restarted. */
      readonly restartState: boolean;
      /** N bit (RFC 8538): the sender supports Notification / Hard Reset handling. */
      readonly notification: boolean;
      readonly restartTimeSec: number;
      readonly families: readonly { readonly afi: number; readonly safi: number; readonly forwardingPreserved: boolean }[];
    }
  | { readonly kind: 'four-octet-as'; readonly asn: number }
  | {
      readonly kind: 'add-path';
      /** sendReceive: 1 receive, 2 send, 3 both (RFC 7911 §4). */
      readonly entries: readonly { readonly afi: number; readonly safi: number; readonly sendReceive: number }[];
    }
  | {
      readonly kind: 'llgr';
      readonly entries: readonly {
        readonly afi: number;
        readonly safi: number;
        readonly forwardingPreserved: boolean;
        readonly staleTimeSec: number;
      }[];
    }
  | { readonly kind: 'fqdn'; readonly hostname: string; readonly domain: string }
  | { readonly kind: 'unknown'; readonly code: number; readonly value: Uint8Array };

// ---------------------------------------------------------------------------------------------
// Messages

export interface OpenMessage {
  readonly type: 'open';
  readonly version: number;
  /** The 2-byte "My Autonomous System" field as sent (AS_TRANS when the real AS is 4-byte). */
  readonly myAs: number;
  readonly holdTimeSec: number;
  /** BGP identifier as dotted quad. */
  readonly bgpId: string;
  /** All capabilities from all capability optional parameters, in order. */
  readonly capabilities: readonly Capability[];
  /** Optional parameters other than capabilities (type 2), kept raw; a session rejects them with 2/4. */
  readonly otherParams: readonly { readonly type: number; readonly value: Uint8Array }[];
}

export interface AsPathSegment {
  readonly type: AsPathSegmentTypeCode;
  readonly asns: readonly number[];
}

export interface MpReach {
  readonly afi: number;
  readonly safi: number;
  /** 4 (IPv4), 16 (IPv6 global) or 32 (global + link-local) bytes. */
  readonly nextHop: Uint8Array;
  readonly nlri: readonly Prefix[];
}

export interface MpUnreach {
  readonly afi: number;
  readonly safi: number;
  readonly withdrawn: readonly Prefix[];
}

export interface Aggregator {
  readonly asn: number;
  readonly address: string;
}

/** A raw attribute we do not interpret (unknown code), preserved with its flags. */
export interface RawAttribute {
  readonly flags: number;
  readonly code: number;
  readonly value: Uint8Array;
}

/**
 * Path attributes, decoded. All optional; absent means not present on the wire.
 * Communities are 32-bit numbers; extended communities are 8-byte arrays; large are [global, l1, l2].
 */
export interface PathAttributes {
  readonly origin?: OriginCode;
  readonly asPath?: readonly AsPathSegment[];
  /** IPv4 NEXT_HOP (attribute 3), dotted quad. */
  readonly nextHop?: string;
  readonly med?: number;
  readonly localPref?: number;
  readonly atomicAggregate?: boolean;
  readonly aggregator?: Aggregator;
  readonly communities?: readonly number[];
  readonly originatorId?: string;
  readonly clusterList?: readonly string[];
  readonly mpReach?: MpReach;
  readonly mpUnreach?: MpUnreach;
  readonly extendedCommunities?: readonly Uint8Array[];
  readonly as4Path?: readonly AsPathSegment[];
  readonly as4Aggregator?: Aggregator;
  readonly largeCommunities?: readonly (readonly [number, number, number])[];
  readonly otc?: number;
  readonly unknown?: readonly RawAttribute[];
}

/** RFC 7606 outcomes found while decoding an UPDATE; the strongest one decides. */
export type AttributeOutcome =
  | { readonly action: 'attribute-discard'; readonly attrCode: number; readonly reason: string }
  | { readonly action: 'treat-as-withdraw'; readonly attrCode: number; readonly reason: string };

export interface UpdateMessage {
  readonly type: 'update';
  /** Withdrawn routes field (IPv4 unicast). */
  readonly withdrawn: readonly Prefix[];
  readonly attributes: PathAttributes;
  /** NLRI field (IPv4 unicast). */
  readonly nlri: readonly Prefix[];
  /**
   * RFC 7606 outcomes. When any is 'treat-as-withdraw', the receiver must treat every NLRI of this
   * UPDATE (classic and MP_REACH) as withdrawn. Empty for a clean message.
   */
  readonly outcomes: readonly AttributeOutcome[];
}

export interface NotificationMessage {
  readonly type: 'notification';
  readonly code: number;
  readonly subcode: number;
  readonly data: Uint8Array;
  /** RFC 8203/9003 shutdown communication (Cease 2 and 4) when present and valid UTF-8. */
  readonly shutdownMessage?: string;
}

export interface KeepaliveMessage {
  readonly type: 'keepalive';
}

export interface RouteRefreshMessage {
  readonly type: 'route-refresh';
  readonly afi: number;
  /** RFC 7313: 0 normal request, 1 BoRR, 2 EoRR. */
  readonly subtype: number;
  readonly safi: number;
}

export type BgpMessage = OpenMessage | UpdateMessage | NotificationMessage | KeepaliveMessage | RouteRefreshMessage;

// ---------------------------------------------------------------------------------------------
// What the decoder needs to know about the session (negotiated state).

export interface DecodeContext {
  /** Both sides advertised the 4-octet AS capability: AS_PATH carries 4-byte ASNs. */
  readonly fourOctetAs: boolean;
  /** RFC 8654 negotiated: messages up to 65535 bytes. */
  readonly extendedMessage: boolean;
  /** Families for which we receive add-path path identifiers ("afi/safi" keys, e.g. "1/1"). */
  readonly addPathReceive: ReadonlySet<string>;
  /** The peer is iBGP (same AS): LOCAL_PREF is expected; eBGP discards it (RFC 7606 §7.6). */
  readonly isIbgp: boolean;
}

export interface EncodeContext {
  readonly fourOctetAs: boolean;
  readonly extendedMessage: boolean;
  /** Families for which we send add-path path identifiers. */
  readonly addPathSend: ReadonlySet<string>;
}

export const DEFAULT_DECODE_CONTEXT: DecodeContext = {
  fourOctetAs: true,
  extendedMessage: false,
  addPathReceive: new Set(),
  isIbgp: false,
};

export const DEFAULT_ENCODE_CONTEXT: EncodeContext = {
  fourOctetAs: true,
  extendedMessage: false,
  addPathSend: new Set(),
};

export type { AfiCode, BgpRoleCode, OriginCode };
