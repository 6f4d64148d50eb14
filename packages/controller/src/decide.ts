// The announce decision (docs/decision.md): PURE functions from plain data (snapshot.ts) and parsed
// configuration to "announce this VIP from this node to these peers with these attributes, or not,
// and why". `decideService` is O(that Service) given a NodeContext, so the reconciler can redo one
// Service per EndpointSlice change; `decideAnnouncements` decides a whole snapshot for one node.
// Shared VIPs: the route lives while any Service on the VIP qualifies; attributes merge
// deterministically (communities: union; LOCAL_PREF: highest; MED: lowest; prepend: fewest).

import { GRACEFUL_SHUTDOWN_COMMUNITY, unionCommunities, unionLargeCommunities, type LargeCommunity } from './config/communities.ts';
import { poolOf } from './config/ip-address-pool.ts';
import { canonicalIp, formatIp, parseIp, type Family, type ParsedIp } from './config/ip.ts';
import { matchesAny } from './config/selector.ts';
import type { AddressFamily, BgpAdvertisement, BgpPeer, IpAddressPool, VipdSettingsSpec } from './config/types.ts';
import { evaluateNode, type NodeContext } from './node-eligibility.ts';
import type { Reason } from './reasons.ts';
import { serviceKey, type ClusterSnapshot, type EndpointData, type EndpointSliceData, type ServiceData } from './snapshot.ts';

export { evaluateNode, type NodeContext } from './node-eligibility.ts';

/** Everything the decision reads from configuration (the last valid objects). */
export interface DecideConfig {
  readonly settings: VipdSettingsSpec;
  readonly peers: readonly BgpPeer[];
  readonly advertisements: readonly BgpAdvertisement[];
  readonly pools: readonly IpAddressPool[];
}

export interface RouteAttributes {
  /** Standard communities (32-bit values), sorted, unique; includes GRACEFUL_SHUTDOWN when draining. */
  readonly communities: readonly number[];
  readonly largeCommunities: readonly LargeCommunity[];
  /** LOCAL_PREF (sent to iBGP peers only; RFC 4271 §5.1.5). */
  readonly localPref: number | undefined;
  readonly med: number | undefined;
  readonly asPathPrepend: number;
}

export interface PeerRoute extends RouteAttributes {
  /** BGPPeer name. */
  readonly peer: string;
  readonly peerAddress: string;
}

export type VipSource = 'status' | 'requested';

export interface VipResult {
  /** Canonical address text. */
  readonly address: string;
  readonly family: Family;
  /** The announced prefix: /32 or /128. */
  readonly prefix: string;
  readonly source: VipSource;
  readonly announce: boolean;
  readonly reason: Reason;
  readonly detail: string;
  readonly gracefulShutdown: boolean;
  /** Per-peer routes when announced; empty otherwise. Sorted by peer name. */
  readonly routes: readonly PeerRoute[];
}

export interface ServiceDecision {
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  readonly nodeName: string;
  /** True when at least one VIP of the Service is announced from this node. */
  readonly announce: boolean;
  readonly reason: Reason;
  readonly detail: string;
  readonly vips: readonly VipResult[];
}

/** One VIP after merging every Service that uses it (shared VIPs). */
export interface VipDecision {
  readonly address: string;
  readonly family: Family;
  readonly prefix: string;
  readonly announce: boolean;
  readonly reason: Reason;
  readonly detail: string;
  readonly gracefulShutdown: boolean;
  /** All our Services with this VIP, sorted by key. */
  readonly services: readonly string[];
  /** The Services whose own decision announces the VIP, sorted by key. */
  readonly announcedBy: readonly string[];
  readonly routes: readonly PeerRoute[];
}

export interface NodeDecision {
  readonly node: NodeContext;
  readonly services: readonly ServiceDecision[];
  readonly vips: readonly VipDecision[];
}

export const FAMILY_AFI_SAFI: Readonly<Record<Family, AddressFamily>> = { ipv4: 'ipv4-unicast', ipv6: 'ipv6-unicast' };

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The Service is ours: our class, or no class while we are the default implementation. */
export function isOurClass(svc: ServiceData, settings: VipdSettingsSpec): boolean {
  return svc.loadBalancerClass === undefined ? settings.isDefaultClass : svc.loadBalancerClass === settings.loadBalancerClass;
}

type VipsOrError = { readonly ok: true; readonly vips: readonly { ip: ParsedIp; source: VipSource }[] } | { readonly ok: false; readonly detail: string };

/**
 * The Service's VIPs: status.loadBalancer.ingress[].ip when present (IPAM, ours or another, confirmed
 * them); otherwise the requested IPs (vipd.io/loadBalancerIPs, else spec.loadBalancerIP). A malformed
 * requested IP is a configuration error on the Service, never silently skipped.
 */
