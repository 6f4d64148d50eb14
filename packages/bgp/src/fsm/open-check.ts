// The session's view of OPEN validation: the checks themselves are wire/open-check.ts (RFC 4271 §6.2
// in BIRD's order, one implementation shared with the malformed-OPEN corpus and the router
// cross-check); this module maps the FSM configuration onto them and, on success, negotiates.

import { BgpRole } from '../wire/constants.ts';
import { capabilityCode } from '../wire/capabilities.ts';
import { checkOpen as checkOpenMessage } from '../wire/open-check.ts';
import type { Capability, OpenMessage } from '../wire/types.ts';
import { localCapabilities, negotiate, type Negotiated } from './negotiate.ts';
import type { FsmConfig, Notification } from './types.ts';

export type OpenCheckResult =
  | { readonly ok: true; readonly negotiated: Negotiated }
  | { readonly ok: false; readonly notification: Notification };

function ipv4ToU32(s: string): number {
  const parts = s.split('.');
  if (parts.length !== 4) return 0;
  let v = 0;
  for (const p of parts) {
    const n = Number(p);
    if (!Number.isInteger(n) || n < 0 || n > 255) return 0;
    v = v * 256 + n;
  }
  return v >>> 0;
}

export function bgpIdToU32(id: string): number {
  return ipv4ToU32(id);
}

/** RFC 9234 §4.2 Table 2: the allowed (local, remote) role pairs. */
export function rolesCompatible(local: number, remote: number): boolean {
  switch (local) {
    case BgpRole.PROVIDER: return remote === BgpRole.CUSTOMER;
    case BgpRole.CUSTOMER: return remote === BgpRole.PROVIDER;
    case BgpRole.RS: return remote === BgpRole.RS_CLIENT;
    case BgpRole.RS_CLIENT: return remote === BgpRole.RS;
    case BgpRole.PEER: return remote === BgpRole.PEER;
    default: return false;
  }
}

/**
 * The capabilities the peer must advertise, as our own TLVs (the 2/7 data lists the missing ones).
 * Requiring multiprotocol (1) means every family we offer must be offered back.
 */
function requiredCapabilities(cfg: FsmConfig): Capability[] {
  const ours = localCapabilities(cfg);
  const out: Capability[] = [];
  for (const code of cfg.requiredCapabilities) {
    if (code === 1) {
      for (const c of ours) if (c.kind === 'multiprotocol') out.push(c);
      continue;
    }
    out.push(ours.find((c) => capabilityCode(c) === code) ?? { kind: 'unknown', code, value: new Uint8Array(0) });
  }
  return out;
}

/** Validates the peer's OPEN (wire/open-check.ts, BIRD's order) and negotiates; `minimalOpen` = what our OPEN on this connection was. */
export function checkOpen(open: OpenMessage, cfg: FsmConfig, minimalOpen: boolean): OpenCheckResult {
  const err = checkOpenMessage(open, {
    peerAs: cfg.peerAs,
    localAs: cfg.localAs,
    localBgpId: cfg.localBgpId,
    minHoldTimeSec: cfg.minHoldTimeSec > 0 ? cfg.minHoldTimeSec : undefined,
    requiredCapabilities: requiredCapabilities(cfg),
    localRole: cfg.role,
    strictRole: cfg.strictRole,
    skipRole: minimalOpen,
  });
  if (err !== undefined) return { ok: false, notification: { code: err.notifCode, subcode: err.notifSubcode, data: err.data } };
  return { ok: true, negotiated: negotiate(cfg, open, minimalOpen) };
}
