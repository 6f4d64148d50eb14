// Per-peer transport security for BGP sessions, on top of the sockopt addon (sockopt.ts):
//   - TCP-MD5 (RFC 2385) keys held in Md5Secret (never printed: JSON and util.inspect show a
//     per-process fingerprint, so config diffs still see a changed key but logs never see the key);
//   - GTSM (RFC 5082 §3): TTL 255 on send, minimum TTL 256 − hops on receive; eBGP multihop TTL;
//   - SecureListener: listening sockets with per-peer MD5 keys installed before accept (both families
//     for "::"), TTL 255 on the listener when any peer uses GTSM (so SYN-ACKs pass the peer's check),
//     and the peer's own TTL / minimum TTL applied to each accepted socket;
//   - checkPeerSecurity(): the startup check — a peer that needs the addon or a kernel option fails
//     with a typed error, never a silent session without authentication. TCP-AO (RFC 5925) is probed
//     and reported, not used.
// Used by the standalone daemon (packages/controller/src/standalone) and meant for the Kubernetes
// daemon too (BGPPeer passwordSecretRef → Md5Secret.fromString(secret value)).

import { createHmac, randomBytes } from 'node:crypto';
import net from 'node:net';
import { inspect } from 'node:util';
import { ListenSocket, SockoptUnavailableError, createPeerSocket, probeTcpOptions, sockoptAvailable, tcpAoAvailable, type TcpOptions } from './sockopt.ts';

const FINGERPRINT_KEY = randomBytes(32);

/** A TCP-MD5 key. The bytes are reachable only through bytes(); every printed form is redacted. */
export class Md5Secret {
  readonly #key: Buffer;
  /** HMAC with a random per-process key: equal keys compare equal within this process only. */
  readonly fingerprint: string;

  private constructor(key: Buffer) {
    this.#key = key;
    this.fingerprint = createHmac('sha256', FINGERPRINT_KEY).update(key).digest('hex').slice(0, 12);
  }

  /** RFC 2385 keys are at most 80 bytes (Linux TCP_MD5SIG_MAXKEYLEN). */
  static fromBytes(key: Uint8Array): Md5Secret {
    if (key.length === 0 || key.length > 80) throw new PeerSecurityError('ERR_MD5_KEY', 'a TCP-MD5 key must be 1..80 bytes');
    return new Md5Secret(Buffer.from(key));
  }

  /** A password as routers take it (UTF-8). A secret file's single trailing newline is not part of it. */
  static fromString(password: string): Md5Secret {
    return Md5Secret.fromBytes(Buffer.from(password.replace(/\r?\n$/, ''), 'utf8'));
  }