export function serviceVips(svc: ServiceData): VipsOrError {
  const seen = new Map<string, { ip: ParsedIp; source: VipSource }>();
  for (const text of svc.ingressIps) {
    const ip = parseIp(text);
    if (ip !== undefined) seen.set(formatIp(ip), { ip, source: 'status' });
  }
  if (seen.size > 0) return { ok: true, vips: [...seen.values()] };
  const requested =
    svc.requestedIpsAnnotation !== undefined
      ? svc.requestedIpsAnnotation.split(',').map((s) => s.trim()).filter((s) => s !== '')
      : svc.specLoadBalancerIp !== undefined ? [svc.specLoadBalancerIp] : [];
  for (const text of requested) {
    const ip = parseIp(text);
    if (ip === undefined) return { ok: false, detail: `requested IP "${text.slice(0, 64)}" is not an IP address` };
    seen.set(formatIp(ip), { ip, source: 'requested' });
  }
  return { ok: true, vips: [...seen.values()] };
}

/**
 * Can this endpoint take new traffic? Not terminating: `ready` (nil = true, see snapshot.ts).
 * Terminating: only under terminatingPolicy keep-serving, and only while `serving`.
 */
export function canServe(ep: EndpointData, settings: VipdSettingsSpec): boolean {
  if (ep.terminating) return settings.terminatingPolicy === 'keep-serving' && ep.serving;
  return ep.ready;
}

export interface EndpointCount {
  readonly total: number;
  readonly servable: number;
  readonly servableLocal: number;
}

/** Counts the Service's endpoints of one address family (slices of other families and FQDN ignored). */
export function countEndpoints(
  slices: readonly EndpointSliceData[],
  family: Family,
  nodeName: string,
  settings: VipdSettingsSpec,
): EndpointCount {
  const addressType = family === 'ipv4' ? 'IPv4' : 'IPv6';
  let total = 0;
  let servable = 0;
  let servableLocal = 0;
  for (const slice of slices) {
    if (slice.addressType !== addressType) continue;
    for (const ep of slice.endpoints) {
      total++;
      if (!canServe(ep, settings)) continue;
      servable++;
      if (ep.nodeName === nodeName) servableLocal++;
    }
  }
  return { total, servable, servableLocal };
}

function mergeAttributes(a: RouteAttributes, b: RouteAttributes): RouteAttributes {
  const pick = (x: number | undefined, y: number | undefined, f: (p: number, q: number) => number): number | undefined =>
    x === undefined ? y : y === undefined ? x : f(x, y);
  return {
    communities: unionCommunities(a.communities, b.communities),
    largeCommunities: unionLargeCommunities(a.largeCommunities, b.largeCommunities),
    localPref: pick(a.localPref, b.localPref, Math.max),
    med: pick(a.med, b.med, Math.min),
    asPathPrepend: Math.min(a.asPathPrepend, b.asPathPrepend),
  };
}

/** Merges per-peer routes of several sources into one list sorted by peer name. */
export function mergeRoutes(lists: readonly (readonly PeerRoute[])[]): PeerRoute[] {
  if (lists.length === 1) return [...lists[0]!].sort((x, y) => byName(x.peer, y.peer));
  const byPeer = new Map<string, PeerRoute>();
  for (const list of lists) {
    for (const r of list) {
      const prev = byPeer.get(r.peer);
      byPeer.set(r.peer, prev === undefined ? r : { peer: r.peer, peerAddress: r.peerAddress, ...mergeAttributes(prev, r) });
    }
  }
  return [...byPeer.values()].sort((x, y) => byName(x.peer, y.peer));
}

function advertisementSelectsVip(ad: BgpAdvertisement, ip: ParsedIp, pools: readonly IpAddressPool[]): boolean {
  const { ipAddressPools, poolSelectors } = ad.spec;
  if (ipAddressPools.length === 0 && poolSelectors.length === 0) return true;
  const pool = poolOf(pools, ip);
  if (pool === undefined) return false;
  return ipAddressPools.includes(pool.metadata.name) || (poolSelectors.length > 0 && matchesAny(poolSelectors, pool.metadata.labels));
}

// Memoised by array identity (config objects are immutable): sorting once per configuration, not per VIP.
const sortedAds = new WeakMap<readonly BgpAdvertisement[], readonly BgpAdvertisement[]>();
function sortedAdvertisements(ads: readonly BgpAdvertisement[]): readonly BgpAdvertisement[] {
  let s = sortedAds.get(ads);
  if (s === undefined) {
    s = [...ads].sort((a, b) => byName(a.metadata.name, b.metadata.name));
    sortedAds.set(ads, s);
  }
  return s;
}

type Routing = { readonly ok: true; readonly routes: PeerRoute[] } | { readonly ok: false; readonly reason: Reason; readonly detail: string };

