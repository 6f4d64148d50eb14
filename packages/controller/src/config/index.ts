// Configuration entry points: parse any vipd.io object by kind, and the public types and helpers.
// BGPSessionState is status-only (written by vipd) and has no parser: it is never configuration.

import { parseBgpAdvertisement } from './bgp-advertisement.ts';
import { parseBgpPeer } from './bgp-peer.ts';
import { issue, type ParseResult } from './issues.ts';
import { parseIpAddressPool } from './ip-address-pool.ts';
import { parseVipdSettings } from './settings.ts';
import type { BgpAdvertisement, BgpPeer, IpAddressPool, VipdSettings } from './types.ts';

export * from './types.ts';
export * from './issues.ts';
export { parseBgpPeer, PEER_DEFAULTS } from './bgp-peer.ts';
export { parseBgpAdvertisement, MAX_AS_PATH_PREPEND } from './bgp-advertisement.ts';
export { parseIpAddressPool, findPoolOverlaps, poolOf } from './ip-address-pool.ts';
export { crossCheck, type CrossIssues } from './cross-check.ts';
export { parseVipdSettings, DEFAULT_SETTINGS, DEFAULT_DRAIN_TAINT_KEYS, SETTINGS_NAME, DEFAULT_LOAD_BALANCER_CLASS } from './settings.ts';
export { matchesSelector, matchesAny, parseSelector, type LabelSelector } from './selector.ts';
export { parseIp, canonicalIp, parseRange, type Family, type ParsedIp, type IpRange } from './ip.ts';
export { parseCommunity, parseLargeCommunity, formatCommunity, GRACEFUL_SHUTDOWN_COMMUNITY, type LargeCommunity } from './communities.ts';

export type ConfigObject =
  | { readonly kind: 'BGPPeer'; readonly object: BgpPeer }
  | { readonly kind: 'BGPAdvertisement'; readonly object: BgpAdvertisement }
  | { readonly kind: 'IPAddressPool'; readonly object: IpAddressPool }
  | { readonly kind: 'VipdSettings'; readonly object: VipdSettings };

function wrap<K extends ConfigObject['kind'], T>(kind: K, r: ParseResult<T>): ParseResult<ConfigObject> {
  return r.ok ? { ok: true, value: { kind, object: r.value } as ConfigObject, warnings: r.warnings } : r;
}

/** Parses any vipd.io/v1alpha1 configuration object, dispatching on `kind`. */
export function parseConfigObject(raw: unknown): ParseResult<ConfigObject> {
  const kind = typeof raw === 'object' && raw !== null ? (raw as { kind?: unknown }).kind : undefined;
  switch (kind) {
    case 'BGPPeer':
      return wrap('BGPPeer', parseBgpPeer(raw));
    case 'BGPAdvertisement':
      return wrap('BGPAdvertisement', parseBgpAdvertisement(raw));
    case 'IPAddressPool':
      return wrap('IPAddressPool', parseIpAddressPool(raw));
    case 'VipdSettings':
      return wrap('VipdSettings', parseVipdSettings(raw));
    default:
      return { ok: false, errors: [issue('kind', 'must be BGPPeer, BGPAdvertisement, IPAddressPool or VipdSettings', 'InvalidField')], warnings: [] };
  }
}
