// The standalone daemon's session layer on packages/bgp's Session (RFC 4271 §8 FSM, one socket owner)
// and a TCP listener for incoming connections (RFC 4271 §8.2.1.1 passive establishment; unknown
// sources get Cease 6/5, RFC 4486 §4). Translates a peer's YAML settings into the FSM configuration:
// families (RFC 4760), 4-octet AS (RFC 6793), route refresh + enhanced refresh (RFC 2918 / 7313),
// extended next hop (RFC 8950), graceful restart as the restarting speaker (RFC 4724, N bit RFC 8538).
// Transport security (issue 8): TCP-MD5 (RFC 2385) and GTSM (RFC 5082) / multihop TTL through the
// sockopt addon on outgoing sockets and on the listener (per-peer keys before accept); a peer that
// needs them when the addon is missing fails at start (PeerSecurityError). Connect timeouts with MD5
// configured are diagnosed as a likely key mismatch. BFD (RFC 5880/5881/5883) runs in the BFD process;
// a BFD session leaving Up tears the BGP session down with Cease 6/10 (RFC 9384) and restarts it.

import net from 'node:net';
import { rejectConnection } from '@vipd/bgp/reject-connection.ts';
import { Session, normalizeAddress } from '@vipd/bgp/session.ts';
import { linkInfoFromNegotiated } from '@vipd/bgp/speaker-wire.ts';
import { FAMILY_AFI_SAFI } from '@vipd/bgp/speaker-encoder.ts';
import type { FsmConfigInput } from '@vipd/bgp/fsm/types.ts';
import type { BgpMetrics, Logger } from '@vipd/bgp/observe.ts';
import { SecureListener, checkPeerSecurity, createSecureSocket, needsAddon, rekeySocket, type PeerSecurity } from '@vipd/bgp/net/peer-security.ts';
import { BfdCoupling, type BfdBinding } from './bfd-coupling.ts';
import type { PeerConfig } from './config.ts';
import { PeerDetailsTracker } from './peer-details.ts';
import { ConnectDiagnosis, type PeerDiagnosis } from './connect-diagnosis.ts';
import type { ListenerPort, SessionGlobals, SessionHooks, SessionLayer, SessionPort } from './session-layer.ts';

interface RealSessionPort extends SessionPort {
  acceptIncoming(socket: net.Socket): void;
}

export type { PeerDiagnosis } from './connect-diagnosis.ts';

/** Observers for the security / BFD state of sessions (the metrics adapter implements it). */
export interface SecurityObserver {
  connectTimeout(peer: string, md5: boolean): void;
  diagnosis(peer: string, d: PeerDiagnosis): void;
  bfdState(peer: string, state: string): void;
  bfdTransition(peer: string, to: string): void;
  bfdProcessRestart?(): void;
  bfdWatchdogTrip?(): void;
}

export function peerSecurityOf(peer: PeerConfig): PeerSecurity {
  return {
    ...(peer.md5 === undefined ? {} : { md5: peer.md5 }),
    ...(peer.ttlSecurityHops === undefined ? {} : { ttlSecurityHops: peer.ttlSecurityHops }),
    ...(peer.multihopTtl > 1 ? { multihopTtl: peer.multihopTtl } : {}),
  };
}

export function fsmConfigFor(peer: PeerConfig, g: SessionGlobals): FsmConfigInput {
  return {
    localAs: g.localAsn,
    localBgpId: g.routerId,
    peerAs: peer.asn,
    holdTimeSec: peer.holdTimeSec,
    passive: peer.mode === 'passive',
    families: peer.families.map((f) => FAMILY_AFI_SAFI[f]),
    fourOctetAs: peer.fourOctetAs,
    routeRefresh: true,
    enhancedRouteRefresh: true,
    extendedMessage: false,
    extendedNextHop: peer.extendedNextHop && peer.families.includes('ipv4-unicast') ? [{ afi: 1, safi: 1, nextHopAfi: 2 }] : [],
    // Reconnect quickly after a failure; the FSM backs off exponentially with jitter from here.
    connectRetrySec: 3,
    idleHoldSec: 1,
    ...(peer.gracefulRestartTimeSec === undefined
      ? {}
      : {
          gracefulRestart: {
            restartTimeSec: peer.gracefulRestartTimeSec,
            notification: true,
            // VIP routes do not depend on our forwarding state: the router may keep using them while
            // we restart (RFC 4724 §4.2: without the F bit it must drop them at once).
            forwardingPreserved: true,
            restarting: g.restarting,
          },
        }),
  };
}