/** Which peers get this VIP, with which attributes (BGPAdvertisement × BGPPeer matching). */
export function routeVip(ip: ParsedIp, svc: ServiceData, node: NodeContext, config: DecideConfig): Routing {
  const ads = sortedAdvertisements(config.advertisements);
  const forVip = ads.filter((ad) => advertisementSelectsVip(ad, ip, config.pools) && matchesAny(ad.spec.serviceSelectors, svc.labels));
  if (forVip.length === 0) return { ok: false, reason: 'no-advertisement', detail: 'no BGPAdvertisement selects this VIP and Service' };
  const forNode = forVip.filter((ad) => matchesAny(ad.spec.nodeSelectors, node.labels));
  if (forNode.length === 0) return { ok: false, reason: 'no-advertisement', detail: `no BGPAdvertisement selects node ${node.nodeName}` };
  const family = FAMILY_AFI_SAFI[ip.family];
  const lists: PeerRoute[][] = [];
  let peersMatched = 0;
  for (const ad of forNode) {
    const s = ad.spec;
    const routes: PeerRoute[] = [];
    for (const peer of node.peers) {
      if (s.peers.length > 0 && !s.peers.includes(peer.metadata.name)) continue;
      peersMatched++;
      if (!peer.spec.families.includes(family)) continue;
      routes.push({
        peer: peer.metadata.name,
        peerAddress: peer.spec.address,
        communities: node.gracefulShutdown ? unionCommunities(s.communities, [GRACEFUL_SHUTDOWN_COMMUNITY]) : s.communities,
        largeCommunities: s.largeCommunities,
        localPref: s.localPref,
        med: s.med,
        asPathPrepend: s.asPathPrepend,
      });
    }
    lists.push(routes);
  }
  if (peersMatched === 0) return { ok: false, reason: 'no-advertisement', detail: `no BGPPeer of node ${node.nodeName} is selected` };
  const routes = mergeRoutes(lists);
  if (routes.length === 0) return { ok: false, reason: 'family-not-negotiated', detail: `no selected BGPPeer is configured for ${family}` };
  return { ok: true, routes };
}

function endpointVerdict(count: EndpointCount, svc: ServiceData, family: Family): { reason: Reason; detail: string } {
  const fam = family === 'ipv4' ? 'IPv4' : 'IPv6';
  if (count.servable === 0) {
    return { reason: 'no-endpoints', detail: `0 of ${count.total} ${fam} endpoints can serve` };
  }
  if (svc.externalTrafficPolicy === 'Local' && count.servableLocal === 0) {
    return { reason: 'no-local-endpoints', detail: `externalTrafficPolicy Local: 0 of ${count.servable} serving ${fam} endpoints are on this node` };
  }
  const where = svc.externalTrafficPolicy === 'Local' ? `${count.servableLocal} local` : `${count.servable}`;
  return { reason: 'announced', detail: `${where} serving ${fam} endpoints` };
}

function serviceLevel(svc: ServiceData, node: NodeContext, reason: Reason, detail: string, vips: readonly VipResult[] = []): ServiceDecision {
  return { key: serviceKey(svc), namespace: svc.namespace, name: svc.name, nodeName: node.nodeName, announce: false, reason, detail, vips };
}

/** Decides one Service on one node. O(Service's VIPs × (endpoints + advertisements)). Pure. */
export function decideService(
  svc: ServiceData,
  slices: readonly EndpointSliceData[],
  node: NodeContext,
  config: DecideConfig,
): ServiceDecision {
  const settings = config.settings;
  if (svc.type !== 'LoadBalancer') return serviceLevel(svc, node, 'not-loadbalancer', `type is ${svc.type}`);
  if (!isOurClass(svc, settings)) {
    return serviceLevel(svc, node, 'not-our-class', `loadBalancerClass is ${svc.loadBalancerClass ?? 'unset'}`);
  }
  const vipsOr = serviceVips(svc);
  if (!vipsOr.ok) return serviceLevel(svc, node, 'config-invalid', vipsOr.detail);
  if (vipsOr.vips.length === 0) return serviceLevel(svc, node, 'no-vips', 'no ingress IP in status and no requested IP');

  const vips: VipResult[] = vipsOr.vips.map(({ ip, source }) => {
    const address = formatIp(ip);
    const base = { address, family: ip.family, prefix: `${address}/${ip.family === 'ipv4' ? 32 : 128}`, source };
    const no = (reason: Reason, detail: string): VipResult => ({ ...base, announce: false, reason, detail, gracefulShutdown: false, routes: [] });
    if (!node.eligible) return no(node.reason, node.detail);
    const routing = routeVip(ip, svc, node, config);
    if (!routing.ok) return no(routing.reason, routing.detail);
    const verdict = endpointVerdict(countEndpoints(slices, ip.family, node.nodeName, settings), svc, ip.family);
    if (verdict.reason !== 'announced') return no(verdict.reason, verdict.detail);
    return { ...base, announce: true, reason: 'announced', detail: verdict.detail, gracefulShutdown: node.gracefulShutdown, routes: routing.routes };
  });
  const first = vips.find((v) => v.announce) ?? vips[0]!;
  return { ...serviceLevel(svc, node, first.reason, first.detail, vips), announce: first.announce };
}

