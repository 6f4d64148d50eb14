// BGP capabilities (RFC 5492 §4): decode and encode of the capability TLVs found in OPEN optional
// parameters of type 2. One table row per capability code: decode (value bytes → Capability) and
// encode (Capability → value bytes).
//
// Malformed capabilities: RFC 5492 names no error for a TLV whose length is wrong or overruns its
// parameter; RFC 4271 §6.2 says a recognized optional parameter that is malformed gets OPEN Message
// Error / 0 (Unspecific). BIRD does the same (proto/bgp/packets.c, bgp_read_capabilities: every length
// check `goto err` → bgp_error(conn, 2, 0)), so framing errors and bad lengths of the capabilities we
// act on (1, 2, 5, 6, 9, 64, 65, 69, 70) raise 2/0. LLGR (71) and FQDN (73) are informational for vipd:
// a malformed one is kept as an `unknown` capability instead of resetting the session.

import { CapabilityCode, NotificationCode } from './constants.ts';
import { BgpEncodeError, BgpNotificationError } from './errors.ts';
import type { Capability } from './types.ts';
import { Writer } from './writer.ts';

const UTF8 = new TextDecoder('utf-8', { fatal: true });
const UTF8_ENCODER = new TextEncoder();

/** OPEN Message Error / Unspecific (RFC 4271 §6.2): a recognized optional parameter is malformed. */
export function malformedOpen(detail: string): BgpNotificationError {
  return new BgpNotificationError(NotificationCode.OPEN_MESSAGE_ERROR, 0, new Uint8Array(0), detail);
}

function u16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) >>> 0) + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!);
}

/** Decodes one capability value `v` with code `code`. */
export function decodeCapability(code: number, v: Uint8Array): Capability {
  const n = v.length;
  switch (code) {
    case CapabilityCode.MULTIPROTOCOL: // RFC 4760 §8: AFI(2) Reserved(1) SAFI(1); reserved ignored on receipt
      if (n !== 4) throw malformedOpen('multiprotocol capability length');
      return { kind: 'multiprotocol', afi: u16(v, 0), safi: v[3]! };
    case CapabilityCode.ROUTE_REFRESH: // RFC 2918 §2: length 0
      if (n !== 0) throw malformedOpen('route refresh capability length');
      return { kind: 'route-refresh' };
    case CapabilityCode.EXTENDED_NEXT_HOP: {
      // RFC 8950 §3: tuples of NLRI AFI(2), NLRI SAFI(2), Next Hop AFI(2)
      if (n % 6 !== 0) throw malformedOpen('extended next hop capability length');
      const entries = [];
      for (let o = 0; o < n; o += 6) entries.push({ afi: u16(v, o), safi: u16(v, o + 2), nextHopAfi: u16(v, o + 4) });
      return { kind: 'extended-next-hop', entries };
    }
    case CapabilityCode.EXTENDED_MESSAGE: // RFC 8654 §3: length 0
      if (n !== 0) throw malformedOpen('extended message capability length');
      return { kind: 'extended-message' };
    case CapabilityCode.ROLE: // RFC 9234 §4.1: length 1
      if (n !== 1) throw malformedOpen('role capability length');
      return { kind: 'role', role: v[0]! };
    case CapabilityCode.GRACEFUL_RESTART: {
      // RFC 4724 §3: flags(4 bits: R, N per RFC 8538) + restart time(12 bits), then AFI(2) SAFI(1) flags(1)
      if (n < 2 || (n - 2) % 4 !== 0) throw malformedOpen('graceful restart capability length');
      const families = [];
      for (let o = 2; o < n; o += 4) {
        families.push({ afi: u16(v, o), safi: v[o + 2]!, forwardingPreserved: (v[o + 3]! & 0x80) !== 0 });
      }
      return {
        kind: 'graceful-restart',
        restartState: (v[0]! & 0x80) !== 0,
        notification: (v[0]! & 0x40) !== 0,
        restartTimeSec: u16(v, 0) & 0x0fff,
        families,
      };
    }
    case CapabilityCode.FOUR_OCTET_AS: // RFC 6793 §3: length 4
      if (n !== 4) throw malformedOpen('four-octet AS capability length');
      return { kind: 'four-octet-as', asn: u32(v, 0) };
    case CapabilityCode.ADD_PATH: {
      // RFC 7911 §4: AFI(2) SAFI(1) Send/Receive(1); values other than 1..3 are left for the session to ignore
      if (n % 4 !== 0) throw malformedOpen('add-path capability length');
      const entries = [];
      for (let o = 0; o < n; o += 4) entries.push({ afi: u16(v, o), safi: v[o + 2]!, sendReceive: v[o + 3]! });
      return { kind: 'add-path', entries };
    }
    case CapabilityCode.ENHANCED_ROUTE_REFRESH: // RFC 7313 §3: length 0
      if (n !== 0) throw malformedOpen('enhanced route refresh capability length');
      return { kind: 'enhanced-route-refresh' };
    case CapabilityCode.LLGR: {
      // RFC 9494 §3: AFI(2) SAFI(1) flags(1, F = 0x80) long-lived stale time(3)
      if (n % 7 !== 0) return { kind: 'unknown', code, value: new Uint8Array(v) };
      const entries = [];
      for (let o = 0; o < n; o += 7) {
        entries.push({
          afi: u16(v, o),
          safi: v[o + 2]!,
          forwardingPreserved: (v[o + 3]! & 0x80) !== 0,
          staleTimeSec: (v[o + 4]! << 16) | (v[o + 5]! << 8) | v[o + 6]!,
        });
      }
      return { kind: 'llgr', entries };
    }
    case CapabilityCode.FQDN: {
      // draft-walton-bgp-hostname-capability §3: hostname len(1) hostname, domain len(1) domain
      const fqdn = decodeFqdn(v);
      return fqdn ?? { kind: 'unknown', code, value: new Uint8Array(v) };
    }
    default:
      // RFC 5492 §4: capabilities we do not know are kept (and ignored by the session). Raw values
      // are copied (new Uint8Array, not Buffer#slice, which is a view) so a stored OPEN does not pin
      // the socket chunk it arrived in.
      return { kind: 'unknown', code, value: new Uint8Array(v) };
  }
}

