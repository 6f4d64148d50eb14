// BFD Control packet codec (RFC 5880 §4.1 generic format, §4.2–4.4 authentication sections kept as raw
// bytes). Pure: no sockets, timers or logging. The checks of RFC 5880 §6.8.6 that need no session state
// are done here and raise a typed BfdPacketError; the rest (discriminator lookup, state) is fsm.ts's job.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// |Vers |  Diag   |Sta|P|F|C|A|D|M|  Detect Mult  |    Length     |
// |                       My Discriminator                        |
// |                      Your Discriminator                       |
// |                    Desired Min TX Interval                    |
// |                   Required Min RX Interval                    |
// |                 Required Min Echo RX Interval                 |
// |   Auth Type   |   Auth Len    |    Authentication Data...     |

export const BFD_VERSION = 1;
/** Mandatory section length (RFC 5880 §4.1). */
export const BFD_HEADER_LEN = 24;

export const BfdState = { AdminDown: 0, Down: 1, Init: 2, Up: 3 } as const;
export type BfdStateName = keyof typeof BfdState;
export const BFD_STATE_NAMES: readonly BfdStateName[] = ['AdminDown', 'Down', 'Init', 'Up'];

/** RFC 5880 §4.1 diagnostic codes. */
export const BfdDiag = {
  NONE: 0,
  CONTROL_DETECTION_EXPIRED: 1,
  ECHO_FAILED: 2,
  NEIGHBOR_DOWN: 3,
  FORWARDING_RESET: 4,
  PATH_DOWN: 5,
  CONCATENATED_PATH_DOWN: 6,
  ADMIN_DOWN: 7,
  REVERSE_CONCATENATED_PATH_DOWN: 8,
} as const;

export interface BfdAuth {
  readonly type: number;
  /** The section after Auth Type and Auth Len. */
  readonly data: Uint8Array;
}

export interface BfdPacket {
  readonly diag: number;
  readonly state: BfdStateName;
  readonly poll: boolean;
  readonly final: boolean;
  readonly cpiIndependent: boolean;
  readonly demand: boolean;
  readonly multipoint: boolean;
  readonly detectMult: number;
  readonly myDiscriminator: number;
  readonly yourDiscriminator: number;
  /** Microseconds (RFC 5880 §4.1). */
  readonly desiredMinTxUs: number;
  readonly requiredMinRxUs: number;
  readonly requiredMinEchoRxUs: number;
  readonly auth?: BfdAuth;
}

export type BfdPacketErrorReason =
  | 'short' // fewer bytes than the mandatory section (or the Length field)
  | 'version' // §6.8.6: version is not 1
  | 'length' // §6.8.6: Length below 24 (26 with A), or larger than the payload
  | 'detect-mult' // §6.8.6: Detect Mult is zero
  | 'multipoint' // §6.8.6: M bit set
  | 'my-discriminator' // §6.8.6: My Discriminator is zero
  | 'auth-length'; // §4.2: Auth Len inconsistent with Length

export class BfdPacketError extends Error {
  readonly code = 'ERR_BFD_PACKET' as const;
  readonly reason: BfdPacketErrorReason;
  constructor(reason: BfdPacketErrorReason, detail: string) {
    super(`invalid BFD control packet (${reason}): ${detail}`);
    this.name = 'BfdPacketError';
    this.reason = reason;
  }
}

