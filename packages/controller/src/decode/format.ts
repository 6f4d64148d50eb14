// JSON shape of `vipd decode` (documented in docs/decode.md; keep it stable): one plain object per BGP
// message. Prefixes are "addr/len" strings ({ prefix, pathId } with add-path), ASNs numbers,
// communities "a:b" strings, large communities "g:l1:l2", bytes lower-case hex.

import {
  ATTRIBUTE_BY_CODE,
  BgpNotificationError,
  NOTIFICATION_NAMES,
  capabilityCode,
  endOfRibFamily,
  formatIpv4,
  formatIpv6,
  formatPrefix,
  peerAsn,
} from '@vipd/bgp/wire';
import type { AsPathSegment, BgpMessage, Capability, MpReach, PathAttributes, Prefix } from '@vipd/bgp/wire';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export function hex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

function prefix(p: Prefix): Json {
  return p.pathId === undefined ? formatPrefix(p) : { prefix: formatPrefix(p), pathId: p.pathId };
}

const SEGMENT_NAMES: Readonly<Record<number, string>> = { 1: 'set', 2: 'sequence', 3: 'confed-sequence', 4: 'confed-set' };
const ORIGIN_NAMES = ['igp', 'egp', 'incomplete'] as const;
const ROUTE_REFRESH_SUBTYPES: Readonly<Record<number, string>> = { 0: 'request', 1: 'borr', 2: 'eorr' };

function asPath(segs: readonly AsPathSegment[]): Json {
  return segs.map((s) => ({ type: SEGMENT_NAMES[s.type] ?? String(s.type), asns: [...s.asns] }));
}

/** A next hop of 4, 16 or 32 bytes (RFC 4760 §3, RFC 2545 §3: global + link-local). */
function nextHop(b: Uint8Array): { nextHop: string; linkLocalNextHop?: string } {
  if (b.length === 4) return { nextHop: formatIpv4(b) };
  if (b.length === 16) return { nextHop: formatIpv6(b) };
  if (b.length === 32) return { nextHop: formatIpv6(b), linkLocalNextHop: formatIpv6(b, 16) };
  return { nextHop: hex(b) };
}

function mpReach(m: MpReach): Json {
  return { afi: m.afi, safi: m.safi, ...nextHop(m.nextHop), nlri: m.nlri.map(prefix) };
}

export function attributes(a: PathAttributes): Json {
  const o: { [k: string]: Json } = {};
  if (a.origin !== undefined) o.origin = ORIGIN_NAMES[a.origin] ?? a.origin;
  if (a.asPath !== undefined) o.asPath = asPath(a.asPath);
  if (a.nextHop !== undefined) o.nextHop = a.nextHop;
  if (a.med !== undefined) o.med = a.med;
  if (a.localPref !== undefined) o.localPref = a.localPref;
  if (a.atomicAggregate !== undefined) o.atomicAggregate = a.atomicAggregate;
  if (a.aggregator !== undefined) o.aggregator = { asn: a.aggregator.asn, address: a.aggregator.address };
  if (a.communities !== undefined) o.communities = a.communities.map((c) => `${c >>> 16}:${c & 0xffff}`);
  if (a.originatorId !== undefined) o.originatorId = a.originatorId;
  if (a.clusterList !== undefined) o.clusterList = [...a.clusterList];
  if (a.mpReach !== undefined) o.mpReach = mpReach(a.mpReach);
  if (a.mpUnreach !== undefined) o.mpUnreach = { afi: a.mpUnreach.afi, safi: a.mpUnreach.safi, withdrawn: a.mpUnreach.withdrawn.map(prefix) };
  if (a.extendedCommunities !== undefined) o.extendedCommunities = a.extendedCommunities.map(hex);
  if (a.as4Path !== undefined) o.as4Path = asPath(a.as4Path);
  if (a.as4Aggregator !== undefined) o.as4Aggregator = { asn: a.as4Aggregator.asn, address: a.as4Aggregator.address };
  if (a.largeCommunities !== undefined) o.largeCommunities = a.largeCommunities.map(([g, l1, l2]) => `${g}:${l1}:${l2}`);
  if (a.otc !== undefined) o.otc = a.otc;
  if (a.unknown !== undefined) o.unknown = a.unknown.map((u) => ({ code: u.code, flags: u.flags, value: hex(u.value) }));
  return o;
}