export interface RealSessionLayerOptions {
  readonly observer?: SecurityObserver;
  /** BFD listen / peer ports (tests on loopback); default 3784 / 4784. */
  readonly bfdPorts?: { readonly listen: number; readonly peer: number };
}

export function realSessionLayer(log: Logger, metrics: BgpMetrics | undefined, opts: RealSessionLayerOptions = {}): SessionLayer {
  const secured = new Map<string, PeerSecurity>();
  let secureListener: SecureListener | undefined;
  let tcpAoReported = false;
  let listening = false;
  const obs = opts.observer;
  // BFD ↔ BGP coupling (bfd-coupling.ts, shared with Kubernetes mode).
  const bfd = new BfdCoupling({ log, ...(obs === undefined ? {} : { observer: obs }), ...(opts.bfdPorts === undefined ? {} : { ports: opts.bfdPorts }) });
  return {
    createSession(peer: PeerConfig, globals: SessionGlobals, hooks: SessionHooks): SessionPort {
      let sec = peerSecurityOf(peer);
      // Connections of this session (outgoing and accepted), for live key rotation.
      const live = new Set<net.Socket>();
      const track = (socket: net.Socket): net.Socket => {
        live.add(socket);
        socket.once('close', () => live.delete(socket));
        return socket;
      };
      // Fails (PeerSecurityError) when the addon is missing for a peer that needs it: never a silent
      // session without authentication.
      const support = checkPeerSecurity([{ address: peer.address, security: sec }]);
      if (!tcpAoReported && support.addon) {
        tcpAoReported = true;
        log.info({ tcpAo: support.tcpAo }, support.tcpAo
          ? 'TCP-AO (RFC 5925) is available in this kernel but not used by vipd yet; TCP-MD5 is used for passwords'
          : 'TCP-AO (RFC 5925) is not available in this kernel; TCP-MD5 (RFC 2385) is used for passwords');
      }
      const useAddon = needsAddon(sec);
      const plog = log.child({ peer: peer.address });
      const details = new PeerDetailsTracker();
      const countedMetrics = details.wrap(metrics);
      const session = new Session({
        peerAddress: peer.address,
        peerPort: peer.port,
        ...(peer.sourceAddress === undefined ? {} : { localAddress: peer.sourceAddress }),
        fsm: fsmConfigFor(peer, globals),
        logger: log,
        ...(countedMetrics === undefined ? {} : { metrics: countedMetrics }),
        ...(useAddon ? { createSocket: () => track(createSecureSocket(peer.address, sec, peer.sourceAddress)) } : {}),
      });
      if (useAddon) {
        secured.set(peer.address, sec);
        secureListener?.setPeer(peer.address, sec);
        if (secureListener === undefined && listening) {
          plog.warn({}, 'peer with TCP-MD5 / GTSM added while the listener has no key support: only outgoing connections will work until restart');
        }
        plog.info({ md5: sec.md5 !== undefined, ttlSecurityHops: sec.ttlSecurityHops ?? null, multihopTtl: sec.multihopTtl ?? null }, 'transport security configured');
      }
      // MD5 diagnosis: mismatched keys drop SYNs silently, so a connect timeout is the only symptom.
      const diag = new ConnectDiagnosis({ peer: peer.address, session, hasMd5: () => sec.md5 !== undefined, ...(obs === undefined ? {} : { observer: obs }), log: plog });

      // BfdUnavailableError here, at start, when the addon is missing. A BFD session leaving Up closes
      // the BGP session with Cease 6/10 and restarts it (bfd-coupling.ts).
      const bfdLink: BfdBinding | undefined = peer.bfd === undefined
        ? undefined
        : bfd.bind({ peerAddress: peer.address, session, bfd: peer.bfd, maxHops: peer.ttlSecurityHops ?? peer.multihopTtl, log: plog });
      const startBfd = (localAddress: string) => bfdLink?.start(localAddress);
      if (peer.sourceAddress !== undefined) startBfd(peer.sourceAddress);
      details.attach(session);
      session.on('established', (info) => {
        diag.clear();
        startBfd(normalizeAddress(info.localAddress));
        hooks.established(linkInfoFromNegotiated(info.negotiated, info.localAddress), {
          write: (msgs) => session.sendChunks(msgs),
        });
      });
      session.on('down', () => hooks.down());
      session.on('routeRefresh', (r) => hooks.routeRefresh(r.afi, r.safi, r.subtype));
      const release = () => {
        diag.stop();
        if (secured.get(peer.address) === sec) {
          secured.delete(peer.address);
          secureListener?.removePeer(peer.address);
        }
        bfdLink?.release();
      };
      const port: RealSessionPort = {
        peer: peer.address,
        start: () => session.start(),
        async stop(subcode, message) {
          release();
          await session.stop({ subcode, ...(message === undefined ? {} : { message }) });
          session.removeAllListeners();
        },
        async abort() {
          release();
          await session.stop({ graceful: true });
          session.removeAllListeners();
        },
        state: () => session.state,
        diagnosis: () => diag.value,
        details: () => details.snapshot(session.state === 'Established'),
        bfdState: () => bfdLink?.state() ?? null,
        rekey(next) {
          // Only a key → key change is live; adding or removing MD5 (or TTL changes) restarts the peer.
          if (sec.md5 === undefined || next.md5 === undefined || next.ttlSecurityHops !== peer.ttlSecurityHops || next.multihopTtl !== peer.multihopTtl) return false;
          sec = { ...sec, md5: next.md5 };
          secured.set(peer.address, sec);
          secureListener?.setPeer(peer.address, sec);
          let n = 0;
          for (const s of live) if (rekeySocket(s, peer.address, next.md5)) n++;
          plog.info({ liveConnections: n }, 'TCP-MD5 key replaced on the live connection(s) and the listener; the session stays up if the peer switches within the hold time');
          return true;
        },
        acceptIncoming: (socket) => session.acceptIncoming(useAddon ? track(socket) : socket),
      };
      return port;
    },

    async listen(address, port, lookup): Promise<ListenerPort> {
      const onSocket = (socket: net.Socket) => {
        const target = lookup(socket.remoteAddress ?? '') as RealSessionPort | undefined;
        if (target === undefined) {
          log.info({ remote: socket.remoteAddress }, 'connection from an unknown address refused (Cease 6/5)');
          rejectConnection(socket);
          return;
        }
        target.acceptIncoming(socket);
      };
      listening = true;
      if (secured.size > 0) {
        // Keys must be on the listening socket before the peer's SYN arrives (RFC 2385 §2 covers the SYN).
        const sl = new SecureListener(address, port, onSocket);
        for (const [p, sec] of secured) sl.setPeer(p, sec);
        await sl.listen();
        secureListener = sl;
        log.info({ address, port, securedPeers: secured.size }, 'listening for BGP connections (per-peer TCP-MD5 / GTSM)');
        return {
          close: async () => {
            secureListener = undefined;
            listening = false;
            await sl.close();
          },
        };
      }
      const server = net.createServer({ noDelay: true }, onSocket);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: address, port, ...(address === '::' ? { ipv6Only: false } : {}) }, () => {
          server.off('error', reject);
          resolve();
        });
      });
      log.info({ address, port }, 'listening for BGP connections');
      return {
        // Stop accepting; connections already handed to sessions close with their sessions.
        close: async () => {
          listening = false;
          server.close();
        },
      };
    },

    async close(): Promise<void> {
      await bfd.close();
    },

    bfdProcess: () => bfd.processInfo(),
  };
}
