// Checks across configuration objects, run after each object parsed on its own: pools that overlap
// other pools (error: an address must belong to one pool), advertisements naming pools or peers that
// do not exist (warning: the name may be created later), peers sharing an address and port (warning).
// Results are keyed "Kind/name" so the reconciler can merge them into each object's conditions.

import { canonicalIp } from './ip.ts';
import { findPoolOverlaps } from './ip-address-pool.ts';
import { issue, type Issue } from './issues.ts';
import type { BgpAdvertisement, BgpPeer, IpAddressPool } from './types.ts';

export interface CrossIssues {
  readonly errors: Issue[];
  readonly warnings: Issue[];
}

export function crossCheck(objs: {
  readonly peers: readonly BgpPeer[];
  readonly advertisements: readonly BgpAdvertisement[];
  readonly pools: readonly IpAddressPool[];
}): Map<string, CrossIssues> {
  const out = new Map<string, CrossIssues>();
  const at = (key: string): CrossIssues => {
    let v = out.get(key);
    if (v === undefined) {
      v = { errors: [], warnings: [] };
      out.set(key, v);
    }
    return v;
  };
  for (const [name, issues] of findPoolOverlaps(objs.pools)) at(`IPAddressPool/${name}`).errors.push(...issues);

  const poolNames = new Set(objs.pools.map((p) => p.metadata.name));
  const peerNames = new Set(objs.peers.map((p) => p.metadata.name));
  for (const ad of objs.advertisements) {
    const key = `BGPAdvertisement/${ad.metadata.name}`;
    ad.spec.ipAddressPools.forEach((n, i) => {
      if (!poolNames.has(n)) at(key).warnings.push(issue(`spec.ipAddressPools[${i}]`, `IPAddressPool ${n} does not exist`, 'UnknownReference'));
    });
    ad.spec.peers.forEach((n, i) => {
      if (!peerNames.has(n)) at(key).warnings.push(issue(`spec.peers[${i}]`, `BGPPeer ${n} does not exist`, 'UnknownReference'));
    });
  }

  const seen = new Map<string, string>();
  for (const p of [...objs.peers].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1))) {
    const k = `${canonicalIp(p.spec.address) ?? p.spec.address}|${p.spec.port}`;
    const first = seen.get(k);
    if (first === undefined) seen.set(k, p.metadata.name);
    else at(`BGPPeer/${p.metadata.name}`).warnings.push(issue('spec.address', `same address and port as BGPPeer ${first}; a node selected by both uses ${first}`, 'DuplicatePeer'));
  }
  return out;
}
