// The BFD datagram functions of the native addon (packages/bgp/native/udp.c): UDP sockets that send with
// TTL 255 and report each datagram's TTL (RFC 5881 §5 / RFC 5883 §5), source ports in 49152..65535
// (RFC 5881 §4), and a blocking poll() for the BFD process (bfd-process.ts). N-API.

import { createRequire } from 'node:module';

export interface UdpDatagram {
  readonly data: Buffer;
  readonly address: string;
  readonly port: number;
  /** TTL / hop limit the datagram arrived with; -1 if the kernel did not report it. */
  readonly ttl: number;
}

export interface UdpAddon {
  udpSocket(localAddress: string, port: number, ttl: number): { fd: number; port: number };
  udpSend(fd: number, address: string, port: number, data: Buffer): boolean;
  udpRecv(fd: number): UdpDatagram | null;
  pollReadable(fds: readonly number[], timeoutMs: number): number[];
  /** SCHED_RR for the calling thread, else nice −10 for it, else nothing. */
  raiseThreadPriority?(): 'rr' | 'nice' | 'none';
  closeFd(fd: number): void;
}

export class BfdUnavailableError extends Error {
  readonly code = 'ERR_BFD_UNAVAILABLE' as const;
  constructor(why: string) {
    super(`BFD needs the native addon (${why}); run packages/bgp/native/build.sh`);
    this.name = 'BfdUnavailableError';
  }
}

/** Loads the addon (throws BfdUnavailableError when it is missing or too old to have the UDP part). */
export function loadUdpAddon(): UdpAddon {
  if (process.env.VIPD_NATIVE_ADDON === 'off') throw new BfdUnavailableError('disabled by VIPD_NATIVE_ADDON=off');
  let a: Partial<UdpAddon>;
  try {
    a = createRequire(import.meta.url)('../../native/build/sockopt.node') as Partial<UdpAddon>;
  } catch (err) {
    throw new BfdUnavailableError((err as NodeJS.ErrnoException).code ?? 'load failed');
  }
  if (typeof a.udpSocket !== 'function' || typeof a.pollReadable !== 'function') throw new BfdUnavailableError('addon built without udp.c');
  return a as UdpAddon;
}
