// Socket options node:net cannot set (TCP-MD5 RFC 2385, TTL / GTSM RFC 5082), via the small native
// addon in packages/bgp/native. The descriptor is created and configured there, then handed to
// node:net, so every option is in place before the first SYN. If the addon is missing, any peer that
// needs it fails with SockoptUnavailableError: never a silent session without authentication.

import { createRequire } from 'node:module';
import { isIPv4 } from 'node:net';
import net from 'node:net';

interface Addon {
  createTcpSocket(family: 4 | 6): number;
  setMd5Key(fd: number, address: string, key: Buffer | null, prefixLength?: number): void;
  setTtl(fd: number, family: 4 | 6, ttl: number): void;
  setMinTtl(fd: number, family: 4 | 6, minTtl: number): void;
  bindAddress(fd: number, address: string, port: number): void;
  closeFd(fd: number): void;
  tcpAoAvailable(): boolean;
}

export class SockoptUnavailableError extends Error {
  readonly code = 'ERR_SOCKOPT_UNAVAILABLE';
  constructor(why: string) {
    super(`socket options addon unavailable (${why}); run packages/bgp/native/build.sh`);
    this.name = 'SockoptUnavailableError';
  }
}

let addon: Addon | undefined;
let loadError: string | undefined;

function load(): Addon {
  if (addon !== undefined) return addon;
  if (loadError !== undefined) throw new SockoptUnavailableError(loadError);
  // Operators (and tests) can switch the addon off to check that peers needing it refuse to start.
  if (process.env.VIPD_NATIVE_ADDON === 'off') {
    loadError = 'disabled by VIPD_NATIVE_ADDON=off';
    throw new SockoptUnavailableError(loadError);
  }
  try {
    addon = createRequire(import.meta.url)('../../native/build/sockopt.node') as Addon;
    return addon;
  } catch (err) {
    loadError = (err as NodeJS.ErrnoException).code ?? 'load failed';
    throw new SockoptUnavailableError(loadError);
  }
}

/** Whether the addon loads; the daemon checks this at start for peers that need MD5, TTL or GTSM. */
export function sockoptAvailable(): boolean {
  try {
    load();
    return true;
  } catch {
    return false;
  }
}

/**
 * Probes, on a throwaway socket, that the kernel takes what `opts` needs (TCP_MD5SIG, IP_MINTTL…), so a
 * missing kernel option is a startup error rather than a failure at the first connect. Throws the
 * addon's ERR_SOCKOPT error (with errno) when it does not.
 */
export function probeTcpOptions(family: 4 | 6, opts: TcpOptions): void {
  const a = load();
  const fd = a.createTcpSocket(family);
  try {
    configure(a, fd, family, family === 4 ? '127.0.0.1' : '::1', opts);
  } finally {
    a.closeFd(fd);
  }
}

/** RFC 5925 TCP-AO in this kernel (not implemented by vipd yet; reported at start). */
export function tcpAoAvailable(): boolean {
  return load().tcpAoAvailable();
}

export interface TcpOptions {
  /** RFC 2385 key (the password as bytes). */
  readonly md5Key?: Buffer;
  /** Outgoing TTL / hop limit: 255 for GTSM, the hop count for eBGP multihop. */
  readonly ttl?: number;
  /** GTSM receive check: drop segments with a lower TTL (255 - hops + 1). */
  readonly minTtl?: number;
  readonly localAddress?: string;
}

function familyOf(address: string): 4 | 6 {
  return isIPv4(address) ? 4 : 6;
}

function configure(a: Addon, fd: number, family: 4 | 6, peer: string, opts: TcpOptions): void {
  if (opts.md5Key !== undefined) a.setMd5Key(fd, peer, opts.md5Key);
  if (opts.ttl !== undefined) a.setTtl(fd, family, opts.ttl);
  if (opts.minTtl !== undefined) a.setMinTtl(fd, family, opts.minTtl);
}

/**
 * A socket toward `peer` with the options applied, not yet connected: call
 * `socket.connect({ host: peer, port })` on it. Without options, a plain net.Socket (no addon needed).
 */
export function createPeerSocket(peer: string, opts: TcpOptions): net.Socket {
  if (opts.md5Key === undefined && opts.ttl === undefined && opts.minTtl === undefined) return new net.Socket();
  const a = load();
  const family = familyOf(peer);
  const fd = a.createTcpSocket(family);
  try {
    configure(a, fd, family, peer, opts);
    if (opts.localAddress !== undefined) a.bindAddress(fd, opts.localAddress, 0);
  } catch (err) {
    a.closeFd(fd);
    throw err;
  }
  return new net.Socket({ fd, readable: true, writable: true });
}

/** A listening descriptor (bound, not yet listening) whose per-peer MD5 keys can change while it runs. */
export class ListenSocket {
  readonly fd: number;
  readonly family: 4 | 6;
  private readonly a: Addon;
  private readonly peersWithKey = new Set<string>();

  constructor(address: string, port: number) {
    this.a = load();
    this.family = familyOf(address);
    this.fd = this.a.createTcpSocket(this.family);
    try {
      this.a.bindAddress(this.fd, address, port);
    } catch (err) {
      this.a.closeFd(this.fd);
      throw err;
    }
  }

  /** Installs (or with undefined removes) the key for one peer; keys apply to SYNs from then on. */
  setPeerKey(peer: string, key: Buffer | undefined): void {
    if (familyOf(peer) !== this.family) return;
    if (key === undefined) {
      if (this.peersWithKey.delete(peer)) this.a.setMd5Key(this.fd, peer, null);
      return;
    }
    this.a.setMd5Key(this.fd, peer, key);
    this.peersWithKey.add(peer);
  }

  setMinTtl(minTtl: number): void {
    this.a.setMinTtl(this.fd, this.family, minTtl);
  }

  /** Outgoing TTL of the listener (SYN-ACKs) and, by inheritance, of accepted sockets. */
  setTtl(ttl: number): void {
    this.a.setTtl(this.fd, this.family, ttl);
  }

  /** TTL of an accepted socket's descriptor (GTSM peers: 255). */
  static setFdTtl(fd: number, family: 4 | 6, ttl: number): void {
    load().setTtl(fd, family, ttl);
  }

  /** TCP-MD5 key of a connected socket's descriptor (live key rotation). */
  static setFdMd5Key(fd: number, peer: string, key: Buffer): void {
    load().setMd5Key(fd, peer, key);
  }

  /** Minimum TTL of an accepted socket's descriptor (RFC 5082 receive check). */
  static setFdMinTtl(fd: number, family: 4 | 6, minTtl: number): void {
    load().setMinTtl(fd, family, minTtl);
  }

  /** A net.Server listening on this descriptor. */
  listen(server: net.Server, backlog = 64): Promise<void> {
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ fd: this.fd, backlog }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }
}