const familyOrder = (f: Family): number => (f === 'ipv4' ? 0 : 1);

/** Merges the per-Service decisions of one node into per-VIP decisions (shared VIPs), sorted by address. */
export function mergeVipDecisions(decisions: Iterable<ServiceDecision>): VipDecision[] {
  const groups = new Map<string, { vip: VipResult; service: string }[]>();
  for (const d of decisions) {
    for (const vip of d.vips) {
      const list = groups.get(vip.address);
      if (list === undefined) groups.set(vip.address, [{ vip, service: d.key }]);
      else list.push({ vip, service: d.key });
    }
  }
  const out: VipDecision[] = [];
  for (const [address, list] of groups) {
    if (list.length === 1) {
      // The common case: a VIP used by one Service.
      const { vip, service } = list[0]!;
      out.push({
        address, family: vip.family, prefix: vip.prefix, announce: vip.announce, reason: vip.reason,
        detail: vip.announce ? `announced for ${service}` : `${service}: ${vip.detail}`, gracefulShutdown: vip.gracefulShutdown,
        services: [service], announcedBy: vip.announce ? [service] : [], routes: vip.routes,
      });
      continue;
    }
    list.sort((a, b) => byName(a.service, b.service));
    const announcing = list.filter((x) => x.vip.announce);
    const lead = announcing[0] ?? list[0]!;
    out.push({
      address,
      family: lead.vip.family,
      prefix: lead.vip.prefix,
      announce: announcing.length > 0,
      reason: lead.vip.reason,
      detail: announcing.length > 0 ? `announced for ${announcing.map((x) => x.service).join(', ')}` : `${lead.service}: ${lead.vip.detail}`,
      gracefulShutdown: announcing.some((x) => x.vip.gracefulShutdown),
      services: list.map((x) => x.service),
      announcedBy: announcing.map((x) => x.service),
      routes: mergeRoutes(announcing.map((x) => x.vip.routes)),
    });
  }
  // Sort by family, then numerically; parse each address once, not once per comparison.
  const keyed = out.map((v) => ({ v, f: familyOrder(v.family), n: parseIp(v.address)!.value }));
  keyed.sort((a, b) => a.f - b.f || (a.n < b.n ? -1 : a.n > b.n ? 1 : 0));
  return keyed.map((k) => k.v);
}

/** Decides every Service in the snapshot for one node. Pure. */
export function decideAnnouncements(snapshot: ClusterSnapshot, nodeName: string, config: DecideConfig): NodeDecision {
  const node = evaluateNode(nodeName, snapshot.nodes.get(nodeName), config.settings, config.peers);
  const services: ServiceDecision[] = [];
  for (const [key, svc] of snapshot.services) {
    services.push(decideService(svc, snapshot.endpointSlices.get(key) ?? [], node, config));
  }
  services.sort((a, b) => byName(a.key, b.key));
  return { node, services, vips: mergeVipDecisions(services) };
}

/** True when the peer's negotiated families (from its OPEN) include the VIP's family (RFC 4760 §8). */
export function isFamilyNegotiated(family: Family, negotiated: ReadonlySet<AddressFamily>): boolean {
  return negotiated.has(FAMILY_AFI_SAFI[family]);
}

/**
 * Applies the families each established session negotiated: routes to peers that did not negotiate the
 * VIP's family are dropped; a VIP left with no peer becomes `family-not-negotiated`. Peers missing from
 * the map (session not established yet) keep their routes: the speaker sends them once the session is up.
 */
export function applyNegotiatedFamilies(
  vips: readonly VipDecision[],
  negotiated: ReadonlyMap<string, ReadonlySet<AddressFamily>>,
): VipDecision[] {
  return vips.map((v) => {
    if (!v.announce) return v;
    const routes = v.routes.filter((r) => {
      const fams = negotiated.get(r.peer);
      return fams === undefined || isFamilyNegotiated(v.family, fams);
    });
    if (routes.length === v.routes.length) return v;
    if (routes.length > 0) return { ...v, routes };
    return { ...v, announce: false, reason: 'family-not-negotiated', detail: `no peer negotiated ${FAMILY_AFI_SAFI[v.family]}`, routes: [] };
  });
}

/** Canonical text for a VIP string (for callers matching addresses from status). */
export function canonicalVip(text: string): string | undefined {
  return canonicalIp(text);
}
