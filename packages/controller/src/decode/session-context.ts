// The decode context of a captured session, derived from its two OPENs the way the speakers negotiated
// it: 4-octet AS when both sent the capability (RFC 6793 §4), extended messages when both did (RFC 8654
// §3), add-path per family when the sender offered to send and the receiver to receive (RFC 7911 §4),
// iBGP when both name the same AS.

import { peerAsn } from '@vipd/bgp/wire';
import type { DecodeContext, OpenMessage } from '@vipd/bgp/wire';

function addPathModes(open: OpenMessage): Map<string, number> {
  const out = new Map<string, number>();
  for (const c of open.capabilities) {
    if (c.kind === 'add-path') for (const e of c.entries) out.set(`${e.afi}/${e.safi}`, e.sendReceive);
  }
  return out;
}

/** Context for decoding what `sender` sends to `receiver`. */
export function contextFromOpens(sender: OpenMessage, receiver: OpenMessage): DecodeContext {
  const has = (o: OpenMessage, kind: string) => o.capabilities.some((c) => c.kind === kind);
  const send = addPathModes(sender);
  const recv = addPathModes(receiver);
  const addPathReceive = new Set<string>();
  for (const [fam, mode] of send) {
    // 1 receive, 2 send, 3 both
    if ((mode & 2) !== 0 && ((recv.get(fam) ?? 0) & 1) !== 0) addPathReceive.add(fam);
  }
  return {
    fourOctetAs: has(sender, 'four-octet-as') && has(receiver, 'four-octet-as'),
    extendedMessage: has(sender, 'extended-message') && has(receiver, 'extended-message'),
    addPathReceive,
    isIbgp: peerAsn(sender) === peerAsn(receiver),
  };
}