  bytes(): Buffer {
    return Buffer.from(this.#key);
  }

  equals(other: Md5Secret | undefined): boolean {
    return other !== undefined && other.fingerprint === this.fingerprint;
  }

  toJSON(): string {
    return `[redacted md5 key ${this.fingerprint}]`;
  }

  toString(): string {
    return this.toJSON();
  }

  [inspect.custom](): string {
    return this.toJSON();
  }
}

export type PeerSecurityErrorCode = 'ERR_MD5_KEY' | 'ERR_PEER_SECURITY_UNAVAILABLE' | 'ERR_PEER_SECURITY_CONFIG';

export class PeerSecurityError extends Error {
  readonly code: PeerSecurityErrorCode;
  readonly peers: readonly string[];
  constructor(code: PeerSecurityErrorCode, message: string, peers: readonly string[] = []) {
    super(message);
    this.name = 'PeerSecurityError';
    this.code = code;
    this.peers = peers;
  }
}

export interface PeerSecurity {
  readonly md5?: Md5Secret;
  /** GTSM (RFC 5082): the peer is at most this many hops away (1 = directly connected). */
  readonly ttlSecurityHops?: number;
  /** eBGP multihop: outgoing TTL (ignored with GTSM, which always sends 255). */
  readonly multihopTtl?: number;
}

/** Socket options for one peer: what createPeerSocket and accepted sockets get. */
export function tcpOptionsFor(sec: PeerSecurity, localAddress?: string): TcpOptions {
  const gtsm = sec.ttlSecurityHops !== undefined;
  const ttl = gtsm ? 255 : sec.multihopTtl !== undefined && sec.multihopTtl > 1 ? sec.multihopTtl : undefined;
  return {
    ...(sec.md5 === undefined ? {} : { md5Key: sec.md5.bytes() }),
    ...(ttl === undefined ? {} : { ttl }),
    // RFC 5082 §3: accept only segments with TTL ≥ 255 − (hops − 1).
    ...(gtsm ? { minTtl: 256 - sec.ttlSecurityHops! } : {}),
    ...(localAddress === undefined ? {} : { localAddress }),
  };
}

export function needsAddon(sec: PeerSecurity): boolean {
  return sec.md5 !== undefined || sec.ttlSecurityHops !== undefined || (sec.multihopTtl ?? 1) > 1;
}

export interface SecuritySupport {
  readonly addon: boolean;
  /** RFC 5925 TCP-AO in this kernel; vipd does not use it yet. */
  readonly tcpAo: boolean;
}

/**
 * The startup check. Throws PeerSecurityError (ERR_PEER_SECURITY_UNAVAILABLE) naming every peer that
 * needs MD5 / GTSM / a multihop TTL when the addon is missing; returns what is available otherwise.
 */
export function checkPeerSecurity(peers: readonly { address: string; security: PeerSecurity }[]): SecuritySupport {
  const addon = sockoptAvailable();
  const needy = peers.filter((p) => needsAddon(p.security)).map((p) => p.address);
  if (!addon && needy.length > 0) {
    throw new PeerSecurityError(
      'ERR_PEER_SECURITY_UNAVAILABLE',
      `peers ${needy.join(', ')} need TCP-MD5 / TTL options but the native addon did not load (run packages/bgp/native/build.sh); refusing to start them without`,
      needy,
    );
  }
  // The kernel must take the options too (CONFIG_TCP_MD5SIG, IP_MINTTL): probe each peer's set once.
  const failed: string[] = [];
  for (const p of peers) {
    if (!needsAddon(p.security)) continue;
    try {
      probeTcpOptions(net.isIPv4(p.address) ? 4 : 6, tcpOptionsFor(p.security));
    } catch {
      failed.push(p.address);
    }
  }
  if (failed.length > 0) {
    throw new PeerSecurityError(
      'ERR_PEER_SECURITY_UNAVAILABLE',
      `the kernel refused the TCP-MD5 / TTL options of peers ${failed.join(', ')}; refusing to start them without`,
      failed,
    );
  }
  return { addon, tcpAo: addon ? tcpAoAvailable() : false };
}

/** An outgoing socket for the Session's createSocket option (options set before the first SYN). */
export function createSecureSocket(peer: string, sec: PeerSecurity, localAddress?: string): net.Socket {
  if (!needsAddon(sec)) return new net.Socket();
  if (!sockoptAvailable()) throw new SockoptUnavailableError('not loaded');
  return createPeerSocket(peer, tcpOptionsFor(sec, localAddress));
}

/** The descriptor under a net.Socket (Linux TCP wrap); undefined when Node does not expose one. */
function socketFd(socket: net.Socket): number | undefined {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

/**
 * Replaces the TCP-MD5 key of a live connection (RFC 2385 has one key per connection; Linux lets it
 * change at any time). Segments signed with the old key are dropped silently by the other side until
 * it switches too; TCP retransmits them, so the connection survives if both sides switch within the
 * BGP hold time. Returns false when Node does not expose the descriptor.
 */
export function rekeySocket(socket: net.Socket, peer: string, md5: Md5Secret): boolean {
  const fd = socketFd(socket);
  if (fd === undefined || socket.destroyed) return false;
  ListenSocket.setFdMd5Key(fd, peer, md5.bytes());
  return true;
}

/**
 * Listening sockets (one per family; "::" → 0.0.0.0 and :: v6-only) with per-peer MD5 keys. Keys can be
 * set and removed while listening: they apply to SYNs from then on.
 */
export class SecureListener {
  private readonly sockets: ListenSocket[] = [];
  private readonly servers: net.Server[] = [];
  private readonly peers = new Map<string, PeerSecurity>();

  private readonly address: string;
  private readonly port: number;
  private readonly onSocket: (socket: net.Socket) => void;

  constructor(address: string, port: number, onSocket: (socket: net.Socket) => void) {
    this.address = address;
    this.port = port;
    this.onSocket = onSocket;
  }

  setPeer(peer: string, sec: PeerSecurity): void {
    this.peers.set(peer, sec);
    for (const s of this.sockets) s.setPeerKey(peer, sec.md5?.bytes());
    if (sec.ttlSecurityHops !== undefined) for (const s of this.sockets) s.setTtl(255);
  }

  removePeer(peer: string): void {
    this.peers.delete(peer);
    for (const s of this.sockets) s.setPeerKey(peer, undefined);
  }

  async listen(): Promise<void> {
    const addrs = this.address === '::' ? ['0.0.0.0', '::'] : this.address === '0.0.0.0' ? ['0.0.0.0'] : [this.address];
    const gtsm = [...this.peers.values()].some((p) => p.ttlSecurityHops !== undefined);
    for (const a of addrs) {
      const ls = new ListenSocket(a, this.port);
      this.sockets.push(ls);
      for (const [peer, sec] of this.peers) if (sec.md5 !== undefined) ls.setPeerKey(peer, sec.md5.bytes());
      if (gtsm) ls.setTtl(255);
      const server = net.createServer({ noDelay: true }, (socket) => {
        this.applyAccepted(socket);
        this.onSocket(socket);
      });
      this.servers.push(server);
      await ls.listen(server);
    }
  }

  private applyAccepted(socket: net.Socket): void {
    const remote = (socket.remoteAddress ?? '').replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1').toLowerCase();
    const sec = this.peers.get(remote);
    const fd = socketFd(socket);
    if (sec === undefined || fd === undefined) return;
    const o = tcpOptionsFor(sec);
    const family = net.isIPv4(remote) ? 4 : 6;
    // The accepted socket inherited the listener's TTL; the peer's own GTSM floor applies from here on.
    if (o.ttl !== undefined) ListenSocket.setFdTtl(fd, family, o.ttl);
    if (o.minTtl !== undefined) ListenSocket.setFdMinTtl(fd, family, o.minTtl);
  }

  async close(): Promise<void> {
    await Promise.all(this.servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
}
