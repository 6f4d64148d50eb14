// The speaker's encoder on top of the wire codec (pack.ts: RFC 4271 §4.3 UPDATE packing, RFC 4760
// MP_REACH/MP_UNREACH, RFC 8950 IPv4 with an IPv6 next hop; update.ts: RFC 4724 End-of-RIB;
// route-refresh.ts: RFC 7313 BoRR/EoRR), and the translation of a session's negotiated state into
// what the speaker needs to know about a peer.

import { packUpdates, packWithdraws } from './wire/pack.ts';
import { encodeEndOfRib } from './wire/update.ts';
import { encodeRouteRefresh } from './wire/route-refresh.ts';
import type { Negotiated } from './fsm/negotiate.ts';
import type { FamilyName } from './observe.ts';
import type { PeerLinkInfo } from './export-policy.ts';
import { FAMILY_AFI_SAFI, familyOf, type UpdateEncoder } from './speaker-encoder.ts';

export const codecEncoder: UpdateEncoder = {
  announce(prefixes, group, ctx) {
    if (group.family === 'ipv6-unicast') return packUpdates(prefixes, group.attrs, ctx, { ipv6NextHop: group.nextHop });
    if (group.mp) return packUpdates(prefixes, group.attrs, ctx, { ipv4NextHopV6: group.nextHop });
    return packUpdates(prefixes, group.attrs, ctx);
  },
  withdraw(prefixes, _family, ctx) {
    // IPv4 unicast is withdrawn in the classic Withdrawn Routes field even when it was announced in
    // MP_REACH with an IPv6 next hop: the NLRI family is the same (RFC 8950 §4 changes only the next hop).
    return packWithdraws(prefixes, ctx);
  },
  endOfRib(family) {
    const { afi, safi } = FAMILY_AFI_SAFI[family];
    return encodeEndOfRib(afi, safi);
  },
  routeRefresh(family, subtype) {
    const { afi, safi } = FAMILY_AFI_SAFI[family];
    return encodeRouteRefresh({ afi, subtype, safi });
  },
};

/** What the speaker needs from a session that reached Established. */
export function linkInfoFromNegotiated(neg: Negotiated, localAddress: string): PeerLinkInfo {
  const families = new Set<FamilyName>();
  for (const f of neg.families) {
    const name = familyOf(f.afi, f.safi);
    if (name !== undefined) families.add(name);
  }
  return {
    families,
    fourOctetAs: neg.fourOctetAs,
    extendedMessage: neg.extendedMessage,
    routeRefresh: neg.routeRefresh,
    enhancedRouteRefresh: neg.enhancedRouteRefresh,
    extendedNextHopIpv4: neg.extendedNextHop.some((e) => e.afi === 1 && e.safi === 1 && e.nextHopAfi === 2),
    localAddress,
  };
}