function capability(c: Capability): Json {
  const base = { code: capabilityCode(c), kind: c.kind };
  switch (c.kind) {
    case 'multiprotocol': return { ...base, afi: c.afi, safi: c.safi };
    case 'extended-next-hop': return { ...base, entries: c.entries.map((e) => ({ afi: e.afi, safi: e.safi, nextHopAfi: e.nextHopAfi })) };
    case 'role': return { ...base, role: c.role };
    case 'graceful-restart':
      return {
        ...base,
        restartState: c.restartState,
        notification: c.notification,
        restartTimeSec: c.restartTimeSec,
        families: c.families.map((f) => ({ afi: f.afi, safi: f.safi, forwardingPreserved: f.forwardingPreserved })),
      };
    case 'four-octet-as': return { ...base, asn: c.asn };
    case 'add-path': return { ...base, entries: c.entries.map((e) => ({ afi: e.afi, safi: e.safi, sendReceive: e.sendReceive })) };
    case 'llgr':
      return { ...base, entries: c.entries.map((e) => ({ afi: e.afi, safi: e.safi, forwardingPreserved: e.forwardingPreserved, staleTimeSec: e.staleTimeSec })) };
    case 'fqdn': return { ...base, hostname: c.hostname, domain: c.domain };
    case 'unknown': return { ...base, value: hex(c.value) };
    default: return base;
  }
}

export function notificationNames(code: number, subcode: number): { codeName: string | null; subcodeName: string | null } {
  const entry = NOTIFICATION_NAMES[code];
  return { codeName: entry?.name ?? null, subcodeName: entry?.subcodes[subcode] ?? null };
}

/** The JSON object for one decoded message (without position fields). */
export function messageJson(msg: BgpMessage, length: number): { [k: string]: Json } {
  switch (msg.type) {
    case 'open':
      return {
        type: 'open', length, version: msg.version, myAs: msg.myAs, peerAs: peerAsn(msg), holdTimeSec: msg.holdTimeSec, bgpId: msg.bgpId,
        capabilities: msg.capabilities.map(capability),
        otherParams: msg.otherParams.map((p) => ({ type: p.type, value: hex(p.value) })),
      };
    case 'update': {
      const eor = endOfRibFamily(msg);
      return {
        type: 'update', length,
        withdrawn: msg.withdrawn.map(prefix),
        attributes: attributes(msg.attributes),
        nlri: msg.nlri.map(prefix),
        outcomes: msg.outcomes.map((o) => ({ action: o.action, attrCode: o.attrCode, attrName: ATTRIBUTE_BY_CODE[o.attrCode]?.name ?? null, reason: o.reason })),
        endOfRib: eor === undefined ? null : { afi: eor.afi, safi: eor.safi },
      };
    }
    case 'notification': {
      const o: { [k: string]: Json } = { type: 'notification', length, code: msg.code, subcode: msg.subcode, ...notificationNames(msg.code, msg.subcode), data: hex(msg.data) };
      if (msg.shutdownMessage !== undefined) o.shutdownMessage = msg.shutdownMessage;
      return o;
    }
    case 'keepalive':
      return { type: 'keepalive', length };
    case 'route-refresh':
      return { type: 'route-refresh', length, afi: msg.afi, safi: msg.safi, subtype: msg.subtype, subtypeName: ROUTE_REFRESH_SUBTYPES[msg.subtype] ?? null };
  }
}

/** The JSON `error` member for a message that could not be framed or decoded. */
export function errorJson(err: BgpNotificationError): { [k: string]: Json } {
  const names = notificationNames(err.notifCode, err.notifSubcode);
  return {
    code: err.notifCode,
    subcode: err.notifSubcode,
    name: `${names.codeName ?? `code ${err.notifCode}`} / ${names.subcodeName ?? `subcode ${err.notifSubcode}`}`,
    ...names,
    data: hex(err.data),
  };
}
