// The seam between the speaker (what to send) and the wire codec (how it looks in bytes): UPDATEs
// that announce or withdraw many prefixes with one attribute set (RFC 4271 §4.3, RFC 4760 §3-4),
// End-of-RIB (RFC 4724 §2) and ROUTE-REFRESH BoRR/EoRR markers (RFC 7313 §3).

import type { EncodeContext, Prefix } from './wire/types.ts';
import type { FamilyName } from './observe.ts';
import type { ExportGroup } from './export-policy.ts';

export interface UpdateEncoder {
  /** UPDATEs carrying all of `prefixes` (of the group's family) with the group's attributes. */
  announce(prefixes: readonly Prefix[], group: ExportGroup, ctx: EncodeContext): Uint8Array[];
  /** UPDATEs withdrawing all of `prefixes` (one family). */
  withdraw(prefixes: readonly Prefix[], family: FamilyName, ctx: EncodeContext): Uint8Array[];
  /** The End-of-RIB marker for a family. */
  endOfRib(family: FamilyName): Uint8Array;
  /** A ROUTE-REFRESH message with the RFC 7313 subtype (1 BoRR, 2 EoRR). */
  routeRefresh(family: FamilyName, subtype: 1 | 2): Uint8Array;
}

export const FAMILY_AFI_SAFI: Readonly<Record<FamilyName, { readonly afi: 1 | 2; readonly safi: 1 }>> = {
  'ipv4-unicast': { afi: 1, safi: 1 },
  'ipv6-unicast': { afi: 2, safi: 1 },
};

export function familyOf(afi: number, safi: number): FamilyName | undefined {
  if (safi !== 1) return undefined;
  if (afi === 1) return 'ipv4-unicast';
  if (afi === 2) return 'ipv6-unicast';
  return undefined;
}