/** Decodes one BFD Control packet (a whole UDP payload). Throws BfdPacketError. */
export function decodeBfdPacket(buf: Uint8Array): BfdPacket {
  if (buf.length < BFD_HEADER_LEN) throw new BfdPacketError('short', `${buf.length} bytes`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const b0 = buf[0]!;
  const b1 = buf[1]!;
  const version = b0 >> 5;
  // RFC 5880 §6.8.6: "If the version number is not correct (1), the packet MUST be discarded."
  if (version !== BFD_VERSION) throw new BfdPacketError('version', String(version));
  const hasAuth = (b1 & 0x04) !== 0;
  const length = buf[3]!;
  // §6.8.6: Length less than the minimum (24 without, 26 with the A bit) MUST be discarded.
  if (length < (hasAuth ? BFD_HEADER_LEN + 2 : BFD_HEADER_LEN)) throw new BfdPacketError('length', `Length ${length}`);
  // §6.8.6: "If the Length field is greater than the payload of the encapsulating protocol ... discarded."
  if (length > buf.length) throw new BfdPacketError('length', `Length ${length} > payload ${buf.length}`);
  const detectMult = buf[2]!;
  // §6.8.6: "If the Detect Mult field is zero, the packet MUST be discarded."
  if (detectMult === 0) throw new BfdPacketError('detect-mult', '0');
  // §6.8.6: "If the Multipoint (M) bit is nonzero, the packet MUST be discarded."
  if ((b1 & 0x01) !== 0) throw new BfdPacketError('multipoint', 'M bit set');
  const myDiscriminator = dv.getUint32(4);
  // §6.8.6: "If the My Discriminator field is zero, the packet MUST be discarded."
  if (myDiscriminator === 0) throw new BfdPacketError('my-discriminator', '0');
  let auth: BfdAuth | undefined;
  if (hasAuth) {
    const authLen = buf[BFD_HEADER_LEN + 1]!;
    // §4.2: Auth Len covers the type and length octets too; the section ends at Length.
    if (authLen < 2 || BFD_HEADER_LEN + authLen !== length) throw new BfdPacketError('auth-length', `Auth Len ${authLen}, Length ${length}`);
    auth = { type: buf[BFD_HEADER_LEN]!, data: buf.slice(BFD_HEADER_LEN + 2, BFD_HEADER_LEN + authLen) };
  }
  return {
    diag: b0 & 0x1f,
    state: BFD_STATE_NAMES[b1 >> 6]!,
    poll: (b1 & 0x20) !== 0,
    final: (b1 & 0x10) !== 0,
    cpiIndependent: (b1 & 0x08) !== 0,
    demand: (b1 & 0x02) !== 0,
    multipoint: false,
    detectMult,
    myDiscriminator,
    yourDiscriminator: dv.getUint32(8),
    desiredMinTxUs: dv.getUint32(12),
    requiredMinRxUs: dv.getUint32(16),
    requiredMinEchoRxUs: dv.getUint32(20),
    ...(auth === undefined ? {} : { auth }),
  };
}

/** Encodes a BFD Control packet. Values are masked to their field widths by the caller's contract. */
export function encodeBfdPacket(p: BfdPacket): Uint8Array {
  const authLen = p.auth === undefined ? 0 : p.auth.data.length + 2;
  const len = BFD_HEADER_LEN + authLen;
  const buf = new Uint8Array(len);
  const dv = new DataView(buf.buffer);
  buf[0] = (BFD_VERSION << 5) | (p.diag & 0x1f);
  buf[1] =
    (BfdState[p.state] << 6) |
    (p.poll ? 0x20 : 0) |
    (p.final ? 0x10 : 0) |
    (p.cpiIndependent ? 0x08 : 0) |
    (p.auth !== undefined ? 0x04 : 0) |
    (p.demand ? 0x02 : 0) |
    (p.multipoint ? 0x01 : 0);
  buf[2] = p.detectMult & 0xff;
  buf[3] = len;
  dv.setUint32(4, p.myDiscriminator >>> 0);
  dv.setUint32(8, p.yourDiscriminator >>> 0);
  dv.setUint32(12, p.desiredMinTxUs >>> 0);
  dv.setUint32(16, p.requiredMinRxUs >>> 0);
  dv.setUint32(20, p.requiredMinEchoRxUs >>> 0);
  if (p.auth !== undefined) {
    buf[BFD_HEADER_LEN] = p.auth.type;
    buf[BFD_HEADER_LEN + 1] = authLen;
    buf.set(p.auth.data, BFD_HEADER_LEN + 2);
  }
  return buf;
}