function decodeFqdn(v: Uint8Array): Capability | undefined {
  if (v.length < 2) return undefined;
  const hl = v[0]!;
  if (1 + hl + 1 > v.length) return undefined;
  const dl = v[1 + hl]!;
  if (2 + hl + dl !== v.length) return undefined;
  try {
    return { kind: 'fqdn', hostname: UTF8.decode(v.subarray(1, 1 + hl)), domain: UTF8.decode(v.subarray(2 + hl)) };
  } catch {
    return undefined;
  }
}

/**
 * Decodes the capability TLVs of one capabilities optional parameter value, appending to `out`.
 * RFC 5492 §4: a parameter may carry several capabilities (and Junos sends one per parameter).
 */
export function decodeCapabilities(v: Uint8Array, out: Capability[]): void {
  let o = 0;
  while (o < v.length) {
    if (o + 2 > v.length) throw malformedOpen('truncated capability header');
    const code = v[o]!;
    const len = v[o + 1]!;
    if (o + 2 + len > v.length) throw malformedOpen('capability overruns its parameter');
    out.push(decodeCapability(code, v.subarray(o + 2, o + 2 + len)));
    o += 2 + len;
  }
}

function u8Checked(w: Writer, v: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new BgpEncodeError(`${what} out of range: ${v}`);
  w.u8(v);
}

function u16Checked(w: Writer, v: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new BgpEncodeError(`${what} out of range: ${v}`);
  w.u16(v);
}

