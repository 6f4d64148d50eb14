// The standalone daemon's session layer on packages/bgp's Session (RFC 4271 §8 FSM, one socket owner)
// and a TCP listener for incoming connections (RFC 4271 §8.2.1.1 passive establishment; unknown
// sources get Cease 6/5, RFC 4486 §4). Translates a peer's YAML settings into the FSM configuration:
// families (RFC 4760), 4-octet AS (RFC 6793), route refresh + enhanced refresh (RFC 2918 / 7313),
// extended next hop (RFC 8950), graceful restart as the restarting speaker (RFC 4724, N bit RFC 8538).

import net from 'node:net';
import { Session, rejectConnection } from '../../../bgp/src/session.ts';
import { linkInfoFromNegotiated } from '../../../bgp/src/speaker-wire.ts';
import { FAMILY_AFI_SAFI } from '../../../bgp/src/speaker-encoder.ts';
import type { FsmConfigInput } from '../../../bgp/src/fsm/types.ts';
import type { BgpMetrics, Logger } from '../../../bgp/src/observe.ts';
import type { PeerConfig } from './config.ts';
import type { ListenerPort, SessionGlobals, SessionHooks, SessionLayer, SessionPort } from './session-layer.ts';

interface RealSessionPort extends SessionPort {
  acceptIncoming(socket: net.Socket): void;
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

export function realSessionLayer(log: Logger, metrics: BgpMetrics | undefined): SessionLayer {
  return {
    createSession(peer: PeerConfig, globals: SessionGlobals, hooks: SessionHooks): SessionPort {
      const session = new Session({
        peerAddress: peer.address,
        peerPort: peer.port,
        ...(peer.sourceAddress === undefined ? {} : { localAddress: peer.sourceAddress }),
        fsm: fsmConfigFor(peer, globals),
        logger: log,
        ...(metrics === undefined ? {} : { metrics }),
      });
      if (peer.multihopTtl > 1) {
        log.info({ peer: peer.address, multihopTtl: peer.multihopTtl }, 'eBGP multihop: the OS default TTL (64) is used');
      }
      session.on('established', (info) => {
        hooks.established(linkInfoFromNegotiated(info.negotiated, info.localAddress), {
          write: (msgs) => session.sendChunks(msgs),
        });
      });
      session.on('down', () => hooks.down());
      session.on('routeRefresh', (r) => hooks.routeRefresh(r.afi, r.safi, r.subtype));
      const port: RealSessionPort = {
        peer: peer.address,
        start: () => session.start(),
        async stop(subcode, message) {
          await session.stop({ subcode, ...(message === undefined ? {} : { message }) });
          session.removeAllListeners();
        },
        async abort() {
          await session.stop({ graceful: true });
          session.removeAllListeners();
        },
        state: () => session.state,
        acceptIncoming: (socket) => session.acceptIncoming(socket),
      };
      return port;
    },

    async listen(address, port, lookup): Promise<ListenerPort> {
      const server = net.createServer({ noDelay: true }, (socket) => {
        const target = lookup(socket.remoteAddress ?? '') as RealSessionPort | undefined;
        if (target === undefined) {
          log.info({ remote: socket.remoteAddress }, 'connection from an unknown address refused (Cease 6/5)');
          rejectConnection(socket);
          return;
        }
        target.acceptIncoming(socket);
      });
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
          server.close();
        },
      };
    },
  };
}