/** The capability code of a model. */
export function capabilityCode(c: Capability): number {
  switch (c.kind) {
    case 'multiprotocol': return CapabilityCode.MULTIPROTOCOL;
    case 'route-refresh': return CapabilityCode.ROUTE_REFRESH;
    case 'extended-next-hop': return CapabilityCode.EXTENDED_NEXT_HOP;
    case 'extended-message': return CapabilityCode.EXTENDED_MESSAGE;
    case 'role': return CapabilityCode.ROLE;
    case 'graceful-restart': return CapabilityCode.GRACEFUL_RESTART;
    case 'four-octet-as': return CapabilityCode.FOUR_OCTET_AS;
    case 'add-path': return CapabilityCode.ADD_PATH;
    case 'enhanced-route-refresh': return CapabilityCode.ENHANCED_ROUTE_REFRESH;
    case 'llgr': return CapabilityCode.LLGR;
    case 'fqdn': return CapabilityCode.FQDN;
    case 'unknown': return c.code;
  }
}

/** Writes one capability TLV (code, length, value). The value must fit the 1-octet length. */
export function encodeCapability(w: Writer, c: Capability): void {
  u8Checked(w, capabilityCode(c), 'capability code');
  const lenAt = w.mark();
  w.u8(0);
  const start = w.pos;
  switch (c.kind) {
    case 'multiprotocol':
      u16Checked(w, c.afi, 'AFI');
      w.u8(0);
      u8Checked(w, c.safi, 'SAFI');
      break;
    case 'route-refresh':
    case 'extended-message':
    case 'enhanced-route-refresh':
      break;
    case 'extended-next-hop':
      for (const e of c.entries) {
        u16Checked(w, e.afi, 'AFI');
        u16Checked(w, e.safi, 'SAFI');
        u16Checked(w, e.nextHopAfi, 'next hop AFI');
      }
      break;
    case 'role':
      u8Checked(w, c.role, 'role');
      break;
    case 'graceful-restart': {
      if (!Number.isInteger(c.restartTimeSec) || c.restartTimeSec < 0 || c.restartTimeSec > 0x0fff) {
        throw new BgpEncodeError(`restart time out of range: ${c.restartTimeSec}`);
      }
      w.u16((c.restartState ? 0x8000 : 0) | (c.notification ? 0x4000 : 0) | c.restartTimeSec);
      for (const f of c.families) {
        u16Checked(w, f.afi, 'AFI');
        u8Checked(w, f.safi, 'SAFI');
        w.u8(f.forwardingPreserved ? 0x80 : 0);
      }
      break;
    }
    case 'four-octet-as':
      if (!Number.isInteger(c.asn) || c.asn < 0 || c.asn > 0xffffffff) throw new BgpEncodeError(`ASN out of range: ${c.asn}`);
      w.u32(c.asn);
      break;
    case 'add-path':
      for (const e of c.entries) {
        u16Checked(w, e.afi, 'AFI');
        u8Checked(w, e.safi, 'SAFI');
        u8Checked(w, e.sendReceive, 'send/receive');
      }
      break;
    case 'llgr':
      for (const e of c.entries) {
        u16Checked(w, e.afi, 'AFI');
        u8Checked(w, e.safi, 'SAFI');
        w.u8(e.forwardingPreserved ? 0x80 : 0);
        if (!Number.isInteger(e.staleTimeSec) || e.staleTimeSec < 0 || e.staleTimeSec > 0xffffff) {
          throw new BgpEncodeError(`stale time out of range: ${e.staleTimeSec}`);
        }
        w.u8(e.staleTimeSec >>> 16).u16(e.staleTimeSec & 0xffff);
      }
      break;
    case 'fqdn': {
      const host = UTF8_ENCODER.encode(c.hostname);
      const domain = UTF8_ENCODER.encode(c.domain);
      if (host.length > 0xff || domain.length > 0xff) throw new BgpEncodeError('FQDN hostname or domain longer than 255 bytes');
      w.u8(host.length).bytes(host).u8(domain.length).bytes(domain);
      break;
    }
    case 'unknown':
      w.bytes(c.value);
      break;
  }
  const len = w.pos - start;
  if (len > 0xff) throw new BgpEncodeError(`capability ${capabilityCode(c)} value longer than 255 bytes`);
  w.patchU8(lenAt, len);
}
